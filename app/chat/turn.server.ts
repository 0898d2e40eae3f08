import { encode } from "gpt-tokenizer";
import type { ChatCompletionChunk, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { providerConfig, providerStream, type ChatRequestParams, type OpenChatStream } from "~/provider/client.server";
import { costOf } from "~/provider/models.server";
import { chatFailure, classifyProviderError, StallError, type ProviderFailure } from "~/provider/errors.server";
import { isDatabaseUnavailable } from "~/utils/db.server";
import { tokensOf } from "./context.server";
import type { ToolCall } from "~/schemas/context";
import type { ChatError, ChatUsage } from "./events";

// The chat engine: one turn, from the provider's first byte to the saved reply,
// as a stream of typed events. Every way of talking to an assistant (the web
// chat, a test drive, the OpenAI-compatible API) runs its turns through
// `runTurn` and differs only in what it writes (see the adapters beside this
// file) and in whether a store saves the turn. The order is the engine's: the
// person's message was committed before the turn began (the store's job), the
// provider streams, usage and cost are settled once, the reply is saved once,
// and only then does the turn end.

export type Usage = Omit<ChatUsage, "cost_usd">;

/** How a turn ended: what the adapters report and the store saves. */
export type TurnOutcome = {
  text: string;
  /** The functions the model called, put together from the streamed fragments. */
  toolCalls: ToolCall[];
  /** Settled once, cost included: the number shown is the number saved. */
  usage: ChatUsage;
  /** True when the provider reported no usage: the usage is chargedWithoutReport's. */
  usageEstimated: boolean;
  finishReason: string | null;
  /** The person stopped the reply or went away before it finished. */
  interrupted: boolean;
  /** The provider failed (before or during the reply). */
  failure: ProviderFailure | null;
  /** What the person is told about how the reply ended, if anything went wrong. */
  error: ChatError | null;
  /** The saved reply's id; null when nothing saves this turn (a test drive) or saving failed. */
  messageId: string | null;
  /** False only when a store was given and could not save. */
  saved: boolean;
};

export type TurnEvent =
  /** The provider's chunk as it came, for adapters that pass chunks on. */
  | { type: "chunk"; chunk: ChatCompletionChunk }
  | { type: "text"; text: string }
  | { type: "end"; outcome: TurnOutcome };

/** Starts a turn that is ready to run, with the signal that stops it; the adapter reads it to its end. */
export type StartTurn = (signal: AbortSignal) => AsyncGenerator<TurnEvent, void, undefined>;

/** Saves a turn's reply; a session turn has one, a test drive none. */
export type TurnStore = {
  /**
   * The saved reply's id (null when the store keeps no reply of this turn),
   * and what to tell the person instead of the outcome's error, when saving
   * changed what it means (a session moved off a model the key lost).
   */
  save: (outcome: TurnOutcome) => Promise<{ messageId: string | null; error?: ChatError }>;
  /** Called once the turn is over, saved or not (ends the lease renewal). */
  release?: () => void;
};

export type Turn = {
  request: ChatRequestParams;
  open: OpenChatStream;
  /** A stream silent this long is abandoned as a stall. */
  stallMs: number;
  /** The person stopping or going away: what arrived is kept. */
  signal: AbortSignal;
  /** The server shutting down: the reply is cut and saved, and the person told why. */
  shutdown?: AbortSignal;
  costOf: (model: string, usage: Usage) => number | null;
  store?: TurnStore;
};

/** A turn ready to run but for the signal of the person stopping, which the adapter gives it when it runs. */
export type ReadyTurn = Omit<Turn, "signal">;

/**
 * Starts a turn's provider call before the turn runs, so that the checks and
 * writes that admit the turn overlap the provider's wait for its first token
 * (hundreds of milliseconds on real models). Nothing of the reply is read
 * until the turn runs, so nothing reaches anyone, and nothing is saved, before
 * the turn is admitted. `cancel` (the turn will not run after all) aborts the
 * call and lets go of what the turn holds.
 */
export function openEarly(turn: ReadyTurn): { turn: ReadyTurn; cancel: () => void } {
  const early = new AbortController();
  const started = turn.open(turn.request, early.signal);
  // Read by the turn when it runs; a cancelled call's failure interests no one.
  started.catch(() => undefined);
  let handedOver = false;
  const open: OpenChatStream = (request, signal) => {
    if (handedOver) return turn.open(request, signal);
    handedOver = true;
    if (signal.aborted) early.abort(signal.reason);
    else signal.addEventListener("abort", () => early.abort(signal.reason), { once: true });
    return started;
  };
  return {
    turn: { ...turn, open },
    cancel: () => {
      early.abort();
      turn.store?.release?.();
    },
  };
}

/** The deployment's provider as a turn reaches it: with the caller's key, its stall time, its prices. */
export function deployedProvider(apiKey: string): Pick<Turn, "open" | "stallMs" | "costOf"> {
  return { open: providerStream(apiKey), stallMs: providerConfig().timeoutMs, costOf };
}

/** Saving a reply is tried this many times before the person is told it was not saved. */
export const SAVE_ATTEMPTS = 3;

/** What the person is told when the reply reached them but not the database. */
export const NOT_SAVED: ChatError = {
  code: "not_saved",
  message:
    "This reply could not be saved: the database did not answer. It will be missing after a reload; copy what you need, or ask again.",
  retryable: true,
};

export const SHUTTING_DOWN: ChatError = {
  code: "shutting_down",
  message: "The server restarted while this reply was being written. What arrived is saved; ask again to continue.",
  retryable: true,
};

/**
 * Runs one turn. Adapters must read it to its end (never `break`): the save
 * happens after the last chunk, even when the person has gone. A stop is an
 * abort of `turn.signal`, never an abandoned generator.
 */
export async function* runTurn(turn: Turn): AsyncGenerator<TurnEvent, void, undefined> {
  const call = new ProviderCall(turn);
  try {
    yield* call.stream();
    const outcome = call.outcome();
    if (turn.store) {
      const saved = await saveWithRetries(turn.store, outcome);
      outcome.messageId = saved?.messageId ?? null;
      outcome.saved = saved !== null;
      if (saved?.error) outcome.error = saved.error;
    }
    yield { type: "end", outcome };
  } finally {
    call.dispose();
    turn.store?.release?.();
  }
}

/** One streamed provider call: aborted when the person stops, abandoned when silent, summed up at the end. */
class ProviderCall {
  private readonly controller = new AbortController();
  private readonly detach: () => void;
  private stallTimer: NodeJS.Timeout | undefined;
  private text = "";
  private readonly toolCalls: ToolCall[] = [];
  private usage: Usage | null = null;
  private finishReason: string | null = null;
  private thrown: unknown = null;

  private readonly turn: Turn;

  constructor(turn: Turn) {
    this.turn = turn;
    const signals = [turn.signal, turn.shutdown].filter((signal): signal is AbortSignal => signal !== undefined);
    const abort = () => this.controller.abort();
    for (const signal of signals) {
      if (signal.aborted) abort();
      else signal.addEventListener("abort", abort, { once: true });
    }
    this.detach = () => signals.forEach((signal) => signal.removeEventListener("abort", abort));
  }

  async *stream(): AsyncGenerator<TurnEvent, void, undefined> {
    try {
      this.watch();
      const chunks = await this.turn.open(this.turn.request, this.controller.signal);
      for await (const chunk of chunks) {
        this.watch();
        yield { type: "chunk", chunk };
        const choice = chunk.choices[0];
        const text = choice?.delta?.content;
        if (text) {
          this.text += text;
          yield { type: "text", text };
        }
        for (const fragment of choice?.delta?.tool_calls ?? []) this.addToolCallFragment(fragment);
        this.finishReason = choice?.finish_reason ?? this.finishReason;
        if (chunk.usage) {
          const { prompt_tokens, completion_tokens, total_tokens } = chunk.usage;
          this.usage = { prompt_tokens, completion_tokens, total_tokens };
        }
      }
      // An aborted stream may end quietly instead of throwing.
      if (this.controller.signal.aborted) this.thrown = this.controller.signal.reason;
    } catch (error) {
      this.thrown = error;
    } finally {
      clearTimeout(this.stallTimer);
    }
  }

  /** A streamed tool call arrives as its id and name, then its arguments in pieces, all under one index. */
  private addToolCallFragment(fragment: ChatCompletionChunk.Choice.Delta.ToolCall) {
    const call = (this.toolCalls[fragment.index] ??= {
      id: "",
      type: "function",
      function: { name: "", arguments: "" },
    });
    if (fragment.id) call.id = fragment.id;
    if (fragment.function?.name) call.function.name += fragment.function.name;
    if (fragment.function?.arguments) call.function.arguments += fragment.function.arguments;
  }

  private watch() {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => this.controller.abort(new StallError(this.turn.stallMs)), this.turn.stallMs);
  }

  private stoppedByPerson(): boolean {
    return this.turn.signal.aborted || this.turn.shutdown?.aborted === true;
  }

  outcome(): TurnOutcome {
    const stopped = this.stoppedByPerson();
    const reason = this.controller.signal.reason instanceof StallError ? this.controller.signal.reason : this.thrown;
    const failure = this.thrown !== null && !stopped ? classifyProviderError(reason, this.text.length > 0) : null;
    // No finish reason means the reply was cut short, whether the stream threw or just ended.
    const interrupted = stopped && this.finishReason === null;
    const usage = this.usage ?? chargedWithoutReport(this.turn.request.messages, this.text, this.toolCalls.length > 0);
    return {
      text: this.text,
      toolCalls: this.toolCalls.filter(Boolean),
      usage: { ...usage, cost_usd: this.turn.costOf(this.turn.request.model, usage) },
      usageEstimated: this.usage === null,
      finishReason: this.finishReason,
      interrupted,
      failure,
      error: failure
        ? chatError(failure)
        : interrupted && this.turn.shutdown?.aborted && !this.turn.signal.aborted
          ? SHUTTING_DOWN
          : null,
      messageId: null,
      saved: true,
    };
  }

  dispose() {
    clearTimeout(this.stallTimer);
    this.detach();
  }
}

