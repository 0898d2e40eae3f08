import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { z } from "zod";
import { getOpenableBot } from "~/models/bots.server";
import {
  admitMessage,
  getOwnSession,
  SessionBusyError,
  startSession,
  STATUS,
  type AdmittedTurn,
  type ChatSession,
} from "~/models/sessions.server";
import {
  describeFailure,
  eitherSignal,
  NOT_SAVED,
  replyOutcome,
  STREAM_HEADERS,
  StreamSink,
  UpstreamCall,
  type ChatParams,
  type ReplyOutcome,
} from "./stream.server";
import { keepLease, saveReply } from "./session-turn.server";
import type { Turn } from "~/schemas/context";
import { buildMessages } from "./context.server";
import { describeProviderError } from "~/provider/errors.server";
import { consumeChatTurn } from "~/identity/rate-limit.server";
import { parseJsonBody } from "~/utils/request-body.server";
import { chatBody, COMPLETION_TIMEOUT_MS, providerClient, providerConfig } from "~/provider/client.server";
import { openAiError, providerFailure, type ApiCaller } from "~/identity/bearer.server";
import { transcriptKey, type TranscriptKey } from "~/utils/transcript-crypto.server";

// POST /v1/chat/completions with `model` = an assistant's id: the assistant's
// instructions, model settings and context rules, the caller's own key, and a
// session recorded like any web chat (continued with X-Session-Id).

const MESSAGE_MAX_CHARS = 32_000;

const ContentPart = z.object({ type: z.literal("text"), text: z.string() });

export const CompletionRequestSchema = z.object({
  model: z.string({ error: "you must provide a model parameter" }).min(1, "you must provide a model parameter"),
  messages: z
    .array(
      z.object({
        role: z.enum(["system", "developer", "user", "assistant"]),
        content: z.union([z.string().max(MESSAGE_MAX_CHARS), z.array(ContentPart)]),
        name: z.string().optional(),
      }),
    )
    .min(1, "'messages' must contain at least one message"),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
});

type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

function textOf(content: CompletionRequest["messages"][number]["content"]): string {
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}

async function parseBody(request: Request): Promise<CompletionRequest | Response> {
  const parsed = await parseJsonBody(request, CompletionRequestSchema);
  if (parsed.ok) return parsed.value;
  const code =
    parsed.status === 413 ? "request_too_large" : parsed.code === "invalid_json" ? "invalid_json" : "invalid_value";
  return openAiError(parsed.status, parsed.message, "invalid_request_error", code, { param: parsed.field });
}

export async function createCompletion(request: Request, caller: ApiCaller, shutdown?: AbortSignal): Promise<Response> {
  const body = await parseBody(request);
  if (body instanceof Response) return body;

  const limit = await consumeChatTurn(caller.userId);
  if (!limit.allowed) {
    return openAiError(
      429,
      `Rate limit reached. Try again in ${limit.retryAfterSeconds}s.`,
      "rate_limit_error",
      "rate_limit_exceeded",
      {
        headers: { "Retry-After": String(limit.retryAfterSeconds) },
      },
    );
  }
  const bot = await getOpenableBot(body.model);
  if (!bot) {
    return openAiError(
      404,
      `The model \`${body.model}\` does not exist or you do not have access to it.`,
      "invalid_request_error",
      "model_not_found",
      { param: "model" },
    );
  }
  const last = body.messages.at(-1)!;
  if (last.role !== "user" || !textOf(last.content).trim()) {
    return openAiError(
      400,
      "The last message must be a non-empty message from the user.",
      "invalid_request_error",
      "invalid_value",
      {
        param: `messages.${body.messages.length - 1}`,
      },
    );
  }

  const key = transcriptKey(caller.apiKey);
  const session = await sessionFor(request, caller, key, bot.id);
  if (session instanceof Response) return session;
  const headers = { "X-Session-Id": session.id };

  // The caller's turns start a new session's context; a continued session has its own.
  const firstTurns: Turn[] = request.headers.get("X-Session-Id")
    ? []
    : body.messages
        .slice(0, -1)
        .flatMap((message): Turn[] =>
          message.role === "user" || message.role === "assistant"
            ? [{ role: message.role, content: textOf(message.content) }]
            : [],
        );
  let admitted: AdmittedTurn;
  try {
    admitted = await admitMessage(session, key, textOf(last.content), firstTurns);
  } catch (error) {
    if (!(error instanceof SessionBusyError)) throw error;
    const retryAfter: Record<string, string> =
      error.reason === "busy" ? { "Retry-After": String(error.retryAfterSeconds) } : {};
    return openAiError(
      409,
      error.message,
      "invalid_request_error",
      error.reason === "busy" ? "session_busy" : "session_concluded",
      {
        headers: { ...headers, ...retryAfter },
      },
    );
  }
  const context = admitted.context;

  const config = session.bot_model_config;
  // The caller may ask for a shorter reply than the assistant allows, never a longer one.
  const requested = body.max_completion_tokens ?? body.max_tokens;
  const maxTokens = requested ? Math.min(requested, config.max_tokens) : config.max_tokens;
  const params: ChatParams = {
    ...config,
    max_tokens: maxTokens,
    messages: buildMessages({ instructions: session.bot_initial_prompt_msg, context, model: config.model, maxTokens }),
  };
  // The call ends when the caller goes away or the server shuts down; either way what arrived is saved.
  const signal = eitherSignal(request.signal, shutdown);
  const turn: ApiTurn = {
    signal,
    caller,
    key,
    session,
    admitted,
    params,
    headers,
    releaseLease: keepLease(session.id, admitted.leaseId),
  };
  return body.stream ? streamCompletion(turn, body.stream_options?.include_usage === true) : replyOnce(turn);
}

