import { expect, test } from "vitest";
import { createLimiter, describeWait } from "./rate-limit.server";

test("a limiter allows its points and then says how long to wait", async () => {
  const consume = createLimiter(2, 60);
  expect(await consume("203.0.113.7")).toEqual({ allowed: true });
  expect(await consume("203.0.113.7")).toEqual({ allowed: true });
  const third = await consume("203.0.113.7");
  expect(third.allowed).toBe(false);
  if (!third.allowed) {
    expect(third.retryAfterSeconds).toBeGreaterThan(0);
    expect(third.retryAfterSeconds).toBeLessThanOrEqual(60);
  }
});

test("each client address has its own budget", async () => {
  const consume = createLimiter(1, 60);
  expect(await consume("203.0.113.8")).toEqual({ allowed: true });
  expect((await consume("203.0.113.8")).allowed).toBe(false);
  expect(await consume("203.0.113.9")).toEqual({ allowed: true });
});

test("waits read as seconds under a minute and whole minutes above", () => {
  expect(describeWait(1)).toBe("1 second");
  expect(describeWait(45)).toBe("45 seconds");
  expect(describeWait(60)).toBe("1 minute");
  expect(describeWait(61)).toBe("2 minutes");
});
