import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import {
  listOf,
  NEUTRAL_SAMPLING,
  SAMPLING_LABELS,
  SAMPLING_SETTINGS,
  type InstructionRole,
  type ReasoningEffort,
  type SettingsRules,
  type TokenLimit,
} from "~/schemas/model-settings";

// What the product knows about each model: its context window (to fit the
// context), its price (to show costs) and how it takes a request (which token
// limit, which sampling settings, which reasoning efforts, which role for the
// instructions). Pure data and lookups, so the lab runs them in the browser;
// app/provider/models.server.ts lays the configuration's entries over the
// table (docs/decisions/018-model-table.md).

export const PRICES_AS_OF = "2026-11-01";

export type Price = { input: number; output: number };

export type ModelFacts = SettingsRules & {
  /** Tokens the model accepts, prompt and reply together. */
  contextWindow: number;
  /** US dollars per million tokens; null when unknown, so a cost is never a guess. */
  price: Price | null;
  tokenLimit: TokenLimit;
  instructionsRole: InstructionRole;
};

/**
 * A row of the table, keyed by a model id or a prefix of one. It states only
 * what differs from shorter prefixes: each fact comes from the longest prefix
 * that states it ("gpt-4o-mini-2024-07-18" takes its price from "gpt-4o-mini"
 * and its context window from "gpt-4o").
 */
export type ModelEntry = Partial<ModelFacts>;
export type ModelTable = Readonly<Record<string, ModelEntry>>;

/** For a model nobody told us about: small enough to be safe on any chat model. */
export const DEFAULT_CONTEXT_WINDOW = 8_192;

const STANDARD = {
  tokenLimit: "max_tokens",
  sampling: SAMPLING_SETTINGS,
  reasoningEfforts: [],
  instructionsRole: "system",
} as const satisfies ModelEntry;

/**
 * Reasoning models refuse max_tokens (max_completion_tokens also bounds their
 * hidden reasoning), top_p and the penalties, and any temperature but 1; they
 * take the instructions as a developer message ("with o1 models and newer,
 * developer messages replace system messages").
 */
const reasoning = (efforts: readonly ReasoningEffort[]) =>
  ({
    tokenLimit: "max_completion_tokens",
    sampling: [],
    reasoningEfforts: efforts,
    instructionsRole: "developer",
  }) as const satisfies ModelEntry;

const LOW_TO_HIGH = ["low", "medium", "high"] as const;

/** Sources for every fact: docs/decisions/018-model-table.md. Prices as of PRICES_AS_OF. */
export const MODEL_TABLE: ModelTable = {
  "gpt-3.5-turbo": { ...STANDARD, contextWindow: 16_385, price: { input: 0.5, output: 1.5 } },
  "gpt-4": { ...STANDARD, contextWindow: 8_192 },
  "gpt-4-turbo": { contextWindow: 128_000, price: { input: 10, output: 30 } },
  "gpt-4o": { ...STANDARD, contextWindow: 128_000, price: { input: 2.5, output: 10 } },
  "gpt-4o-mini": { price: { input: 0.15, output: 0.6 } },
  "gpt-4.1": { ...STANDARD, contextWindow: 1_047_576, price: { input: 2, output: 8 } },
  "gpt-4.1-mini": { price: { input: 0.4, output: 1.6 } },
  "gpt-4.1-nano": { price: { input: 0.1, output: 0.4 } },
  o1: { ...reasoning(LOW_TO_HIGH), contextWindow: 200_000, price: { input: 15, output: 60 } },
  // The first o1 releases take no reasoning effort, and neither a system nor a developer message.
  "o1-mini": {
    reasoningEfforts: [],
    instructionsRole: "user",
    contextWindow: 128_000,
    price: { input: 1.1, output: 4.4 },
  },
  "o1-preview": { reasoningEfforts: [], instructionsRole: "user", contextWindow: 128_000 },
  o3: { ...reasoning(LOW_TO_HIGH), contextWindow: 200_000, price: { input: 2, output: 8 } },
  "o3-mini": { price: { input: 1.1, output: 4.4 } },
  "o4-mini": { ...reasoning(LOW_TO_HIGH), contextWindow: 200_000, price: { input: 1.1, output: 4.4 } },
  // gpt-5 added "minimal"; models before gpt-5.1 do not take "none".
  "gpt-5": {
    ...reasoning(["minimal", "low", "medium", "high"]),
    contextWindow: 400_000,
    price: { input: 1.25, output: 10 },
  },
  "gpt-5-mini": { price: { input: 0.25, output: 2 } },
  "gpt-5-nano": { price: { input: 0.05, output: 0.4 } },
  // The chat model behind ChatGPT: a standard model despite its name.
  "gpt-5-chat": { ...STANDARD, contextWindow: 128_000 },
  "gpt-5.1": {
    ...reasoning(["none", "low", "medium", "high"]),
    contextWindow: 400_000,
    price: { input: 1.25, output: 10 },
  },
  "gpt-5.2": {
    ...reasoning(["none", "low", "medium", "high", "xhigh"]),
    contextWindow: 400_000,
    price: { input: 1.75, output: 14 },
  },
  "gpt-5.4": {
    ...reasoning(["none", "low", "medium", "high", "xhigh"]),
    contextWindow: 1_050_000,
    price: { input: 2.5, output: 15 },
  },
  "gpt-5.4-mini": { contextWindow: 400_000, price: { input: 0.75, output: 4.5 } },
  // Smaller models must not inherit the larger one's price: unknown until configured.
  "gpt-5.4-nano": { contextWindow: 400_000, price: null },
  "gpt-5.5": { ...reasoning(["none", "low", "medium", "high", "xhigh"]), contextWindow: 400_000, price: null },
};

