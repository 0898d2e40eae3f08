import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { classifyProviderError, type ProviderFailure } from "./errors.server";
import { chatModelIds } from "./chat-models";
import { getEnv } from "~/utils/env.server";
import { chatRequest, type SamplingSettings } from "./models.server";

export type ChatRequestParams = SamplingSettings & {
  model: string;
  messages: ChatCompletionMessageParam[];
  /** An API caller's own parameters (tools, response format, …), passed on as sent. */
  forward?: Record<string, unknown>;
};

/**
 * A chat request's body as the model takes it (see buildChatRequest in
 * ./models.ts): every call to the provider is built here, and whatever the
 * model refuses (a setting of another family, a reasoning effort it does not
 * know) is left out rather than sent to fail.
 */
export function chatBody(params: ChatRequestParams) {
  // The caller's parameters never replace the model, the messages or the assistant's limits.
  return { ...params.forward, ...chatRequest(params) };
}

// One client per request, built from the person's own key. A process-wide
// client would let concurrent requests use each other's keys.
export type ProviderConfig = { baseURL: string; timeoutMs: number };

export function providerConfig(): ProviderConfig {
  const env = getEnv();
  return { baseURL: env.OPENAI_BASE_URL, timeoutMs: env.PROVIDER_TIMEOUT_MS };
}

export function providerClient(apiKey: string, config: ProviderConfig = providerConfig()): OpenAI {
  return new OpenAI({
    apiKey,
    baseURL: config.baseURL,
    timeout: config.timeoutMs,
    // Retries belong to the person (a retry button), not to a hidden loop that
    // multiplies their cost and their wait.
    maxRetries: 0,
  });
}

/** Why a key could not be used: the provider refused or failed, or the key has no chat model. */
export type KeyProblem = { reason: "provider"; failure: ProviderFailure } | { reason: "no-chat-models" };

export type KeyCheck = { ok: true; chatModels: string[] } | ({ ok: false } & KeyProblem);

/** Lists the key's models: the cheapest call that proves the key and shows what it may use. */
export async function checkApiKey(apiKey: string, config: ProviderConfig = providerConfig()): Promise<KeyCheck> {
  const client = providerClient(apiKey, config);
  const ids: string[] = [];
  try {
    for await (const model of client.models.list()) ids.push(model.id);
  } catch (error) {
    return { ok: false, reason: "provider", failure: classifyProviderError(error) };
  }
  const chatModels = chatModelIds(ids);
  return chatModels.length > 0 ? { ok: true, chatModels } : { ok: false, reason: "no-chat-models" };
}

/** Opens a streamed reply: the one way the chat engine reaches a provider (a test gives it a scripted one). */
export type OpenChatStream = (
  params: ChatRequestParams,
  signal: AbortSignal,
) => Promise<AsyncIterable<ChatCompletionChunk>>;

/** The provider behind this deployment, called with the person's own key; usage is asked for in the stream. */
export function providerStream(apiKey: string, config: ProviderConfig = providerConfig()): OpenChatStream {
  const client = providerClient(apiKey, config);
  return (params, signal) =>
    client.chat.completions.create(
      { ...chatBody(params), stream: true, stream_options: { include_usage: true } },
      { signal },
    );
}

export type Completion = { text: string; usage: { prompt_tokens: number; completion_tokens: number } };

/**
 * A reply not streamed arrives only when it is complete, so the timeout that
 * bounds a first byte would cut long ones off.
 */
export const COMPLETION_TIMEOUT_MS = 120_000;

/** One reply, not streamed: for recaps and summaries, which nobody watches being written. */
export async function completeOnce(
  apiKey: string,
  params: { model: string; messages: ChatCompletionMessageParam[]; max_tokens: number; temperature: number },
  signal?: AbortSignal,
): Promise<Completion> {
  const config = providerConfig();
  const client = providerClient(apiKey, { ...config, timeoutMs: Math.max(config.timeoutMs, COMPLETION_TIMEOUT_MS) });
  const completion = await client.chat.completions.create({ ...chatBody(params), stream: false }, { signal });
  return {
    text: completion.choices[0]?.message?.content ?? "",
    usage: {
      prompt_tokens: completion.usage?.prompt_tokens ?? 0,
      completion_tokens: completion.usage?.completion_tokens ?? 0,
    },
  };
}
