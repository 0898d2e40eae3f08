import { encode } from "gpt-tokenizer";
import type { Stream } from "openai/streaming";
import type { ChatCompletionChunk, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { tokensOf } from "./context.server";
import { encodeEvent, type ChatError, type ChatEvent, type ChatUsage } from "./events";
import { describeProviderError, StallError } from "~/provider/errors.server";
import { chatBody, providerClient, providerConfig, type ProviderConfig } from "~/provider/client.server";

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

/** What the person is told when the reply reached them but not the database. */
export const NOT_SAVED: ChatError = {
  code: "not_saved",
  message:
    "This reply could not be saved: the database did not answer. It will be missing after a reload; copy what you need, or ask again.",
  retryable: true,
};

const SHUTTING_DOWN: ChatError = {
  code: "shutting_down",
  message: "The server restarted while this reply was being written. What arrived is saved; ask again to continue.",
  retryable: true,
};

/** One line for the log, whatever was thrown. */
export function describeFailure(error: unknown): string {
  if (error instanceof Response) return `HTTP ${error.status}`;
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

export const STREAM_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  // A reply is private; no-transform: proxies must not compress or buffer the stream.
  "Cache-Control": "private, no-store, no-transform",
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
  /** The person going away. */
  signal: AbortSignal;
  /** The server shutting down: the reply is cut and saved, and the person told why. */
  shutdown?: AbortSignal;
  costOf?: (model: string, usage: Omit<ChatUsage, "cost_usd">) => number | null;
  onFinish?: (outcome: ReplyOutcome) => Promise<void>;
  config?: ProviderConfig;
}): Response {
  const stopped = eitherSignal(options.signal, options.shutdown);
  const upstream = new UpstreamCall(stopped, options.config ?? providerConfig());
  let sink: StreamSink;

  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      sink = new StreamSink(controller);
      const send = (event: ChatEvent) => sink.write(encodeEvent(event));
      const stoppedByPerson = () => sink.gone || stopped.aborted;
      let outcome: ReplyOutcome;
      try {
        const stream = await upstream.open(options.apiKey, options.params);
        outcome = await upstream.pump(stream, options.params.messages, stoppedByPerson, (text) =>
          send({ type: "delta", text }),
        );
      } catch (thrown) {
        outcome = upstream.failed(thrown, options.params.messages, stoppedByPerson);
      }
      outcome.usage.cost_usd = options.costOf?.(options.params.model, outcome.usage) ?? null;
      send({ type: "usage", usage: outcome.usage });
      if (outcome.error) send({ type: "error", error: outcome.error });
      else if (outcome.interrupted && options.shutdown?.aborted) send({ type: "error", error: SHUTTING_DOWN });
      // Saved before "done": once the browser sees done, the next message reads what this one wrote.
      try {
        await options.onFinish?.(outcome);
      } catch (error) {
        console.error(`Saving a reply failed: ${describeFailure(error)}`);
        send({ type: "error", error: NOT_SAVED });
      }
      send({ type: "done", finish_reason: outcome.finishReason, interrupted: outcome.interrupted });
      sink.close();
    },
    cancel() {
      sink.gone = true;
      upstream.abort();
    },
  });
  return new Response(body, { headers: STREAM_HEADERS });
}

/**
 * A signal aborted when either one is. Not AbortSignal.any, whose signal its
 * sources hold only weakly: the listeners here hold it strongly, so an abort
 * can never be lost to garbage collection mid-reply.
 */
export function eitherSignal(first: AbortSignal, second?: AbortSignal): AbortSignal {
  if (!second) return first;
  const either = new AbortController();
  for (const signal of [first, second]) {
    if (signal.aborted) either.abort(signal.reason);
    else signal.addEventListener("abort", () => either.abort(signal.reason), { once: true });
  }
  return either.signal;
}

/** Writes text into a response stream until the client goes away, then quietly drops it. */
export class StreamSink {
  gone = false;
  private readonly controller: ReadableStreamDefaultController<Uint8Array>;
  private readonly encoder = new TextEncoder();

  constructor(controller: ReadableStreamDefaultController<Uint8Array>) {
    this.controller = controller;
  }

  write(text: string) {
    if (this.gone) return;
    try {
      this.controller.enqueue(this.encoder.encode(text));
    } catch {
      this.gone = true;
    }
  }

  close() {
    if (!this.gone) this.controller.close();
  }
}

/**
 * One streamed provider call: aborted when the client goes away, abandoned
 * when it goes silent for the provider timeout, and summed up as a
 * ReplyOutcome whatever happens. Shared by the web chat and the
 * OpenAI-compatible API, which differ only in what they write.
 */
