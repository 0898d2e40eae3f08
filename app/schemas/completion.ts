import { z } from "./zod";

// A POST /v1/chat/completions body, as far as the product takes it (see
// docs/decisions/010): `model` names an assistant.

export const COMPLETION_MESSAGE_MAX_CHARS = 32_000;

const ContentPart = z.object({ type: z.literal("text"), text: z.string() });

export const CompletionRequestSchema = z.object({
  model: z.string({ error: "you must provide a model parameter" }).min(1, "you must provide a model parameter"),
  messages: z
    .array(
      z.object({
        role: z.enum(["system", "developer", "user", "assistant"]),
        content: z.union([z.string().max(COMPLETION_MESSAGE_MAX_CHARS), z.array(ContentPart)]),
        name: z.string().optional(),
      }),
    )
    .min(1, "'messages' must contain at least one message"),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
});

export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;
export type CompletionMessage = CompletionRequest["messages"][number];

export function textOf(content: CompletionMessage["content"]): string {
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}
