import { getEnv } from "~/utils/env.server";

// What the product knows about models: context windows (to fit the context)
// and prices (to show costs). Both tables can be extended or overridden by
// configuration, for new models and for other providers.

export const PRICES_AS_OF = "2026-11-01";

/** Tokens the model accepts, prompt and reply together. Longest prefix wins. */
const CONTEXT_WINDOWS: Record<string, number> = {
  "gpt-4.1": 1_047_576,
  "gpt-4o": 128_000,
  "gpt-4-turbo": 128_000,
  "gpt-4": 8_192,
  "gpt-3.5-turbo": 16_385,
  "gpt-5": 400_000,
  o1: 200_000,
  o3: 200_000,
  "o4-mini": 200_000,
};

/** For a model nobody told us about: small enough to be safe on any chat model. */
export const DEFAULT_CONTEXT_WINDOW = 8_192;

/** US dollars per million tokens, from the providers' public price lists on PRICES_AS_OF. */
const PRICES: Record<string, { input: number; output: number }> = {
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4-turbo": { input: 10, output: 30 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
  "o3-mini": { input: 1.1, output: 4.4 },
  "o4-mini": { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  o1: { input: 15, output: 60 },
};

/** The entry whose key is the longest prefix of the model id ("gpt-4o-mini-2024-07-18" → "gpt-4o-mini"). */
export function lookup<T>(table: Record<string, T>, model: string): T | undefined {
  const key = Object.keys(table)
    .filter((prefix) => model === prefix || model.startsWith(`${prefix}-`) || model.startsWith(`${prefix}:`))
    .sort((a, b) => b.length - a.length)[0];
  return key === undefined ? undefined : table[key];
}

export function contextWindow(model: string): number {
  return lookup({ ...CONTEXT_WINDOWS, ...getEnv().MODEL_CONTEXT_WINDOWS }, model) ?? DEFAULT_CONTEXT_WINDOW;
}

/** Dollars for this usage, or null when the model has no known price: never a guess. */
export function costOf(model: string, usage: { prompt_tokens: number; completion_tokens: number }): number | null {
  const price = lookup({ ...PRICES, ...getEnv().MODEL_PRICES }, model);
  if (!price) return null;
  return (usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1_000_000;
}

/**
 * How a model takes its settings on Chat Completions. Reasoning models (the o
 * series and the gpt-5 family) refuse `max_tokens` (they take
 * `max_completion_tokens`, which also bounds their hidden reasoning), refuse
 * top_p and both penalties, and accept temperature only at its default.
 * Longest prefix wins: gpt-5-chat is a standard chat model.
 */
const KINDS: Record<string, "standard" | "reasoning"> = {
  o1: "reasoning",
  o3: "reasoning",
  o4: "reasoning",
  "gpt-5": "reasoning",
  "gpt-5-chat": "standard",
};

export function isReasoningModel(model: string): boolean {
  return lookup(KINDS, model) === "reasoning";
}

export type SamplingSettings = {
  max_tokens: number;
  temperature?: number;
  top_p?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
};

/**
 * The settings part of a request, as the model accepts them: one place that
 * knows which parameters each kind of model takes, used by every call.
 */
export function requestSettings(model: string, settings: SamplingSettings) {
  if (isReasoningModel(model)) return { model, max_completion_tokens: settings.max_tokens };
  const { max_tokens, temperature, top_p, frequency_penalty, presence_penalty } = settings;
  return { model, max_tokens, temperature, top_p, frequency_penalty, presence_penalty };
}
