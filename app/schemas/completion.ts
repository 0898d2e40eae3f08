import { ContentPartSchema, TextPartSchema, ToolCallSchema, type Turn } from "./context";
import { REASONING_EFFORTS } from "./model-settings";
import { z } from "./zod";

// A POST /v1/chat/completions body, as far as the product takes it (see
// docs/decisions/010 and 022): `model` names an assistant; the rest is Chat
// Completions as OpenAI defines it. What the product passes on to the
// provider is listed in FORWARDED; anything else it knows but will not do is
// refused by name, and anything it does not know is refused as the real API
// refuses it ("Unrecognized request argument supplied").

export const COMPLETION_MESSAGE_MAX_CHARS = 32_000;

const text = z.string().max(COMPLETION_MESSAGE_MAX_CHARS);
const textOrParts = z.union([text, z.array(TextPartSchema)]);

const MessageSchema = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: textOrParts, name: z.string().optional() }),
  z.object({ role: z.literal("developer"), content: textOrParts, name: z.string().optional() }),
  z.object({
    role: z.literal("user"),
    content: z.union([text, z.array(ContentPartSchema)]),
    name: z.string().optional(),
  }),
  z.object({
    role: z.literal("assistant"),
    content: textOrParts.nullish(),
    tool_calls: z.array(ToolCallSchema).optional(),
    refusal: z.string().nullish(),
    name: z.string().optional(),
  }),
  z.object({ role: z.literal("tool"), content: textOrParts, tool_call_id: z.string().min(1) }),
]);

const FunctionTool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

const ResponseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string().min(1),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

/** What the provider receives as the caller sent it: the caller's own tools and output shape. */
export const FORWARDED = [
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "stop",
  "seed",
  "logprobs",
  "top_logprobs",
  "user",
  "metadata",
  "store",
  "service_tier",
  "logit_bias",
] as const;

/** Parameters OpenAI defines that the product refuses by name, and why. */
export const REFUSED: Record<string, string> = {
  n: "'n' above 1 is not supported: a session records one reply per turn.",
  functions: "'functions' is deprecated: send 'tools' instead.",
  function_call: "'function_call' is deprecated: send 'tool_choice' instead.",
  modalities: "'modalities' is not supported: assistants answer in text.",
  audio: "'audio' output is not supported: assistants answer in text.",
  prediction: "'prediction' is not supported.",
  web_search_options: "'web_search_options' is not supported.",
};

export const CompletionRequestSchema = z
  .object({
    model: z.string({ error: "you must provide a model parameter" }).min(1, "you must provide a model parameter"),
    messages: z.array(MessageSchema).min(1, "'messages' must contain at least one message"),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    // The assistant's own settings, which a caller may set for one call when its model takes them.
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    reasoning_effort: z.enum(REASONING_EFFORTS).nullish(),
    n: z.number().int().min(1).max(1, REFUSED.n).nullish(),
    tools: z.array(FunctionTool).optional(),
    tool_choice: z
      .union([
        z.enum(["none", "auto", "required"]),
        z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
      ])
      .optional(),
    parallel_tool_calls: z.boolean().optional(),
    response_format: ResponseFormat.optional(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    seed: z.number().int().nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(20).nullish(),
    user: z.string().optional(),
    metadata: z.record(z.string(), z.string()).nullish(),
    store: z.boolean().nullish(),
    service_tier: z.string().nullish(),
    logit_bias: z.record(z.string(), z.number()).nullish(),
  })
  .strict();

export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

/**
 * Names a parameter the product does not take: with its reason when it is one
 * of `refused`, else in the API's own words for a parameter it does not know.
 */
export function refusingUnknown(refused: Record<string, string>, unknown: (key: string) => string) {
  return (issue: z.core.$ZodIssue): { message: string; field: string } | null => {
    if (issue.code !== "unrecognized_keys" || issue.path.length > 0) return null;
    const key = issue.keys[0]!;
    return { message: Object.hasOwn(refused, key) ? refused[key]! : unknown(key), field: key };
  };
}

/** A parameter Chat Completions does not take, named as the real API names one it does not know. */
export const unknownParameter = refusingUnknown(REFUSED, (key) => `Unrecognized request argument supplied: ${key}`);

export type CompletionMessage = CompletionRequest["messages"][number];

export function textOf(content: string | { type: string; text?: string }[] | null | undefined): string {
  if (content === null || content === undefined) return "";
  return typeof content === "string" ? content : content.map((part) => part.text ?? "").join("");
}

/** A message of the caller's conversation as a turn of the session's context; system and developer ones are not turns. */
export function asTurn(message: CompletionMessage): Turn | null {
  switch (message.role) {
    case "user":
      return { role: "user", content: message.content };
    case "assistant":
      return {
        role: "assistant",
        content: message.content === null || message.content === undefined ? null : textOf(message.content),
        ...(message.tool_calls?.length ? { tool_calls: message.tool_calls } : {}),
      };
    case "tool":
      return { role: "tool", content: textOf(message.content), tool_call_id: message.tool_call_id };
    default:
      return null;
  }
}
