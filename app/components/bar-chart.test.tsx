import { renderToStaticMarkup } from "react-dom/server";
import { expect, test } from "vitest";
import { axisTicks, BarChart } from "./bar-chart";

test.each([
  [10, [0, 2.5, 5, 7.5, 10]],
  [7, [0, 2, 4, 6, 8]],
  [1234, [0, 500, 1000, 1500]],
  [0.0123, [0, 0.005, 0.01, 0.015]],
  [0.3, [0, 0.1, 0.2, 0.3]],
])("an axis up to %s has round ticks %j", (max, ticks) => {
  expect(axisTicks(max)).toEqual(ticks);
});

test("an empty series has only the zero tick", () => {
  expect(axisTicks(0)).toEqual([0]);
});

test("the chart labels its y-axis with every tick", () => {
  const points = [
    { date: "2026-11-01", value: 300 },
    { date: "2026-11-02", value: 1234 },
  ];
  const html = renderToStaticMarkup(
    <BarChart title="Tokens" points={points} format={String} formatTick={(value) => `${value} t`} />,
  );
  expect(html).toContain('aria-label="Y axis"');
  for (const tick of ["0 t", "500 t", "1000 t", "1500 t"]) expect(html).toContain(`>${tick}</li>`);
});
