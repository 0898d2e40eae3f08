import { expect, test, vi } from "vitest";
import { onBuildWarning } from "./build-warnings.ts";

function passedOn(log: Parameters<typeof onBuildWarning>[0]) {
  const warn = vi.fn();
  onBuildWarning(log, warn);
  return warn.mock.calls.length > 0;
}

test("the empty client chunk of a resource route is not printed", () => {
  expect(passedOn({ code: "EMPTY_BUNDLE", message: 'Generated an empty chunk: "api.chat".' })).toBe(false);
});

test("zod's misplaced pure annotations are not printed", () => {
  const id = "/work/main/node_modules/zod/v4/core/util.js";
  expect(passedOn({ code: "INVALID_ANNOTATION", id, message: "A comment … cannot interpret" })).toBe(false);
});

test("a misplaced annotation in the app's own code is still printed", () => {
  const id = "/work/app/components/markdown.tsx";
  expect(passedOn({ code: "INVALID_ANNOTATION", id, message: "A comment … cannot interpret" })).toBe(true);
});

test("any other warning is still printed", () => {
  expect(passedOn({ code: "CIRCULAR_DEPENDENCY", message: "Circular dependency" })).toBe(true);
});