export class UpstreamCall {
  private readonly controller = new AbortController();
  private stallTimer: NodeJS.Timeout | undefined;
  private text = "";
  private readonly config: ProviderConfig;

  constructor(clientSignal: AbortSignal, config: ProviderConfig) {
    this.config = config;
    if (clientSignal.aborted) this.controller.abort();
    else clientSignal.addEventListener("abort", () => this.controller.abort(), { once: true });
  }

  abort() {
    this.controller.abort();
  }

  private watch() {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(
      () => this.controller.abort(new StallError(this.config.timeoutMs)),
      this.config.timeoutMs,
    );
  }

  /** Starts the call; throws the provider's error (401, 429, …) before any chunk arrives. */
  async open(apiKey: string, params: ChatParams): Promise<Stream<ChatCompletionChunk>> {
    this.watch();
    try {
      return await providerClient(apiKey, this.config).chat.completions.create(
        { ...chatBody(params), stream: true, stream_options: { include_usage: true } },
        { signal: this.controller.signal },
      );
    } catch (error) {
      clearTimeout(this.stallTimer);
      throw this.controller.signal.reason instanceof StallError ? this.controller.signal.reason : error;
    }
  }

  /** Reads the stream to its end, handing each chunk (and its text) to the caller. */
  async pump(
    stream: Stream<ChatCompletionChunk>,
    messages: ChatCompletionMessageParam[],
    stoppedByPerson: () => boolean,
    onText: (text: string) => void,
    onChunk?: (chunk: ChatCompletionChunk) => void,
  ): Promise<ReplyOutcome> {
    let usage: Omit<ChatUsage, "cost_usd"> | null = null;
    let finishReason: string | null = null;
    try {
      for await (const chunk of stream) {
        this.watch();
        onChunk?.(chunk);
        const choice = chunk.choices[0];
        const delta = choice?.delta?.content;
        if (delta) {
          this.text += delta;
          onText(delta);
        }
        finishReason = choice?.finish_reason ?? finishReason;
        if (chunk.usage) {
          const { prompt_tokens, completion_tokens, total_tokens } = chunk.usage;
          usage = { prompt_tokens, completion_tokens, total_tokens };
        }
      }
    } catch (thrown) {
      return this.failed(thrown, messages, stoppedByPerson, finishReason);
    } finally {
      clearTimeout(this.stallTimer);
    }
    // An aborted stream may end quietly instead of throwing: a stall is still a failure.
    if (this.controller.signal.aborted && !stoppedByPerson()) {
      return this.failed(this.controller.signal.reason, messages, stoppedByPerson, finishReason);
    }
    return this.outcome(messages, usage, finishReason, null, stoppedByPerson);
  }

  /** What to record when the call failed, before or during the stream. */
  failed(
    thrown: unknown,
    messages: ChatCompletionMessageParam[],
    stoppedByPerson: () => boolean,
    finishReason: string | null = null,
  ): ReplyOutcome {
    clearTimeout(this.stallTimer);
    const reason = this.controller.signal.reason instanceof StallError ? this.controller.signal.reason : thrown;
    const error = stoppedByPerson() ? null : describeProviderError(reason, this.text.length > 0);
    return this.outcome(messages, null, finishReason, error, stoppedByPerson);
  }

  private outcome(
    messages: ChatCompletionMessageParam[],
    usage: Omit<ChatUsage, "cost_usd"> | null,
    finishReason: string | null,
    error: ChatError | null,
    stoppedByPerson: () => boolean,
  ): ReplyOutcome {
    return replyOutcome(messages, {
      text: this.text,
      usage,
      finishReason,
      error,
      // Whether the stream threw or just ended when aborted, no finish reason means the person cut it short.
      interrupted: stoppedByPerson() && finishReason === null,
    });
  }
}

/** A reply as it is saved, with the tokenizer's count standing in for usage the provider did not send. */
export function replyOutcome(
  messages: ChatCompletionMessageParam[],
  reply: {
    text: string;
    usage: Omit<ChatUsage, "cost_usd"> | null;
    finishReason: string | null;
    error: ChatError | null;
    interrupted: boolean;
  },
): ReplyOutcome {
  return {
    text: reply.text,
    usage: { ...(reply.usage ?? estimateUsage(messages, reply.text)), cost_usd: null },
    usageEstimated: reply.usage === null,
    finishReason: reply.finishReason,
    interrupted: reply.interrupted,
    error: reply.error,
  };
}

/** The tokenizer's count, for providers that send no usage and for replies cut short. */
export function estimateUsage(messages: ChatCompletionMessageParam[], reply: string): Omit<ChatUsage, "cost_usd"> {
  const prompt = tokensOf(messages);
  const completion = reply ? encode(reply).length : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
