import { encode } from "gpt-tokenizer";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { keptTurn, turnText, type Condensed, type Turn } from "~/schemas/context";
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

/** An image is priced by the provider by its size; a low-detail one costs this much, a fair floor. */
const IMAGE_TOKENS = 85;

export function tokensOf(messages: ({ content?: unknown } | Turn)[]): number {
  return messages.reduce((sum, message) => sum + tokensOfOne(message) + MESSAGE_OVERHEAD, REPLY_PRIMING);
}

function tokensOfOne(message: { content?: unknown } | Turn): number {
  if ("role" in message && (message.role === "user" || message.role === "assistant" || message.role === "tool")) {
    const turn = message as Turn;
    const images =
      turn.role === "user" && Array.isArray(turn.content)
        ? turn.content.filter((part) => part.type !== "text").length
        : 0;
    return encode(turnText(turn)).length + images * IMAGE_TOKENS;
  }
  return encode(String(message.content ?? "")).length;
}

/** Tokens the prompt may use: the window less the reply's allowance, capped. */
export function promptBudget(model: string, maxTokens: number): number {
  return Math.max(256, Math.min(MAX_PROMPT_TOKENS, contextWindow(model) - maxTokens - 64));
}

function summaryNote(summary: string): ChatCompletionMessageParam {
  return { role: "system", content: `Summary of the conversation so far:\n${summary}` };
}

/**
 * The messages to send: the assistant's instructions, then an API caller's
 * own (they follow, never replace, the assistant's), the summary note, then
 * the newest turns that fit.
 */
export function buildMessages(options: {
  instructions: string;
  context: Condensed;
  model: string;
  maxTokens: number;
}): ChatCompletionMessageParam[] {
  const assistant: ChatCompletionMessageParam[] = options.instructions.trim()
    ? [{ role: "system", content: options.instructions }]
    : [];
  const head = [...assistant, ...contextHead(options.context)];
  const budget = promptBudget(options.model, options.maxTokens);
  return [...head, ...newestThatFit(options.context.turns, budget, tokensOf(head)).map(asMessage)];
}

/** The context's own system-side messages: the caller's instructions and the summary note. */
function contextHead(context: Condensed): ChatCompletionMessageParam[] {
  const callers = (context.instructions ?? []).map((content): ChatCompletionMessageParam => ({
    role: "system",
    content,
  }));
  return [...callers, ...(context.summary ? [summaryNote(context.summary)] : [])];
}

function newestThatFit(turns: Turn[], budget: number, used: number): Turn[] {
  const kept: Turn[] = [];
  for (const turn of [...turns].reverse()) {
    const cost = tokensOf([turn]) - REPLY_PRIMING;
    // The newest turn always goes, even alone over budget: it is the question.
    if (kept.length > 0 && used + cost > budget) break;
    kept.unshift(turn);
    used += cost;
  }
  // A tool's result whose call was trimmed away would be refused by the provider.
  while (kept.length > 1 && kept[0]!.role === "tool") kept.shift();
  return kept;
}

function asMessage(turn: Turn): ChatCompletionMessageParam {
  if (turn.role === "assistant" && !turn.tool_calls?.length) return { role: "assistant", content: turn.content };
  return turn;
}

/** Turns beyond what buildMessages would send are dropped, and inline media marked: messages_str stays bounded. */
export function trimToBudget(context: Condensed, model: string, maxTokens: number): Condensed {
  const turns = newestThatFit(context.turns, promptBudget(model, maxTokens), tokensOf(contextHead(context)));
  return { ...context, turns: turns.map(keptTurn) };
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

const SPEAKERS: Record<Turn["role"], string> = { user: "User", assistant: "Assistant", tool: "Tool" };

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
    ...older.map((turn) => `${SPEAKERS[turn.role]}: ${turnText(turn)}`),
  ].join("\n\n");
  return {
    messages: [
      { role: "system", content: "You condense conversations. Reply with the summary only, in under 200 words." },
      { role: "user", content: `${summaryPrompt}\n\n---\n${transcript}` },
    ],
    keep,
  };
}
