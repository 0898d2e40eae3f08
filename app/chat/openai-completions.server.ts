import type { ApiCaller, Bearer } from "~/identity/bearer.server";
import { consumeChatTurn } from "~/identity/rate-limit.server";
import { getOpenableBot, type BotWithActive } from "~/models/bots.server";
import {
  admitTurns,
  getOwnSession,
  SessionBusyError,
  prepareSession,
  STATUS,
  type AdmittedTurn,
  type Beginning,
  type ChatSession,
} from "~/models/sessions.server";
import { fallbackNote } from "~/provider/models";
import { chatModelFor, modelFacts, type SamplingSettings } from "~/provider/models.server";
import {
  asTurn,
  CompletionRequestSchema,
  FORWARDED,
  textOf,
  unknownParameter,
  type CompletionMessage,
  type CompletionRequest,
} from "~/schemas/completion";
import type { Turn } from "~/schemas/context";
import { SAMPLING_SETTINGS } from "~/schemas/model-settings";
import { openAiError } from "~/utils/openai-error";
import { parseJsonBody } from "~/utils/request-body.server";
import {
  claimFor,
  fingerprintOf,
  idempotencyKeyOf,
  underClaim,
  type Settle,
  type StoredAnswer,
} from "./idempotency.server";
import { replayedCompletion, streamedCompletion, wholeCompletion } from "./openai-reply.server";
import { savedSessionTurn } from "./session-turn.server";
import { runTurn } from "./turn.server";

// POST /v1/chat/completions with `model` = an assistant's id: the assistant's
// instructions, model settings and context rules, the caller's own key, and a
// session recorded like any web chat (continued with X-Session-Id). The reads
// a call needs (its caller, its rate limit, its session or assistant) start
// together; a continued session's lease is taken in one write (a new session
// needs none); then the engine runs the turn and one of the two wire formats
// writes it. What the call sends is saved with its reply, or, when the call
// fails, not at all: a client's retry finds everything as the first call did.

async function parseBody(request: Request): Promise<CompletionRequest | Response> {
  const parsed = await parseJsonBody(request, CompletionRequestSchema, { describeIssue: unknownParameter });
  if (parsed.ok) return parsed.value;
  const code =
    parsed.status === 413 ? "request_too_large" : parsed.code === "invalid_json" ? "invalid_json" : "invalid_value";
  return openAiError(parsed.status, parsed.message, "invalid_request_error", code, { param: parsed.field });
}

export async function createCompletion(request: Request, bearer: Bearer, shutdown?: AbortSignal): Promise<Response> {
  const body = await parseBody(request);
  if (body instanceof Response) return body;
  const unanswerable = refuseUnanswerable(body);
  if (unanswerable) return unanswerable;
  const idempotencyKey = idempotencyKeyOf(request);
  if (idempotencyKey instanceof Response) return idempotencyKey;

  const sessionId = request.headers.get("X-Session-Id");
  const caller = bearer.caller.then((found) => (found instanceof Response ? null : found));
  const [found, limit, target, claim] = await Promise.all([
    bearer.caller,
    consumeChatTurn(bearer.userHash),
    sessionId ? getOwnSession(caller, sessionId) : getOpenableBot(body.model),
    claimFor(caller, idempotencyKey, fingerprintOf("/v1/chat/completions", sessionId, body)),
  ]);
  if (found instanceof Response) return found;
  const replay = (answer: StoredAnswer) =>
    replayedCompletion(answer, { stream: body.stream === true, includeUsage: includesUsage(body) });
  return underClaim(
    claim,
    async (settle) => {
      if (!limit.allowed) return tooManyCalls(limit.retryAfterSeconds);
      const admitted = sessionId
        ? await continueSession(found, body, target as ChatSession | null)
        : await startSessionFor(found, body, target as BotWithActive | null);
      if (admitted instanceof Response) return admitted;
      return answer(request, found, body, admitted, { shutdown, settle });
    },
    replay,
  );
}

/** The last message must be something to answer: the person's words, or a tool's result. */
function refuseUnanswerable(body: CompletionRequest): Response | null {
  const last = body.messages.at(-1)!;
  const answerable =
    last.role === "tool" || (last.role === "user" && (typeof last.content !== "string" || last.content.trim()));
  if (answerable) return null;
  return openAiError(
    400,
    "The last message must be a non-empty message from the user, or a tool's result.",
    "invalid_request_error",
    "invalid_value",
    { param: `messages.${body.messages.length - 1}` },
  );
}

function tooManyCalls(retryAfterSeconds: number): Response {
  return openAiError(
    429,
    `Rate limit reached. Try again in ${retryAfterSeconds}s.`,
    "rate_limit_error",
    "rate_limit_exceeded",
    {
      headers: { "Retry-After": String(retryAfterSeconds) },
    },
  );
}

const includesUsage = (body: CompletionRequest) => body.stream_options?.include_usage === true;

/** Runs the admitted turn and writes it in the wire format the caller asked for. */
function answer(
  request: Request,
  caller: ApiCaller,
  body: CompletionRequest,
  { session, turn }: Admitted,
  options: { shutdown?: AbortSignal; settle?: Settle },
): Promise<Response> | Response {
  const headers: Record<string, string> = { "X-Session-Id": session.id, ...modelNoteHeader(session) };
  const settings = callerSettings(body, session.bot_model_config.model);
  if (settings instanceof Response) return settings;
  const start = (signal: AbortSignal) =>
    runTurn(
      savedSessionTurn(caller, session, turn, {
        signal,
        shutdown: options.shutdown,
        maxTokens: body.max_completion_tokens ?? body.max_tokens,
        settings,
        forward: forwarded(body),
      }),
    );
  return body.stream
    ? streamedCompletion(request.signal, start, { includeUsage: includesUsage(body), headers, settle: options.settle })
    : wholeCompletion(request.signal, start, { headers, settle: options.settle });
}