export function chatError(failure: ProviderFailure): ChatError {
  return {
    code: failure.kind,
    ...chatFailure(failure),
    ...(failure.retryAfterSeconds !== null ? { retry_after_seconds: failure.retryAfterSeconds } : {}),
  };
}

/** Saves under one message id, tried again when the database did not answer; null once it gives up. */
type Saved = Awaited<ReturnType<TurnStore["save"]>>;

async function saveWithRetries(store: TurnStore, outcome: TurnOutcome): Promise<Saved | null> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await store.save(outcome);
    } catch (error) {
      if (attempt >= SAVE_ATTEMPTS || !isDatabaseUnavailable(error)) {
        console.error(`Saving a reply failed: ${describeFailure(error)}`);
        return null;
      }
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

/** One line for the log, whatever was thrown. */
export function describeFailure(error: unknown): string {
  if (error instanceof Response) return `HTTP ${error.status}`;
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

/**
 * What a turn is taken to have cost when the provider reported no usage:
 * the tokenizer's count once output began (the provider charges a stream cut
 * short for what it sent), and nothing for a call refused before any output
 * (the provider charges nothing for it).
 */
export function chargedWithoutReport(
  messages: ChatCompletionMessageParam[],
  reply: string,
  calledTools: boolean,
): Usage {
  if (!reply && !calledTools) return { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  return estimateUsage(messages, reply);
}

/** The tokenizer's count, for providers that send no usage and for replies cut short. */
export function estimateUsage(messages: ChatCompletionMessageParam[], reply: string): Usage {
  const prompt = tokensOf(messages);
  const completion = reply ? encode(reply).length : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
