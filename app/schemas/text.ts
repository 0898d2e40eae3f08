import { z } from "./zod";

// One-line text that people read as a label (names, tag lines, chat titles).
// It is NFC-normalised, so look-alike spellings compare equal, and it must be
// visible: control characters, bidirectional overrides and zero-width
// characters could make a name look blank, or read as something else.

/** Controls, bidi marks and overrides, zero-width spaces and joiners, soft hyphens, BOM. */
const INVISIBLE = /[\p{Cc}\u00AD\u061C\u180E\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;
/** A zero-width joiner belongs only inside an emoji sequence (👩‍💻). */
const STRAY_JOINER = /(?<!\p{Extended_Pictographic}\uFE0F?)\u200D|\u200D(?!\p{Extended_Pictographic})/u;
const READABLE = /[\p{L}\p{N}]/u;

export function hasInvisibleCharacters(text: string): boolean {
  return INVISIBLE.test(text) || STRAY_JOINER.test(text);
}

/** The text without its invisible characters, for labels made from what people wrote (a chat's first message). */
export function withoutInvisibleCharacters(text: string): string {
  return text
    .normalize("NFC")
    .replace(new RegExp(INVISIBLE.source, "gu"), "")
    .replace(new RegExp(STRAY_JOINER.source, "gu"), "");
}

export function labelText(label: string, max: number) {
  return z
    .string({ error: `Enter ${label}.` })
    .transform((value) => value.normalize("NFC").trim())
    .pipe(
      z
        .string()
        .min(1, `Enter ${label}.`)
        .max(max, `Keep ${label} to ${max.toLocaleString("en-US")} characters or fewer.`)
        .refine((value) => !hasInvisibleCharacters(value), `Remove the invisible or control characters from ${label}.`)
        .refine((value) => READABLE.test(value), `Use at least one letter or digit in ${label}.`),
    );
}
