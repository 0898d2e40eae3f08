import { expect, test } from "vitest";
import { firstDayNeeded, summarizeUsage, type Day } from "./usage-summary";

const day = (date: string, tokens: number, cost: number, bot = "b1", model = "gpt-4o-mini"): Day => ({
  date,
  tokens,
  cost_usd: cost,
  unpriced_tokens: 0,
  by_bot: { [bot]: { name: `Bot ${bot}`, tokens, cost_usd: cost, unpriced_tokens: 0 } },
  by_model: { [model]: { tokens, cost_usd: cost, unpriced_tokens: 0 } },
});

test("the series covers 30 days ending today, with empty days as zero", () => {
  const summary = summarizeUsage(
    [day("2026-11-21", 100, 0.5), day("2026-11-01", 50, 0.25)],
    new Date("2026-11-21T12:00:00Z"),
  );
  expect(summary.series).toHaveLength(30);
  expect(summary.series[0]!.date).toBe("2026-10-23");
  expect(summary.series.at(-1)).toEqual({ date: "2026-11-21", tokens: 100, cost_usd: 0.5 });
  expect(summary.series.find((point) => point.date === "2026-11-10")).toEqual({
    date: "2026-11-10",
    tokens: 0,
    cost_usd: 0,
  });
});

test("totals split by assistant and model, biggest first; the month counts only this month", () => {
  const summary = summarizeUsage(
    [day("2026-10-30", 10, 1, "old"), day("2026-11-02", 20, 2, "b1", "gpt-4o"), day("2026-11-03", 30, 3, "b2")],
    new Date("2026-11-21T00:00:00Z"),
  );
  expect(summary.last30).toMatchObject({ tokens: 60, cost_usd: 6 });
  expect(summary.month).toMatchObject({ tokens: 50, cost_usd: 5 });
  expect(summary.byBot.map((bot) => bot.id)).toEqual(["b2", "b1", "old"]);
  expect(summary.byModel.map((model) => model.model)).toEqual(["gpt-4o-mini", "gpt-4o"]);
});

test("the first day needed reaches back to the month's start when it is earlier", () => {
  expect(firstDayNeeded(new Date("2026-11-21T00:00:00Z"))).toBe("2026-10-23");
  expect(firstDayNeeded(new Date("2026-12-31T00:00:00Z"))).toBe("2026-12-01");
});