/** Everything one call needs once its session and prompt are settled. */
type ApiTurn = {
  signal: AbortSignal;
  caller: ApiCaller;
  key: TranscriptKey;
  session: ChatSession;
  admitted: AdmittedTurn;
  params: ChatParams;
  headers: Record<string, string>;
  releaseLease: () => void;
};

function save(turn: ApiTurn, outcome: ReplyOutcome) {
  turn.releaseLease();
  return saveReply(turn.session, turn.key, turn.caller.apiKey, turn.admitted, outcome);
}

/** Saves the turn; false (and one log line) when it could not be saved even after trying again. */
async function saveOrWarn(turn: ApiTurn, outcome: ReplyOutcome): Promise<boolean> {
  try {
    await save(turn, outcome);
    return true;
  } catch (error) {
    console.error(`Saving an API reply failed: ${describeFailure(error)}`);
    return false;
  }
}

async function sessionFor(
  request: Request,
  caller: ApiCaller,
  key: TranscriptKey,
  botId: string,
): Promise<ChatSession | Response> {
  const requestedId = request.headers.get("X-Session-Id");
  if (requestedId) {
    const session = await getOwnSession(requestedId, caller.userId, key);
    if (!session)
      return openAiError(
        404,
        "No session of yours has this X-Session-Id.",
        "invalid_request_error",
        "session_not_found",
      );
    if (session.bot_id !== botId)
      return openAiError(
        400,
        "This session belongs to another assistant.",
        "invalid_request_error",
        "session_mismatch",
        { param: "model" },
      );
    if (session.status === STATUS.completed)
      return openAiError(409, "This session is concluded.", "invalid_request_error", "session_concluded");
    if (session.unreadable)
      return openAiError(
        409,
        "This session's saved context cannot be decrypted.",
        "invalid_request_error",
        "session_unreadable",
      );
    return session;
  }
  const bot = (await getOpenableBot(botId))!;
  const sessionId = await startSession({
    userId: caller.userId,
    bot,
    model: bot.modelConfig.config.model,
    source: "api",
  });
  return (await getOwnSession(sessionId, caller.userId, key))!;
}

async function replyOnce(turn: ApiTurn): Promise<Response> {
  const { signal, caller, params, headers } = turn;
  const config = providerConfig();
  const client = providerClient(caller.apiKey, {
    ...config,
    timeoutMs: Math.max(config.timeoutMs, COMPLETION_TIMEOUT_MS),
  });
  let completion;
  try {
    completion = await client.chat.completions.create({ ...chatBody(params), stream: false }, { signal });
  } catch (error) {
    const stopped = signal.aborted;
    const failed = replyOutcome(params.messages, {
      text: "",
      usage: null,
      finishReason: null,
      error: stopped ? null : describeProviderError(error, false),
      interrupted: stopped,
    });
    await saveOrWarn(turn, failed);
    return providerFailure(error, headers);
  }
  const usage = completion.usage
    ? {
        prompt_tokens: completion.usage.prompt_tokens,
        completion_tokens: completion.usage.completion_tokens,
        total_tokens: completion.usage.total_tokens,
      }
    : null;
  const saved = await saveOrWarn(
    turn,
    replyOutcome(params.messages, {
      text: completion.choices[0]?.message?.content ?? "",
      usage,
      finishReason: completion.choices[0]?.finish_reason ?? null,
      error: null,
      interrupted: false,
    }),
  );
  // The caller has paid for this completion: it is theirs even when it could not be recorded.
  return Response.json(completion, {
    headers: saved ? headers : { ...headers, "X-Assistant-Lab-Warning": NOT_SAVED.code },
  });
}

async function streamCompletion(turn: ApiTurn, includeUsage: boolean): Promise<Response> {
  const { signal, caller, params, headers } = turn;
  const upstream = new UpstreamCall(signal, providerConfig());
  let stream;
  try {
    stream = await upstream.open(caller.apiKey, params);
  } catch (error) {
    await saveOrWarn(
      turn,
      upstream.failed(error, params.messages, () => signal.aborted),
    );
    return providerFailure(error, headers);
  }

  let sink: StreamSink;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      sink = new StreamSink(controller);
      const write = (line: string) => sink.write(`data: ${line}\n\n`);
      const forward = (chunk: ChatCompletionChunk) => {
        const isUsageChunk = chunk.choices.length === 0 && chunk.usage;
        if (isUsageChunk && !includeUsage) return;
        // Callers who did not ask for usage get chunks without the field, as the provider would send them.
        const { usage: _usage, ...withoutUsage } = chunk;
        write(JSON.stringify(includeUsage ? chunk : withoutUsage));
      };
      const stopped = () => sink.gone || signal.aborted;
      const outcome = await upstream.pump(stream, params.messages, stopped, () => undefined, forward);
      // Saved before the stream ends, so that a caller who continues the session reads this turn.
      const error = (await saveOrWarn(turn, outcome)) ? outcome.error : (outcome.error ?? NOT_SAVED);
      if (error) {
        write(
          JSON.stringify({ error: { message: error.message, type: "server_error", param: null, code: error.code } }),
        );
      } else if (!outcome.interrupted) {
        write("[DONE]");
      }
      sink.close();
    },
    cancel() {
      sink.gone = true;
      upstream.abort();
    },
  });
  return new Response(body, { headers: { ...STREAM_HEADERS, ...headers } });
}
