import { expect, test } from "vitest";
import { renderReport } from "./reliability-report";

test("rows with the same description add up, and each area shows its totals first", () => {
  const report = renderReport(
    [
      { area: "concurrency", what: "two sends at once", tried: 20, held: 20, lost: 0 },
      { area: "concurrency", what: "two sends at once", tried: 20, held: 19, lost: 1 },
      { area: "access", what: "another person", tried: 30, held: 30 },
    ],
    "2026-11-23",
  );
  expect(report).toContain("| two sends at once | 40 | 39 | 1 |");
  expect(report).toContain("| **Concurrency** | **40** | **39** | **1** |");
  expect(report).toContain("| **Access attempts, denied** | **30** | **30** | **0** |");
  expect(report.indexOf("Access attempts")).toBeLessThan(report.indexOf("Concurrency"));
  expect(report).toContain("lost in all: **1**");
});
