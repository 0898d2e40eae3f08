import { z } from "./zod";

// The condensed context a session keeps (encrypted) in messages_str: what the
// next turn's prompt is built from, in one read. Parsed, not cast, when read
// back, so a document written by another version cannot pass for one.

export const TurnSchema = z.object({ role: z.enum(["user", "assistant"]), content: z.string() });

export const CondensedSchema = z.object({
  summary: z.string().nullable(),
  turns: z.array(TurnSchema),
});

export type Turn = z.infer<typeof TurnSchema>;
export type Condensed = z.infer<typeof CondensedSchema>;

export const EMPTY_CONTEXT: Condensed = { summary: null, turns: [] };
