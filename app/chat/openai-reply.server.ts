import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import { apiFailure, type ProviderFailure } from "~/provider/errors.server";
import { openAiError } from "~/utils/openai-error";
import { anySignal } from "~/utils/signals";
import { eventStream, type Sink } from "./event-stream.server";
import { REPLAYED_HEADER, type Settle, type StoredAnswer } from "./idempotency.server";
import { NOT_SAVED, SHUTTING_DOWN, type StartTurn, type TurnEvent, type TurnOutcome } from "./turn.server";

// The OpenAI-compatible wire format of a turn: the provider's own chunks
// passed on (streamed), or the chunks put together as one completion (not
// streamed). A failure before the first chunk is an HTTP error in OpenAI's
// shape, so SDKs raise their typed errors; one after it ends the stream with
// an error chunk, as OpenAI's own streams do.

const CUT_BY_RESTART =
  "The server restarted while this reply was being written. Nothing of this call was saved; send it again.";

/**
 * Streams a turn in an OpenAI wire format: `handle` writes each event. A
 * failure before the reply began is answered as an HTTP error instead, so
 * clients raise their typed errors (and retry what they retry).
 */
export async function streamTurn(
  requestSignal: AbortSignal,
  start: StartTurn,
  headers: Record<string, string>,
  handle: (event: TurnEvent, sink: Sink) => Promise<void> | void,
): Promise<Response> {
  const clientGone = new AbortController();
  const events = start(anySignal(requestSignal, clientGone.signal));
  const first = await events.next();
  if (!first.done && first.value.type === "end" && failedBeforeReply(first.value.outcome)) {
    return failureResponse(first.value.outcome.failure!, headers);
  }
  return eventStream(
    requestSignal,
    async (sink, signal) => {
      signal.addEventListener("abort", () => clientGone.abort(), { once: true });
      if (!first.done) await handle(first.value, sink);
      for await (const event of events) await handle(event, sink);
    },
    headers,
  );
}

/** Streams a turn as `chat.completion.chunk` events. */
export function streamedCompletion(
  requestSignal: AbortSignal,
  start: StartTurn,
  options: { includeUsage: boolean; headers: Record<string, string>; settle?: Settle },
): Promise<Response> {
  const chunks: ChatCompletionChunk[] = [];
  return streamTurn(requestSignal, start, options.headers, async (event, sink) => {
    const write = (data: string) => sink.write(`data: ${data}\n\n`);
    if (event.type === "chunk") {
      chunks.push(event.chunk);
      const chunk = forCaller(event.chunk, options.includeUsage);
      if (chunk) write(JSON.stringify(chunk));
    } else if (event.type === "end") {
      const error = endError(event.outcome);
      const answered = !error && !event.outcome.interrupted;
      await options.settle?.(answered ? { headers: options.headers, body: completionOf(chunks, event.outcome) } : null);
      if (error) write(JSON.stringify({ error: { ...error, type: "server_error", param: null } }));
      else if (answered) write("[DONE]");
    }
  });
}

/** Runs a turn to its end and answers with one `chat.completion`. */
export async function wholeCompletion(
  requestSignal: AbortSignal,
  start: StartTurn,
  options: { headers: Record<string, string>; settle?: Settle },
): Promise<Response> {
  const chunks: ChatCompletionChunk[] = [];
  let outcome: TurnOutcome | null = null;
  for await (const event of start(requestSignal)) {
    if (event.type === "chunk") chunks.push(event.chunk);
    if (event.type === "end") outcome = event.outcome;
  }
  if (outcome!.failure) return failureResponse(outcome!.failure, options.headers);
  // The caller has paid for this completion: it is theirs even when it could not be recorded.
  const headers = outcome!.saved ? options.headers : { ...options.headers, "X-Assistant-Lab-Warning": NOT_SAVED.code };
  const completion = completionOf(chunks, outcome!);
  await options.settle?.(outcome!.interrupted ? null : { headers: options.headers, body: completion });
  return Response.json(completion, { headers });
}

/**
 * A stored answer to a call repeated with its Idempotency-Key, in the form
 * the repeat asked for (the same as the first call's: the form is part of
 * the request): the completion, or its chunks as one stream.
 */
export function replayedCompletion(
  answer: StoredAnswer,
  options: { stream: boolean; includeUsage: boolean },
): Response {
  const completion = answer.body as ChatCompletion;
  const headers = { ...answer.headers, ...REPLAYED_HEADER };
  if (!options.stream) return Response.json(completion, { headers });
  const events = [...chunksOf(completion, options.includeUsage).map((chunk) => JSON.stringify(chunk)), "[DONE]"];
  return eventStream(
    new AbortController().signal,
    async (sink) => {
      for (const data of events) sink.write(`data: ${data}\n\n`);
    },
    headers,
  );
}

