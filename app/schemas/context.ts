import { z } from "./zod";

// The condensed context a session keeps (encrypted) in messages_str: what the
// next turn's prompt is built from, in one read. Parsed, not cast, when read
// back, so a document written by another version cannot pass for one. A turn
// is a message as Chat Completions has it: a person's (text, or parts with
// images and audio), an assistant's (text, tool calls, or both) or a tool's
// result.

export const ToolCallSchema = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

export const TextPartSchema = z.object({ type: z.literal("text"), text: z.string() });

export const ContentPartSchema = z.discriminatedUnion("type", [
  TextPartSchema,
  z.object({
    type: z.literal("image_url"),
    image_url: z.object({ url: z.string(), detail: z.enum(["auto", "low", "high"]).optional() }),
  }),
  z.object({
    type: z.literal("input_audio"),
    input_audio: z.object({ data: z.string(), format: z.enum(["wav", "mp3"]) }),
  }),
]);

export const TurnSchema = z.discriminatedUnion("role", [
  z.object({ role: z.literal("user"), content: z.union([z.string(), z.array(ContentPartSchema)]) }),
  z.object({
    role: z.literal("assistant"),
    content: z.string().nullable(),
    tool_calls: z.array(ToolCallSchema).optional(),
  }),
  z.object({ role: z.literal("tool"), content: z.string(), tool_call_id: z.string() }),
]);

export const CondensedSchema = z.object({
  summary: z.string().nullable(),
  turns: z.array(TurnSchema),
  /** An API caller's own system and developer messages: they follow the assistant's instructions. */
  instructions: z.array(z.string()).optional(),
});

export type ToolCall = z.infer<typeof ToolCallSchema>;
export type ContentPart = z.infer<typeof ContentPartSchema>;
export type Turn = z.infer<typeof TurnSchema>;
export type Condensed = z.infer<typeof CondensedSchema>;

export const EMPTY_CONTEXT: Condensed = { summary: null, turns: [] };

/** A turn in words: its text, its parts' text with a mark for each image or sound, its tool calls. */
export function turnText(turn: Turn): string {
  if (turn.role === "assistant") {
    const calls = (turn.tool_calls ?? []).map((call) => `[${call.function.name}(${call.function.arguments})]`);
    return [turn.content ?? "", ...calls].filter(Boolean).join("\n");
  }
  return typeof turn.content === "string" ? turn.content : turn.content.map(partText).join("\n");
}

function partText(part: ContentPart): string {
  if (part.type === "text") return part.text;
  return part.type === "image_url" ? "[image]" : "[audio]";
}

/**
 * A turn as it is kept for later turns: images sent inline and sound are
 * replaced by a mark, so the saved context stays far under a document's size
 * (an image at a URL is kept: it is only its address).
 */
export function keptTurn(turn: Turn): Turn {
  if (turn.role !== "user" || typeof turn.content === "string") return turn;
  const content = turn.content.map((part): ContentPart => {
    if (part.type === "input_audio") return { type: "text", text: "[audio]" };
    if (part.type === "image_url" && part.image_url.url.startsWith("data:")) return { type: "text", text: "[image]" };
    return part;
  });
  return { role: "user", content };
}
