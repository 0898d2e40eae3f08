import { expect, test } from "vitest";
import { openAuth, sealAuth } from "./cookie.server";

const OLD = "old-session-secret-0123456789abcdef0123";
const NEW = "new-session-secret-0123456789abcdef0123";
const user = { userId: "user-1", apiKey: "sk-test-abcdefghijklmnopqrstuvwxyz" };
const HOUR = 60 * 60 * 1000;

test("a sealed session opens with the same secret and hides the key", () => {
  const token = sealAuth(user, [NEW], HOUR);
  expect(openAuth(token, [NEW])).toEqual(user);
  expect(token).not.toContain(user.apiKey);
  expect(Buffer.from(token.split(".")[2]!, "base64url").toString("latin1")).not.toContain(user.apiKey);
});

test("secrets rotate: a cookie sealed with the old secret still opens while it is listed", () => {
  const token = sealAuth(user, [OLD], HOUR);
  expect(openAuth(token, [NEW, OLD])).toEqual(user);
  expect(openAuth(token, [NEW])).toBeNull();
});

test("an expired seal does not open, whatever the cookie's own lifetime", () => {
  const now = Date.now();
  const token = sealAuth(user, [NEW], HOUR, now);
  expect(openAuth(token, [NEW], now + HOUR - 1)).toEqual(user);
  expect(openAuth(token, [NEW], now + HOUR)).toBeNull();
});

test("a tampered seal does not open", () => {
  const token = sealAuth(user, [NEW], HOUR);
  const parts = token.split(".");
  // A different first character, whatever it was (an "A" replaced by "A" would change nothing).
  parts[2] = `${parts[2]!.startsWith("A") ? "B" : "A"}${parts[2]!.slice(1)}`;
  expect(openAuth(parts.join("."), [NEW])).toBeNull();
  expect(openAuth("garbage", [NEW])).toBeNull();
});