/** A completion as the chunks that stream it: the role, the text, the tool calls, the finish, and the usage. */
function chunksOf(completion: ChatCompletion, includeUsage: boolean): ChatCompletionChunk[] {
  const { message, finish_reason, logprobs } = completion.choices[0]!;
  const chunk = (
    delta: ChatCompletionChunk.Choice.Delta,
    more: Partial<ChatCompletionChunk.Choice> = {},
  ): ChatCompletionChunk => ({
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
    ...(completion.system_fingerprint ? { system_fingerprint: completion.system_fingerprint } : {}),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: null, ...more }],
  });
  const chunks = [chunk({ role: "assistant", content: "" })];
  if (message.content) chunks.push(chunk({ content: message.content }, { logprobs: logprobs ?? null }));
  const calls = (message.tool_calls ?? []).flatMap((call, index) =>
    call.type === "function" ? [{ index, id: call.id, type: call.type, function: call.function }] : [],
  );
  if (calls.length) chunks.push(chunk({ tool_calls: calls }));
  chunks.push(chunk({}, { finish_reason }));
  if (includeUsage && completion.usage) chunks.push({ ...chunk({}), choices: [], usage: completion.usage });
  return chunks;
}

function failedBeforeReply(outcome: TurnOutcome): boolean {
  return outcome.failure !== null && outcome.text === "";
}

export function failureResponse(failure: ProviderFailure, headers: Record<string, string>): Response {
  const error = apiFailure(failure);
  const retryAfter: Record<string, string> =
    failure.retryAfterSeconds !== null ? { "Retry-After": String(failure.retryAfterSeconds) } : {};
  return openAiError(error.status, error.message, error.type, error.code, { headers: { ...headers, ...retryAfter } });
}

/** How a stream ends badly: the provider failed, the server is shutting down, or the reply was not saved. */
export function endError(outcome: TurnOutcome): { message: string; code: string } | null {
  if (outcome.failure) {
    const error = apiFailure(outcome.failure);
    return { message: error.message, code: error.code };
  }
  // An API call cut off by a restart saved nothing (its turns are held until a reply completes): it can be sent again.
  if (outcome.error?.code === SHUTTING_DOWN.code) return { message: CUT_BY_RESTART, code: SHUTTING_DOWN.code };
  if (outcome.error) return { message: outcome.error.message, code: outcome.error.code };
  if (!outcome.saved) return { message: NOT_SAVED.message, code: NOT_SAVED.code };
  return null;
}

/** Callers who did not ask for usage get chunks without it, as the provider would send them. */
function forCaller(chunk: ChatCompletionChunk, includeUsage: boolean): ChatCompletionChunk | null {
  if (includeUsage) return chunk;
  if (chunk.choices.length === 0 && chunk.usage) return null;
  const { usage: _usage, ...withoutUsage } = chunk;
  return withoutUsage;
}

/** The streamed chunks put together as the completion the provider would have answered with. */
function completionOf(chunks: ChatCompletionChunk[], outcome: TurnOutcome): ChatCompletion {
  const first = chunks[0];
  const providerUsage = chunks.findLast((chunk) => chunk.usage)?.usage;
  const { cost_usd: _cost, ...usage } = outcome.usage;
  return {
    id: first?.id ?? `chatcmpl-${crypto.randomUUID()}`,
    object: "chat.completion",
    created: first?.created ?? Math.floor(Date.now() / 1000),
    model: first?.model ?? "",
    ...(first?.system_fingerprint ? { system_fingerprint: first.system_fingerprint } : {}),
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          // A reply that only calls functions has no content, as the provider would answer it.
          content: outcome.text || (outcome.toolCalls.length ? null : ""),
          refusal: null,
          annotations: [],
          ...(outcome.toolCalls.length ? { tool_calls: outcome.toolCalls } : {}),
        },
        logprobs: logprobsOf(chunks),
        finish_reason: (outcome.finishReason ?? "stop") as ChatCompletion.Choice["finish_reason"],
      },
    ],
    usage: providerUsage ?? usage,
  };
}

/** The streamed log probabilities, token by token, as one choice's; null when none were asked for. */
function logprobsOf(chunks: ChatCompletionChunk[]): ChatCompletion.Choice["logprobs"] {
  const tokens = chunks.flatMap((chunk) => chunk.choices[0]?.logprobs?.content ?? []);
  const asked = chunks.some((chunk) => chunk.choices[0]?.logprobs);
  return asked ? { content: tokens, refusal: null } : null;
}