const UNKNOWN_MODEL: ModelFacts = { ...STANDARD, contextWindow: DEFAULT_CONTEXT_WINDOW, price: null };

/** The table's keys that are the model id or a prefix of it ending at "-" or ":", longest first. */
function matchingKeys(table: Readonly<Record<string, unknown>>, model: string): string[] {
  return Object.keys(table)
    .filter((prefix) => model === prefix || model.startsWith(`${prefix}-`) || model.startsWith(`${prefix}:`))
    .sort((a, b) => b.length - a.length);
}

/** The entry whose key is the longest prefix of the model id ("gpt-4o-mini-2024-07-18" → "gpt-4o-mini"). */
export function lookup<T>(table: Readonly<Record<string, T>>, model: string): T | undefined {
  const key = matchingKeys(table, model)[0];
  return key === undefined ? undefined : table[key];
}

/** Every fact about a model, each from the longest prefix that states it, else the unknown model's. */
export function describeModel(model: string, table: ModelTable = MODEL_TABLE): ModelFacts {
  const rows = matchingKeys(table, model).map((key) => table[key]!);
  const fact = <K extends keyof ModelFacts>(name: K): ModelFacts[K] =>
    rows.find((row) => row[name] !== undefined)?.[name] ?? UNKNOWN_MODEL[name];
  return {
    contextWindow: fact("contextWindow"),
    price: fact("price"),
    tokenLimit: fact("tokenLimit"),
    sampling: fact("sampling"),
    reasoningEfforts: fact("reasoningEfforts"),
    instructionsRole: fact("instructionsRole"),
  };
}

/** Later tables' entries over earlier ones, fact by fact. */
export function mergeTables(...tables: ModelTable[]): ModelTable {
  const merged: Record<string, ModelEntry> = {};
  for (const table of tables) {
    for (const [key, entry] of Object.entries(table)) merged[key] = { ...merged[key], ...entry };
  }
  return merged;
}

export function isReasoning(facts: ModelFacts): boolean {
  return facts.tokenLimit === "max_completion_tokens";
}

/** Dollars for this usage, or null when the model has no known price. */
export function costFor(facts: ModelFacts, usage: { prompt_tokens: number; completion_tokens: number }) {
  if (!facts.price) return null;
  return (usage.prompt_tokens * facts.price.input + usage.completion_tokens * facts.price.output) / 1_000_000;
}

/** An assistant's stored settings: what a request is built from. */
export type ChatSettings = {
  max_tokens: number;
  temperature?: number;
  top_p?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  /** As stored: it may name an effort this model does not take (the model changed), so it is checked. */
  reasoning_effort?: string;
};

export type RequestSettings = {
  model: string;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  reasoning_effort?: ReasoningEffort;
};

/** The stored reasoning effort, if this model takes it. */
function effortOf(settings: ChatSettings, facts: ModelFacts): ReasoningEffort | undefined {
  return facts.reasoningEfforts.find((known) => known === settings.reasoning_effort);
}

/** The settings part of a request as the model takes them; anything it refuses is left out. */
export function settingsFor(model: string, facts: ModelFacts, settings: ChatSettings): RequestSettings {
  const request: RequestSettings = { model, [facts.tokenLimit]: settings.max_tokens };
  for (const name of facts.sampling) {
    if (settings[name] !== undefined) request[name] = settings[name];
  }
  const effort = effortOf(settings, facts);
  if (effort) request.reasoning_effort = effort;
  return request;
}

/** Instructions (and the context's notes) travel in the role the model takes them in. */
export function messagesFor(facts: ModelFacts, messages: ChatCompletionMessageParam[]): ChatCompletionMessageParam[] {
  if (facts.instructionsRole === "system") return messages;
  const role = facts.instructionsRole;
  return messages.map((message) => (message.role === "system" ? { role, content: message.content } : message));
}

