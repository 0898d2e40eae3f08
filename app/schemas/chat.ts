import { z } from "./zod";
import { LIMITS } from "./assistant";

export const MESSAGE_MAX_CHARS = 8_000;
export const DRAFT_MAX_MESSAGES = 40;

export const ChatMessageSchema = z.object({
  role: z.enum(["user", "assistant"]),
  content: z
    .string()
    .min(1, "A message cannot be empty.")
    .max(MESSAGE_MAX_CHARS, `A message can be at most ${MESSAGE_MAX_CHARS.toLocaleString("en-US")} characters.`),
});

/** A test drive: the lab's unsaved settings and the conversation so far, kept in the browser. */
export const DraftChatSchema = z.object({
  mode: z.literal("draft"),
  draft: z.object({
    instructions: z.string().max(LIMITS.instructions),
    session_type: z.coerce.number(),
    model: z.string(),
    max_tokens: z.unknown(),
    temperature: z.unknown(),
    top_p: z.unknown(),
    frequency_penalty: z.unknown(),
    presence_penalty: z.unknown(),
    reasoning_effort: z.unknown().optional(),
  }),
  messages: z
    .array(ChatMessageSchema)
    .min(1)
    .max(DRAFT_MAX_MESSAGES, "This test drive is long enough: save the assistant to keep chatting."),
});

/** A turn of a saved session: a new message, or a retry of the last reply. */
const SessionId = z
  .string()
  .regex(/^[\w-]{1,100}$/, "Not a session id.")
  .refine((id) => !/^__.*__$/.test(id), "Not a session id.");

export const SessionChatSchema = z
  .object({
    mode: z.literal("session"),
    sessionId: SessionId,
    message: ChatMessageSchema.shape.content.optional(),
    retry: z.literal(true).optional(),
  })
  .refine((body) => (body.message !== undefined) !== (body.retry === true), {
    message: "Send either a message or a retry.",
  });

/** After stopping a reply: wait until the server has saved what arrived. */
export const SettleChatSchema = z.object({
  mode: z.literal("settle"),
  sessionId: SessionId,
});

export const ChatRequestSchema = z.discriminatedUnion("mode", [DraftChatSchema, SessionChatSchema, SettleChatSchema]);
export type ChatRequest = z.infer<typeof ChatRequestSchema>;
export type DraftChat = z.infer<typeof DraftChatSchema>;
export type SessionChat = z.infer<typeof SessionChatSchema>;
export type SettleChat = z.infer<typeof SettleChatSchema>;
