import { describe, expect, test } from "vitest";
import { median, percentile, round } from "./stats";

describe("percentiles", () => {
  test("nearest rank, whatever the order of the samples", () => {
    const samples = [5, 1, 4, 2, 3];
    expect(percentile(samples, 50)).toBe(3);
    expect(percentile(samples, 99)).toBe(5);
    expect(percentile(samples, 0)).toBe(1);
    expect(median([10, 30, 20, 40])).toBe(20);
  });

  test("of 100 samples, p99 is the 99th smallest", () => {
    const samples = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 50)).toBe(50);
  });

  test("no samples is NaN, and rounding keeps what matters", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(round(1.26)).toBe(1.3);
    expect(round(123.6)).toBe(124);
  });
});
