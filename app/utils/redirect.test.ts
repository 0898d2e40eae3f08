import { expect, test } from "vitest";
import { describeDestination, safeRedirect } from "./redirect";

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

test.each([
  ["/assistants/abc123", "an assistant someone shared with you"],
  ["/sessions/abc123?x=1", "a chat (only the key that started it can open it)"],
  ["/assistants/new", "the lab, to build an assistant"],
  ["/assistants/abc/edit", "an assistant's edit page"],
  ["/usage", "your usage"],
  ["/somewhere", "the page you followed a link to"],
])("a sign-in on its way to %s says it opens %s", (to, words) => {
  expect(describeDestination(to)).toBe(words);
});

test.each([undefined, "", "https://evil.example/sessions/abc", "//evil.example/assistants/x"])(
  "a sign-in on its way to %s says nothing about where it goes",
  (to) => {
    expect(describeDestination(to)).toBeNull();
  },
);
