import { refusingUnknown, type CompletionMessage } from "./completion";
import { REASONING_EFFORTS } from "./model-settings";
import { z } from "./zod";

// The Responses API's request (POST /v1/responses), as the official clients
// send it, and its translation into Chat Completions: the provider side stays
// Chat Completions, which every OpenAI-compatible provider speaks. What has no
// Chat Completions equivalent is refused by name, never dropped.

const ContentPartSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("input_text"), text: z.string() }),
  z.object({ type: z.literal("output_text"), text: z.string(), annotations: z.array(z.unknown()).optional() }).loose(),
  z.object({ type: z.literal("refusal"), refusal: z.string() }),
  z.object({
    type: z.literal("input_image"),
    image_url: z.string().nullish(),
    file_id: z.string().nullish(),
    detail: z.enum(["low", "high", "auto"]).nullish(),
  }),
  z.object({ type: z.literal("input_file") }).loose(),
]);
type ContentPart = z.infer<typeof ContentPartSchema>;

const ItemSchema = z.preprocess(
  // A message may leave out its type ({ role, content }), as the clients' "easy" input does.
  (item) =>
    item && typeof item === "object" && !("type" in item) && "role" in item ? { ...item, type: "message" } : item,
  z.discriminatedUnion("type", [
    z.object({
      type: z.literal("message"),
      id: z.string().nullish(),
      role: z.enum(["user", "system", "developer", "assistant"]),
      content: z.union([z.string(), z.array(ContentPartSchema)]),
      status: z.string().nullish(),
    }),
    z.object({
      type: z.literal("function_call"),
      id: z.string().nullish(),
      call_id: z.string().min(1),
      name: z.string().min(1),
      arguments: z.string(),
      status: z.string().nullish(),
    }),
    z.object({
      type: z.literal("function_call_output"),
      id: z.string().nullish(),
      call_id: z.string().min(1),
      output: z.union([z.string(), z.array(ContentPartSchema)]),
      status: z.string().nullish(),
    }),
    z.object({ type: z.literal("item_reference"), id: z.string().min(1) }),
    // A reasoning model's own notes, echoed back: Chat Completions has no place for them.
    z.object({ type: z.literal("reasoning") }).loose(),
  ]),
);
export type InputItem = z.infer<typeof ItemSchema>;

const FormatSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    name: z.string().min(1),
    description: z.string().optional(),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullish(),
  }),
]);

const ToolSchema = z.object({
  type: z.string(),
  name: z.string().min(1).optional(),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});

/** Parameters the Responses API defines that the product refuses by name, and why. */
export const RESPONSES_REFUSED: Record<string, string> = {
  background: "'background' is not supported: a call is answered while it is open.",
  conversation: "'conversation' is not supported: continue a session with 'previous_response_id'.",
  prompt: "'prompt' (stored prompt templates) is not supported: the assistant holds the instructions.",
  max_tool_calls: "'max_tool_calls' is not supported.",
  top_logprobs: "'top_logprobs' is not supported on /v1/responses; use /v1/chat/completions.",
};

/** `include` values that need nothing the translation loses (this product keeps no encrypted reasoning). */
const INCLUDABLE = ["reasoning.encrypted_content"];

export const ResponsesRequestSchema = z
  .object({
    model: z.string({ error: "Missing required parameter: 'model'." }).min(1, "Missing required parameter: 'model'."),
    input: z.union([z.string().min(1), z.array(ItemSchema).min(1)], {
      error: "Missing required parameter: 'input'.",
    }),
    instructions: z.string().nullish(),
    previous_response_id: z.string().nullish(),
    stream: z.boolean().nullish(),
    max_output_tokens: z.number().int().positive().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    reasoning: z.object({ effort: z.enum(REASONING_EFFORTS).nullish(), summary: z.null().optional() }).nullish(),
    tools: z.array(ToolSchema).nullish(),
    tool_choice: z
      .union([z.enum(["none", "auto", "required"]), z.object({ type: z.literal("function"), name: z.string().min(1) })])
      .nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    text: z.object({ format: FormatSchema.nullish(), verbosity: z.null().optional() }).nullish(),
    include: z.array(z.enum(INCLUDABLE)).nullish(),
    // The session keeps every conversation, whatever `store` says; the response is not kept apart from it.
    store: z.boolean().nullish(),
    // Context is trimmed to the model's window by the assistant's own rules, whichever is asked for.
    truncation: z.enum(["auto", "disabled"]).nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
    user: z.string().optional(),
    service_tier: z.string().nullish(),
  })
  .strict();

export type ResponsesRequest = z.infer<typeof ResponsesRequestSchema>;

/** A parameter the Responses API does not take, named in its words. */
export const unknownResponsesParameter = refusingUnknown(RESPONSES_REFUSED, (key) => `Unknown parameter: '${key}'.`);

/** Input the translation cannot carry, with where it is. */
export class UntranslatableInput extends Error {
  readonly param: string;
  constructor(message: string, param: string) {
    super(message);
    this.param = param;
  }
}

/**
 * The request's instructions and input as Chat Completions messages.
 * `references` holds the text of each earlier reply an `item_reference`
 * names (the caller looks them up first; see referencedIds).
 */
