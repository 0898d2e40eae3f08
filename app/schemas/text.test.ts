import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { hasInvisibleCharacters, labelText, withoutInvisibleCharacters } from "./text";

const name = labelText("a name", 40);

describe("label text", () => {
  test.each([
    ["\u200B\u200B", /invisible|Enter a name/],
    ["Admin\u202Egnp.exe", /invisible/],
    ["Bot\u0000", /invisible/],
    ["A\u200Db", /invisible/],
    ["\u2066\u2069", /invisible|Enter a name/],
    ["🚀🚀", /letter or digit/],
    ["   ", /Enter a name/],
  ])("%j is refused with a message", (input, message) => {
    const result = name.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message).join(" ")).toMatch(message);
  });

  test.each([["Café"], ["Coach 👩‍💻"], ["数学の先生"], ["R2-D2"], ["مساعد"]])("%j is kept", (input) => {
    expect(name.parse(input)).toBe(input.normalize("NFC"));
  });

  test("a title made from a message loses its invisible characters and keeps the rest", () => {
    expect(withoutInvisibleCharacters("Plan\u200B for\u202E Monday\u0000 👩‍💻")).toBe("Plan for Monday 👩‍💻");
  });

  test("a decomposed accent is stored composed, so two spellings are one name", () => {
    expect(name.parse("Cafe\u0301")).toBe("Café");
  });

  test("whatever is accepted is visible, normalised and within its limit", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (input) => {
        const result = name.safeParse(input);
        if (!result.success) return;
        expect(result.data).toBe(result.data.normalize("NFC"));
        expect(hasInvisibleCharacters(result.data)).toBe(false);
        expect(result.data.length).toBeLessThanOrEqual(40);
        expect(result.data).toMatch(/[\p{L}\p{N}]/u);
      }),
    );
  });
});
