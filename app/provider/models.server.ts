import type { SettingsRules } from "~/schemas/model-settings";
import { getEnv, type Env } from "~/utils/env.server";
import {
  buildChatRequest,
  costFor,
  describeModel,
  fallbackModel,
  isReasoning,
  mergeTables,
  MODEL_TABLE,
  settingsFor,
  type ChatSettings,
  type ModelFacts,
  type ModelTable,
} from "./models";

// The model table as this server runs it: the built-in one (./models.ts) with
// the configuration's entries laid over it, for new models and other providers.

export { DEFAULT_CONTEXT_WINDOW, lookup, PRICES_AS_OF } from "./models";

/**
 * The configuration's entries: MODEL_CONTEXT_WINDOWS and MODEL_PRICES (the
 * older, one-fact variables) first, MODEL_TABLE's partial entries over them.
 * The lab gets these too, so the browser asks for what the server accepts.
 */
export function configuredEntries(env: Env = getEnv()): ModelTable {
  const entries = <T>(record: Record<string, T>, entry: (value: T) => ModelTable[string]) =>
    Object.fromEntries(Object.entries(record).map(([key, value]) => [key, entry(value)]));
  return mergeTables(
    entries(env.MODEL_CONTEXT_WINDOWS, (contextWindow) => ({ contextWindow })),
    entries(env.MODEL_PRICES, (price) => ({ price })),
    env.MODEL_TABLE,
  );
}

let merged: { env: Env; table: ModelTable } | undefined;

export function modelTable(env: Env = getEnv()): ModelTable {
  if (merged?.env !== env) merged = { env, table: mergeTables(MODEL_TABLE, configuredEntries(env)) };
  return merged.table;
}

export function modelFacts(model: string): ModelFacts {
  return describeModel(model, modelTable());
}

/** Which settings the lab asks for on this model: the schema's view of the table. */
export function settingsRulesOf(model: string): SettingsRules {
  const { sampling, reasoningEfforts } = modelFacts(model);
  return { sampling, reasoningEfforts };
}

export function contextWindow(model: string): number {
  return modelFacts(model).contextWindow;
}

/** Dollars for this usage, or null when the model has no known price: never a guess. */
export function costOf(model: string, usage: { prompt_tokens: number; completion_tokens: number }): number | null {
  return costFor(modelFacts(model), usage);
}

export function isReasoningModel(model: string): boolean {
  return isReasoning(modelFacts(model));
}

export type SamplingSettings = ChatSettings;

/** The settings part of a request, as the model takes them. */
export function requestSettings(model: string, settings: SamplingSettings) {
  return settingsFor(model, modelFacts(model), settings);
}

/** A whole chat request as the model takes it (see buildChatRequest). */
export function chatRequest(params: Parameters<typeof buildChatRequest>[1]) {
  return buildChatRequest(modelFacts(params.model), params);
}

/**
 * The model a new chat runs: the person's pick when their key can use it,
 * else the assistant's own, else the closest one the key has (fallbackFrom
 * then names the assistant's, so the chat can say why). Null when the key has
 * no chat model at all. The web chat and the API both start chats with it.
 */
export function chatModelFor(
  assistantModel: string,
  keyModels: readonly string[],
  picked: string | null = null,
): { model: string; fallbackFrom: string | null } | null {
  const fallbackFrom = keyModels.includes(assistantModel) ? null : assistantModel;
  if (picked && keyModels.includes(picked)) return { model: picked, fallbackFrom };
  const model = fallbackModel(assistantModel, keyModels, modelTable());
  return model ? { model, fallbackFrom } : null;
}
