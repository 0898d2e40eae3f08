import { expect, test } from "vitest";
import { describeWait } from "./rate-limit.server";

// The limits themselves are counted in Firestore: tests/integration/rate-limits.test.ts.

test("waits read as seconds under a minute and whole minutes above", () => {
  expect(describeWait(1)).toBe("1 second");
  expect(describeWait(45)).toBe("45 seconds");
  expect(describeWait(60)).toBe("1 minute");
  expect(describeWait(61)).toBe("2 minutes");
  expect(describeWait(89 * 60)).toBe("89 minutes");
  expect(describeWait(24 * 3600)).toBe("24 hours");
});
