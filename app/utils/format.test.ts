import { expect, test } from "vitest";
import { describeWait, formatCost, formatTokens } from "./format";

test("costs show cents, fractions of a cent, and never invent a price", () => {
  expect(formatCost(0)).toBe("$0.00");
  expect(formatCost(0.00042)).toBe("$0.0004");
  expect(formatCost(0.00001)).toBe("< $0.0001");
  expect(formatCost(1.234)).toBe("$1.23");
  expect(formatCost(null)).toBe("cost unknown");
  expect(formatCost(0.5, 120)).toBe("$0.50 + cost unknown");
});

test("tokens read as a count", () => {
  expect(formatTokens(1)).toBe("1 token");
  expect(formatTokens(12345)).toBe("12,345 tokens");
});

test("waits read as seconds under a minute, whole minutes, then hours", () => {
  expect(describeWait(1)).toBe("1 second");
  expect(describeWait(45)).toBe("45 seconds");
  expect(describeWait(60)).toBe("1 minute");
  expect(describeWait(61)).toBe("2 minutes");
  expect(describeWait(89 * 60)).toBe("89 minutes");
  expect(describeWait(24 * 3600)).toBe("24 hours");
});
