import { encode } from "gpt-tokenizer";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { Condensed, Turn } from "~/schemas/context";
import { contextWindow } from "~/provider/models.server";

// Fitting a conversation into the model's context window (GPT Lab's session
// types, done with a real tokenizer):
// - brainstorming (2): the newest turns that fit the budget;
// - coaching (3): once the turns pass 60% of the window, older turns are
//   summarised with the session's summary prompt and the last few kept
//   verbatim; the summary rides along as a system-side note.

export const SUMMARY_THRESHOLD = 0.6;
export const KEEP_VERBATIM = 4;
/** Never send more than this, whatever the window: long prompts cost every turn. */
export const MAX_PROMPT_TOKENS = 16_000;
const MESSAGE_OVERHEAD = 4;
const REPLY_PRIMING = 3;

export function tokensOf(messages: { content?: unknown }[]): number {
  return messages.reduce(
    (sum, message) => sum + encode(String(message.content ?? "")).length + MESSAGE_OVERHEAD,
    REPLY_PRIMING,
  );
}

/** Tokens the prompt may use: the window less the reply's allowance, capped. */
export function promptBudget(model: string, maxTokens: number): number {
  return Math.max(256, Math.min(MAX_PROMPT_TOKENS, contextWindow(model) - maxTokens - 64));
}

function summaryNote(summary: string): ChatCompletionMessageParam {
  return { role: "system", content: `Summary of the conversation so far:\n${summary}` };
}

/** The messages to send: instructions, the summary note, then the newest turns that fit. */
export function buildMessages(options: {
  instructions: string;
  context: Condensed;
  model: string;
  maxTokens: number;
}): ChatCompletionMessageParam[] {
  const head: ChatCompletionMessageParam[] = [];
  if (options.instructions.trim()) head.push({ role: "system", content: options.instructions });
  if (options.context.summary) head.push(summaryNote(options.context.summary));
  const budget = promptBudget(options.model, options.maxTokens);
  let used = tokensOf(head);
  const kept: Turn[] = [];
  for (const turn of [...options.context.turns].reverse()) {
    const cost = tokensOf([turn]) - REPLY_PRIMING;
    // The newest turn always goes, even alone over budget: it is the question.
    if (kept.length > 0 && used + cost > budget) break;
    kept.unshift(turn);
    used += cost;
  }
  return [...head, ...kept];
}

/** Turns beyond what buildMessages would send are dropped: messages_str stays bounded. */
export function trimToBudget(context: Condensed, model: string, maxTokens: number): Condensed {
  const sent = buildMessages({ instructions: "", context, model, maxTokens });
  const turns = sent.filter((message): message is Turn => message.role === "user" || message.role === "assistant");
  return { summary: context.summary, turns };
}

/** True once the turns, the summary and the instructions pass 60% of the budget (coaching). */
export function needsSummary(context: Condensed, model: string, maxTokens: number, instructions = ""): boolean {
  if (context.turns.length <= KEEP_VERBATIM) return false;
  const used =
    tokensOf(context.turns) +
    (context.summary ? tokensOf([summaryNote(context.summary)]) : 0) +
    (instructions ? tokensOf([{ content: instructions }]) : 0);
  return used > SUMMARY_THRESHOLD * promptBudget(model, maxTokens);
}

/** The request that condenses older turns (and any earlier summary) into a new summary. */
export function summaryRequest(
  summaryPrompt: string,
  context: Condensed,
): {
  messages: ChatCompletionMessageParam[];
  keep: Turn[];
} {
  const older = context.turns.slice(0, -KEEP_VERBATIM);
  const keep = context.turns.slice(-KEEP_VERBATIM);
  const transcript = [
    ...(context.summary ? [`Earlier summary: ${context.summary}`] : []),
    ...older.map((turn) => `${turn.role === "user" ? "User" : "Assistant"}: ${turn.content}`),
  ].join("\n\n");
  return {
    messages: [
      { role: "system", content: "You condense conversations. Reply with the summary only, in under 200 words." },
      { role: "user", content: `${summaryPrompt}\n\n---\n${transcript}` },
    ],
    keep,
  };
}
