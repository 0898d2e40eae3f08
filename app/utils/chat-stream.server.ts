import { encode } from "gpt-tokenizer";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { tokensOf } from "./context.server";
import { encodeEvent, type ChatError, type ChatEvent, type ChatUsage } from "./chat-events";
import { describeProviderError, StallError } from "./provider-errors.server";
import { providerClient, providerConfig, type ProviderConfig } from "./provider.server";

export type ChatParams = {
  model: string;
  messages: ChatCompletionMessageParam[];
  max_tokens: number;
  temperature: number;
  top_p: number;
  frequency_penalty: number;
  presence_penalty: number;
};

export type ReplyOutcome = {
  text: string;
  usage: ChatUsage;
  /** True when usage came from our tokenizer because the provider sent none. */
  usageEstimated: boolean;
  finishReason: string | null;
  /** The person stopped the reply or went away before it finished. */
  interrupted: boolean;
  error: ChatError | null;
};

export const STREAM_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  // no-transform: proxies must not compress or buffer the stream.
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
  Connection: "keep-alive",
};

/**
 * Streams a reply from the provider to the browser as typed events. The
 * browser going away (request signal) or cancelling the stream aborts the
 * provider call; a stream silent for the provider timeout is abandoned. Either
 * way `onFinish` gets what arrived, so the caller can save it.
 */
export function streamReply(options: {
  apiKey: string;
  params: ChatParams;
  signal: AbortSignal;
  costOf?: (model: string, usage: Omit<ChatUsage, "cost_usd">) => number | null;
  onFinish?: (outcome: ReplyOutcome) => Promise<void>;
  config?: ProviderConfig;
}): Response {
  const config = options.config ?? providerConfig();
  const upstream = new AbortController();
  const abortUpstream = () => upstream.abort();
  options.signal.addEventListener("abort", abortUpstream, { once: true });
  const encoder = new TextEncoder();
  let clientGone = false;

  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (event: ChatEvent) => {
        if (clientGone) return;
        try {
          controller.enqueue(encoder.encode(encodeEvent(event)));
        } catch {
          clientGone = true;
        }
      };
      const outcome = await relay(options.apiKey, options.params, config, upstream, send, () => clientGone || options.signal.aborted);
      options.signal.removeEventListener("abort", abortUpstream);
      outcome.usage.cost_usd = options.costOf?.(options.params.model, outcome.usage) ?? null;
      send({ type: "usage", usage: outcome.usage });
      if (outcome.error) send({ type: "error", error: outcome.error });
      // Saved before "done": once the browser sees done, the next message reads what this one wrote.
      try {
        await options.onFinish?.(outcome);
      } catch (error) {
        console.error("Saving a reply failed:", error instanceof Error ? error.message : error);
        send({ type: "error", error: { code: "provider_error", message: "The reply could not be saved. Try again.", retryable: true } });
      }
      send({ type: "done", finish_reason: outcome.finishReason, interrupted: outcome.interrupted });
      if (!clientGone) controller.close();
    },
    cancel() {
      clientGone = true;
      upstream.abort();
    },
  });
  return new Response(body, { headers: STREAM_HEADERS });
}

async function relay(
  apiKey: string,
  params: ChatParams,
  config: ProviderConfig,
  upstream: AbortController,
  send: (event: ChatEvent) => void,
  stoppedByPerson: () => boolean,
): Promise<ReplyOutcome> {
  let text = "";
  let usage: Omit<ChatUsage, "cost_usd"> | null = null;
  let finishReason: string | null = null;
  let error: ChatError | null = null;
  let interrupted = false;
  let stallTimer: NodeJS.Timeout | undefined;
  const watchForStall = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => upstream.abort(new StallError(config.timeoutMs)), config.timeoutMs);
  };

  try {
    watchForStall();
    const stream = await providerClient(apiKey, config).chat.completions.create(
      { ...params, stream: true, stream_options: { include_usage: true } },
      { signal: upstream.signal },
    );
    for await (const chunk of stream) {
      watchForStall();
      const choice = chunk.choices[0];
      const delta = choice?.delta?.content;
      if (delta) {
        text += delta;
        send({ type: "delta", text: delta });
      }
      finishReason = choice?.finish_reason ?? finishReason;
      if (chunk.usage) {
        usage = {
          prompt_tokens: chunk.usage.prompt_tokens,
          completion_tokens: chunk.usage.completion_tokens,
          total_tokens: chunk.usage.total_tokens,
        };
      }
    }
  } catch (thrown) {
    if (!stoppedByPerson()) {
      const reason = upstream.signal.reason instanceof StallError ? upstream.signal.reason : thrown;
      error = describeProviderError(reason, text.length > 0);
    }
  } finally {
    clearTimeout(stallTimer);
  }
  // Whether the stream threw or just ended when aborted, a reply with no finish reason was cut short by the person.
  if (stoppedByPerson() && finishReason === null) interrupted = true;
  const estimated = usage === null;
  return {
    text,
    usage: { ...(usage ?? estimateUsage(params.messages, text)), cost_usd: null },
    usageEstimated: estimated,
    finishReason,
    interrupted,
    error,
  };
}

/** The tokenizer's count, for providers that send no usage and for replies cut short. */
export function estimateUsage(messages: ChatCompletionMessageParam[], reply: string): Omit<ChatUsage, "cost_usd"> {
  const prompt = tokensOf(messages);
  const completion = reply ? encode(reply).length : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