export function messagesOf(body: ResponsesRequest, references: Map<string, string> = new Map()): CompletionMessage[] {
  const messages: CompletionMessage[] = body.instructions ? [{ role: "system", content: body.instructions }] : [];
  const items: InputItem[] =
    typeof body.input === "string" ? [{ type: "message", role: "user", content: body.input }] : body.input;
  items.forEach((item, index) => {
    const param = `input[${index}]`;
    switch (item.type) {
      case "message":
        messages.push(messageOf(item, param));
        break;
      case "function_call": {
        // Calls follow the text of the reply that made them: one assistant message holds both, as Chat Completions has it.
        const call = {
          id: item.call_id,
          type: "function" as const,
          function: { name: item.name, arguments: item.arguments },
        };
        const last = messages.at(-1);
        if (last?.role === "assistant") last.tool_calls = [...(last.tool_calls ?? []), call];
        else messages.push({ role: "assistant", content: null, tool_calls: [call] });
        break;
      }
      case "function_call_output":
        messages.push({ role: "tool", tool_call_id: item.call_id, content: plainText(item.output, `${param}.output`) });
        break;
      case "item_reference": {
        const text = references.get(item.id);
        if (text === undefined) throw new UntranslatableInput(`Item with id '${item.id}' not found.`, `${param}.id`);
        messages.push({ role: "assistant", content: text });
        break;
      }
      case "reasoning":
        break;
    }
  });
  return messages;
}

/** The ids of the earlier replies the input refers to, to look up before translating. */
export function referencedIds(body: ResponsesRequest): string[] {
  if (typeof body.input === "string") return [];
  return body.input.flatMap((item) => (item.type === "item_reference" ? [item.id] : []));
}

function messageOf(item: Extract<InputItem, { type: "message" }>, param: string): CompletionMessage {
  if (item.role !== "user") return { role: item.role, content: plainText(item.content, `${param}.content`) };
  if (typeof item.content === "string") return { role: "user", content: item.content };
  return {
    role: "user",
    content: item.content.map((part, index) => userPart(part, `${param}.content[${index}]`)),
  };
}

type UserPart = Extract<CompletionMessage, { role: "user" }>["content"] extends infer C
  ? C extends (infer P)[]
    ? P
    : never
  : never;

function userPart(part: ContentPart, param: string): UserPart {
  switch (part.type) {
    case "input_text":
    case "output_text":
      return { type: "text", text: part.text };
    case "refusal":
      return { type: "text", text: part.refusal };
    case "input_image":
      if (!part.image_url) {
        throw new UntranslatableInput("Images by 'file_id' are not supported: send 'image_url'.", param);
      }
      return { type: "image_url", image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) } };
    case "input_file":
      throw new UntranslatableInput("'input_file' content is not supported: send the text, or an image.", param);
  }
}

/** Content that can only be text (instructions, a reply, a tool's output). */
function plainText(content: string | ContentPart[], param: string): string {
  if (typeof content === "string") return content;
  return content
    .map((part, index) => {
      if (part.type === "input_text" || part.type === "output_text") return part.text;
      if (part.type === "refusal") return part.refusal;
      throw new UntranslatableInput("Only text is supported here.", `${param}[${index}]`);
    })
    .join("");
}

/** The rest of the request as Chat Completions parameters. */
export function completionParametersOf(body: ResponsesRequest) {
  const format = body.text?.format;
  return {
    ...(body.max_output_tokens ? { max_completion_tokens: body.max_output_tokens } : {}),
    ...(body.temperature !== undefined && body.temperature !== null ? { temperature: body.temperature } : {}),
    ...(body.top_p !== undefined && body.top_p !== null ? { top_p: body.top_p } : {}),
    ...(body.reasoning?.effort ? { reasoning_effort: body.reasoning.effort } : {}),
    ...(body.tools?.length ? { tools: body.tools.map(chatTool) } : {}),
    ...(body.tool_choice
      ? {
          tool_choice:
            typeof body.tool_choice === "string"
              ? body.tool_choice
              : { type: "function" as const, function: { name: body.tool_choice.name } },
        }
      : {}),
    ...(typeof body.parallel_tool_calls === "boolean" ? { parallel_tool_calls: body.parallel_tool_calls } : {}),
    ...(format && format.type !== "text"
      ? {
          response_format:
            format.type === "json_object"
              ? { type: "json_object" as const }
              : {
                  type: "json_schema" as const,
                  json_schema: {
                    name: format.name,
                    schema: format.schema,
                    ...(format.description ? { description: format.description } : {}),
                    ...(typeof format.strict === "boolean" ? { strict: format.strict } : {}),
                  },
                },
        }
      : {}),
    ...(body.user ? { user: body.user } : {}),
    ...(body.service_tier ? { service_tier: body.service_tier } : {}),
  };
}

function chatTool(tool: z.infer<typeof ToolSchema>, index: number) {
  if (tool.type !== "function" || !tool.name) {
    throw new UntranslatableInput(
      `Only function tools are supported; '${tool.type}' is a tool the provider runs itself.`,
      `tools[${index}]`,
    );
  }
  return {
    type: "function" as const,
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      ...(tool.parameters ? { parameters: tool.parameters } : {}),
      ...(typeof tool.strict === "boolean" ? { strict: tool.strict } : {}),
    },
  };
}
