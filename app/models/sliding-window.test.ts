import fc from "fast-check";
import { expect, test } from "vitest";
import { slidingCount, waitUntilUnder } from "./sliding-window";

test("the previous window counts in proportion to what the sliding window still covers", () => {
  expect(slidingCount({ previous: 10, current: 2 }, 0)).toBe(12);
  expect(slidingCount({ previous: 10, current: 2 }, 0.5)).toBe(7);
  expect(slidingCount({ previous: 10, current: 2 }, 1)).toBe(2);
});

test("a client that spent its limit at a window's end cannot spend it again right after", () => {
  // Ten at the very end of one window: just after, they still count almost fully.
  expect(slidingCount({ previous: 10, current: 1 }, 0.01)).toBeGreaterThan(10);
});

test("after the wait it names, the count is within the limit; just before, it was not", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 0, max: 200 }),
      fc.integer({ min: 0, max: 200 }),
      fc.double({ min: 0, max: 0.999, noNaN: true }),
      (points, previous, current, elapsed) => {
        const counts = { previous, current };
        if (slidingCount(counts, elapsed) <= points) return;
        const wait = waitUntilUnder(points, counts, elapsed);
        const at = elapsed + wait;
        // Past this window's end the current window becomes the previous one.
        const later = at < 1 ? slidingCount(counts, at) : slidingCount({ previous: current, current: 0 }, at - 1);
        expect(later).toBeLessThanOrEqual(points + 1e-9);
        const sooner = elapsed + wait * 0.99;
        const before =
          sooner < 1 ? slidingCount(counts, sooner) : slidingCount({ previous: current, current: 0 }, sooner - 1);
        if (wait > 0.01) expect(before).toBeGreaterThan(points - 1e-9);
      },
    ),
  );
});