type Admitted = { session: ChatSession; turn: AdmittedTurn };

/** A continued session: the caller's newest message joins the context the session already has. */
async function continueSession(
  caller: ApiCaller,
  body: CompletionRequest,
  session: ChatSession | null,
): Promise<Admitted | Response> {
  if (!session) {
    return openAiError(404, "No session of yours has this X-Session-Id.", "invalid_request_error", "session_not_found");
  }
  const headers = { "X-Session-Id": session.id };
  if (session.bot_id !== body.model) {
    return openAiError(400, "This session belongs to another assistant.", "invalid_request_error", "session_mismatch", {
      param: "model",
      headers,
    });
  }
  if (session.unreadable) {
    return openAiError(
      409,
      "This session's saved context cannot be decrypted.",
      "invalid_request_error",
      "session_unreadable",
      { headers },
    );
  }
  // Refused before the lease is taken, so a refusal holds nothing up.
  const settings = callerSettings(body, session.bot_model_config.model);
  if (settings instanceof Response) return settings;
  try {
    if (session.status === STATUS.completed) throw new SessionBusyError("concluded");
    return { session, turn: await admitTurns(caller, session, sentTurns(body.messages), { hold: true }) };
  } catch (error) {
    if (!(error instanceof SessionBusyError)) throw error;
    const busy = error.reason === "busy";
    return openAiError(409, error.message, "invalid_request_error", busy ? "session_busy" : "session_concluded", {
      headers: { ...headers, ...(busy ? { "Retry-After": String(error.retryAfterSeconds) } : {}) },
    });
  }
}

/** A new session, started with the caller's own history as its context and their newest message in it. */
async function startSessionFor(
  caller: ApiCaller,
  body: CompletionRequest,
  bot: BotWithActive | null,
): Promise<Admitted | Response> {
  if (!bot) {
    return openAiError(
      404,
      `The model \`${body.model}\` does not exist or you do not have access to it.`,
      "invalid_request_error",
      "model_not_found",
      { param: "model" },
    );
  }
  const choice = chatModelFor(bot.modelConfig.config.model, caller.chatModels);
  if (!choice) {
    return openAiError(403, "Your API key cannot use any chat model.", "invalid_request_error", "no_chat_models");
  }
  const sent = sentTurns(body.messages);
  return prepareSession(caller, {
    bot,
    model: choice.model,
    modelFallbackFrom: choice.fallbackFrom,
    source: "api",
    sent,
    beginning: beginningOf(body.messages.slice(0, body.messages.length - sent.length)),
  });
}

/**
 * A session running another model than its assistant's (the key cannot use
 * that one) says so on every response, as the web chat says it on the page.
 */
function modelNoteHeader(session: ChatSession): Record<string, string> {
  const from = session.model_fallback_from;
  return from ? { "X-Assistant-Lab-Note": fallbackNote(from, session.bot_model_config.model) } : {};
}

/**
 * What this call adds to the conversation: the caller's newest message, or
 * the tools' results that answer the assistant's last calls (all of them: a
 * reply may call several functions at once).
 */
function sentTurns(messages: CompletionMessage[]): Turn[] {
  const last = messages.at(-1)!;
  if (last.role !== "tool") return [asTurn(last)!];
  let first = messages.length - 1;
  while (first > 0 && messages[first - 1]!.role === "tool") first -= 1;
  return messages.slice(first).map((message) => asTurn(message)!);
}

/** A new session's context: the caller's history as turns, and their system and developer messages as instructions. */
function beginningOf(history: CompletionMessage[]): Beginning {
  const instructions = history
    .filter((message) => message.role === "system" || message.role === "developer")
    .map((message) => textOf(message.content))
    .filter((text) => text.trim());
  const turns = history.map(asTurn).filter((turn): turn is Turn => turn !== null);
  return { turns, ...(instructions.length ? { instructions } : {}) };
}

/** The caller's parameters the provider receives as sent. */
function forwarded(body: CompletionRequest): Record<string, unknown> {
  return Object.fromEntries(
    FORWARDED.flatMap((name) => (body[name] === undefined || body[name] === null ? [] : [[name, body[name]]])),
  );
}

/**
 * Settings a caller may choose for one call (the assistant's model config
 * holds the rest): only those the model takes. One it refuses is a 400 that
 * names it, in the real API's words, never a setting quietly dropped.
 */
function callerSettings(body: CompletionRequest, model: string): Partial<SamplingSettings> | Response {
  const facts = modelFacts(model);
  const settings: Partial<SamplingSettings> = {};
  for (const name of SAMPLING_SETTINGS) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    if (!facts.sampling.includes(name)) return unsupported(name, model);
    settings[name] = value;
  }
  if (body.reasoning_effort) {
    if (!facts.reasoningEfforts.includes(body.reasoning_effort)) return unsupported("reasoning_effort", model);
    settings.reasoning_effort = body.reasoning_effort;
  }
  return settings;
}

function unsupported(param: string, model: string): Response {
  return openAiError(
    400,
    `Unsupported parameter: '${param}' is not supported with this assistant's model (${model}).`,
    "invalid_request_error",
    "unsupported_parameter",
    { param },
  );
}
