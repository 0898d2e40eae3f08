import { expect, test } from "vitest";
import { safeRedirect } from "./redirect";

test("keeps same-site paths", () => {
  expect(safeRedirect("/assistants/abc?tab=mine")).toBe("/assistants/abc?tab=mine");
});

test.each([
  undefined,
  null,
  "",
  "https://evil.example",
  "//evil.example",
  "/\\evil.example",
  "javascript:alert(1)",
  "/\t/evil.example",
  "/\n/evil.example",
  "/ /evil.example",
])("falls back for %s", (to) => {
  expect(safeRedirect(to)).toBe("/assistants");
});