/** A whole chat request as the model takes it: every call to the provider is built here. */
export function buildChatRequest(
  facts: ModelFacts,
  params: ChatSettings & { model: string; messages: ChatCompletionMessageParam[] },
) {
  return { ...settingsFor(params.model, facts, params), messages: messagesFor(facts, params.messages) };
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/**
 * The stored settings a model does not take, as "temperature 0.7": an
 * assistant saved for one model family and run on another (its model
 * changed, or a chat picked another) still works, without them. A setting
 * at the API's default changes nothing, so it is not worth a mention.
 */
export function leftOutSettings(config: ChatSettings, facts: ModelFacts): string[] {
  const leftOut = SAMPLING_SETTINGS.filter(
    (name) => !facts.sampling.includes(name) && config[name] !== undefined && config[name] !== NEUTRAL_SAMPLING[name],
  ).map((name) => `${lowerFirst(SAMPLING_LABELS[name])} ${config[name]}`);
  if (config.reasoning_effort && !effortOf(config, facts)) leftOut.push(`reasoning effort ${config.reasoning_effort}`);
  return leftOut;
}

/** "o3 does not take temperature 0.7 or top P 0.9: they are left out." */
export function leftOutNote(model: string, leftOut: string[]): string | null {
  if (leftOut.length === 0) return null;
  return `${model} does not take ${listOf(leftOut)}: ${leftOut.length === 1 ? "it is" : "they are"} left out.`;
}

/** The settings a model runs with, in words: "max 1,000 completion tokens · reasoning effort high". */
export function settingsSummary(config: ChatSettings, facts: ModelFacts): string {
  const limit = `max ${config.max_tokens.toLocaleString("en-US")} ${isReasoning(facts) ? "completion tokens" : "tokens"}`;
  const sampling = facts.sampling
    .filter((name) => config[name] !== undefined)
    .map((name) => `${lowerFirst(SAMPLING_LABELS[name])} ${config[name]}`);
  const effort = effortOf(config, facts);
  const reasoning = facts.reasoningEfforts.length
    ? [effort ? `reasoning effort ${effort}` : "default reasoning effort"]
    : [];
  return [limit, ...sampling, ...reasoning].join(" · ");
}

/** The models to fall back on, most suitable first, by family. */
const FALLBACKS = {
  standard: ["gpt-4.1-mini", "gpt-4o-mini", "gpt-4.1", "gpt-4o"],
  reasoning: ["gpt-5-mini", "o4-mini", "o3-mini", "gpt-5", "o3"],
};

/**
 * The model to run instead of one the key can no longer use (it was retired,
 * or another person's key lacks it): the same model's base or newest snapshot
 * if the key has it, else a model of the same family (reasoning or not), else
 * any. `wanted` itself when the key has it; null when the key has no model.
 * The family comes from `table` (the built-in one unless a caller passes the
 * configured one).
 */
export function fallbackModel(
  wanted: string,
  keyModels: readonly string[],
  table: ModelTable = MODEL_TABLE,
): string | null {
  if (keyModels.includes(wanted)) return wanted;
  const family = isReasoning(describeModel(wanted, table)) ? "reasoning" : "standard";
  const other = family === "reasoning" ? "standard" : "reasoning";
  const sameFamily = keyModels.filter((model) => isReasoning(describeModel(model, table)) === (family === "reasoning"));
  return (
    baseOf(wanted, sameFamily) ??
    newestSnapshotOf(wanted, sameFamily) ??
    FALLBACKS[family].find((model) => sameFamily.includes(model)) ??
    sameFamily[0] ??
    FALLBACKS[other].find((model) => keyModels.includes(model)) ??
    keyModels[0] ??
    null
  );
}

/** "gpt-4o-2024-05-13" → "gpt-4o", "o1-preview" → "o1": the longest shorter id the key has. */
function baseOf(wanted: string, candidates: readonly string[]): string | null {
  const parts = wanted.split("-");
  for (let length = parts.length - 1; length > 0; length -= 1) {
    const base = parts.slice(0, length).join("-");
    if (candidates.includes(base)) return base;
  }
  return null;
}

/** A key that lists only dated snapshots ("gpt-4o-2024-11-20") still has the model. */
function newestSnapshotOf(wanted: string, candidates: readonly string[]): string | null {
  const dated = new RegExp(`^${wanted.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d{4}-\\d{2}-\\d{2}$`);
  return (
    candidates
      .filter((model) => dated.test(model))
      .sort()
      .at(-1) ?? null
  );
}

/** What a chat says when it runs another model than its assistant's. */
export function fallbackNote(wanted: string, used: string): string {
  return `${wanted} is not available to your API key, so this chat uses ${used}.`;
}
