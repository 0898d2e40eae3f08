import { z } from "zod";

export const SignInSchema = z.object({
  apiKey: z
    .string({ error: "Enter your OpenAI API key." })
    .trim()
    .min(1, "Enter your OpenAI API key.")
    .max(512, "That is longer than any API key. Check what you pasted.")
    .regex(/^\S+$/, "An API key has no spaces in it. Check what you pasted."),
  redirectTo: z.string().optional(),
});
