import { z } from "./zod";

export const SignInSchema = z.object({
  apiKey: z
    .string({ error: "Enter your OpenAI API key." })
    .trim()
    .min(1, "Enter your OpenAI API key.")
    .max(512, "That is longer than any API key. Check what you pasted.")
    .regex(/^\S+$/, "An API key has no spaces in it. Check what you pasted.")
    // Keys are plain ASCII; anything else (a curly quote, the placeholder's ellipsis) cannot go in a header.
    .regex(/^[\x21-\x7e]+$/, "An API key has only letters, digits and simple punctuation. Check what you pasted."),
  redirectTo: z.string().optional(),
});

/** What of each field the server keeps (docs/decisions/015): more than a key with stray spaces, or any path here. */
export const SIGN_IN_MAX_CHARS = { apiKey: 2_048, redirectTo: 2_048 };
