import type { ApiCaller, Bearer } from "~/identity/bearer.server";
import { consumeChatTurn, type LimitResult } from "~/identity/rate-limit.server";
import { getOpenableBot, type BotWithActive } from "~/models/bots.server";
import {
  admitTurns,
  getOwnSession,
  newMessageId,
  planAdmission,
  prepareSession,
  SessionBusyError,
  STATUS,
  type AdmittedTurn,
  type Beginning,
  type ChatSession,
  type PlannedAdmission,
} from "~/models/sessions.server";
import { fallbackNote } from "~/provider/models";
import { chatModelFor, modelFacts, type SamplingSettings } from "~/provider/models.server";
import { asTurn, FORWARDED, textOf, type CompletionMessage, type CompletionRequest } from "~/schemas/completion";
import type { Turn } from "~/schemas/context";
import { SAMPLING_SETTINGS } from "~/schemas/model-settings";
import { type z } from "~/schemas/zod";
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
import { admitWhileOpening, savedSessionTurn, type TurnOptions } from "./session-turn.server";
import { runTurn, type ReadyTurn, type StartTurn } from "./turn.server";

// One call of the OpenAI-compatible API through an assistant, whatever its
// wire format (Chat Completions or Responses, see the adapters beside this
// file): `model` is an assistant's id, and the call runs with the assistant's
// instructions, model settings and context rules, the caller's own key, and a
// session recorded like any web chat. The reads a call needs (its caller, its
// session or assistant, its Idempotency-Key) start together, with its rate
// limit beside them; the provider call starts as soon as they are in, and the
// rate limit and a continued session's lease are settled while it works
// (docs/decisions/031). What the call sends is saved with its reply, or, when
// the call fails, not at all: a client's retry finds everything as the first
// call did.

/** What an adapter writes a turn with: the session it runs in and the id its reply will be saved under. */
export type Answering = {
  start: StartTurn;
  session: ChatSession;
  messageId: string;
  headers: Record<string, string>;
  settle?: Settle;
};

/** A wire format: how it writes a turn, and how it answers a repeat of a call already answered. */
export type ApiAdapter = {
  write: (answering: Answering) => Promise<Response> | Response;
  replay: (answer: StoredAnswer) => Response;
};

export type ApiCall = {
  request: Request;
  bearer: Bearer;
  /** The call as Chat Completions: what the session and the provider receive. */
  body: CompletionRequest;
  /** The session it continues (X-Session-Id, or a Responses API previous_response_id). */
  sessionId: string | null;
  /** What makes a repeat of this call the same call, for its Idempotency-Key. */
  fingerprint: unknown;
  /** Every message of a continued call is new (Responses), or only the newest ones are (Chat Completions). */
  sends: "newest" | "all";
  adapter: ApiAdapter;
  shutdown?: AbortSignal;
  /** A check of the continued session beyond the usual ones (a Responses API call continues only its newest reply). */
  checkSession?: (session: ChatSession) => Response | null;
  /** The answer when the session to continue is not the caller's, in the wire format's words. */
  sessionNotFound?: () => Response;
};

/** Reads an API call's JSON body with its schema; a 400 (or 413) in OpenAI's shape naming what is wrong. */
export async function parseApiBody<T>(
  request: Request,
  schema: z.ZodType<T>,
  describeIssue: (issue: z.core.$ZodIssue) => { message: string; field: string } | null,
): Promise<T | Response> {
  const parsed = await parseJsonBody(request, schema, { describeIssue });
  if (parsed.ok) return parsed.value;
  const code =
    parsed.status === 413 ? "request_too_large" : parsed.code === "invalid_json" ? "invalid_json" : "invalid_value";
  return openAiError(parsed.status, parsed.message, "invalid_request_error", code, { param: parsed.field });
}

export async function runApiCall(call: ApiCall): Promise<Response> {
  const { request, bearer, body, sessionId } = call;
  const idempotencyKey = idempotencyKeyOf(request);
  if (idempotencyKey instanceof Response) return idempotencyKey;
  const caller = bearer.caller.then((found) => (found instanceof Response ? null : found));
  const path = new URL(request.url).pathname;
  // Counted beside the reads, and awaited only once the provider call has started (see answer).
  const limit = consumeChatTurn(bearer.userHash);
  limit.catch(() => undefined);
  const [found, target, claim] = await Promise.all([
    bearer.caller,
    sessionId ? getOwnSession(caller, sessionId) : getOpenableBot(body.model),
    claimFor(caller, idempotencyKey, fingerprintOf(path, sessionId, call.fingerprint)),
  ]);
  if (found instanceof Response) return found;
  return underClaim(
    claim,
    async (settle) => {
      const admission = sessionId
        ? continueSession(found, call, target as ChatSession | null)
        : startSessionFor(found, body, target as BotWithActive | null);
      if (admission instanceof Response) return admission;
      return answer(found, call, admission, limit, settle);
    },
    call.adapter.replay,
  );
}

function tooManyCalls(retryAfterSeconds: number): Response {
  return openAiError(
    429,
    `Rate limit reached. Try again in ${retryAfterSeconds}s.`,
    "rate_limit_error",
    "rate_limit_exceeded",
    { headers: { "Retry-After": String(retryAfterSeconds) } },
  );
}

/**
 * Starts the provider call on the admission's prompt at once and admits the
 * turn meanwhile (the rate limit, then the lease of a continued session), so
 * that both overlap the provider's wait for its first token; then lets the
 * adapter write the turn. A refusal aborts the call.
 */
async function answer(
  caller: ApiCaller,
  call: ApiCall,
  admission: Admission,
  limit: Promise<LimitResult>,
  settle?: Settle,
): Promise<Response> {
  const { body } = call;
  const { session } = admission;
  const headers = { "X-Session-Id": session.id, ...modelNoteHeader(session) };
  const settings = callerSettings(body, session.bot_model_config.model);
  if (settings instanceof Response) return settings;
  const options: TurnOptions = {
    shutdown: call.shutdown,
    maxTokens: body.max_completion_tokens ?? body.max_tokens,
    settings,
    forward: forwarded(body),
    messageId: newMessageId(session.id),
  };
  let started: { turn: ReadyTurn } | null;
  try {
    started = await admitWhileOpening(caller, session, admission.planned, options, async () => {
      const allowed = await limit;
      if (!allowed.allowed) throw tooManyCalls(allowed.retryAfterSeconds);
    });
    // The session changed after it was read: admitted again from the session as it is now.
    started ??= { turn: savedSessionTurn(caller, session, await admission.again(), options) };
  } catch (error) {
    if (error instanceof SessionBusyError) return busyResponse(error, { "X-Session-Id": session.id });
    if (error instanceof Response) return error;
    throw error;
  }
  const { turn } = started;
  const start: StartTurn = (signal) => runTurn({ ...turn, signal });
  return call.adapter.write({ start, session, messageId: options.messageId!, headers, settle });
}

/** A turn's admission, decided from what was read: committed while the provider starts, or done again. */
type Admission = { session: ChatSession; planned: PlannedAdmission; again: () => Promise<AdmittedTurn> };

/** A continued session: what the caller sends joins the context the session already has. */
function continueSession(caller: ApiCaller, call: ApiCall, session: ChatSession | null): Admission | Response {
  const { body } = call;
  if (!session) {
    return (
      call.sessionNotFound?.() ??
      openAiError(404, "No session of yours has this X-Session-Id.", "invalid_request_error", "session_not_found")
    );
  }
  const refused = call.checkSession?.(session);
  if (refused) return refused;
  const headers = { "X-Session-Id": session.id };
  if (session.bot_id !== body.model) {
    // A test drive carried over from GPT Lab's lab ran with no assistant: no model names it.
    const message = session.bot_id
      ? "This session belongs to another assistant."
      : "This session is a test drive from GPT Lab's lab, with no assistant: continue it in the web chat.";
    return openAiError(400, message, "invalid_request_error", "session_mismatch", { param: "model", headers });
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
  const sent =
    call.sends === "all" ? body.messages.flatMap((message) => asTurn(message) ?? []) : sentTurns(body.messages);
  try {
    if (session.status === STATUS.completed) throw new SessionBusyError("concluded");
    return {
      session,
      planned: planAdmission(caller, session, sent, { hold: true }),
      again: () => admitTurns(caller, session, sent, { hold: true }),
    };
  } catch (error) {
    if (!(error instanceof SessionBusyError)) throw error;
    return busyResponse(error, headers);
  }
}

function busyResponse(error: SessionBusyError, headers: Record<string, string>): Response {
  const busy = error.reason === "busy";
  return openAiError(409, error.message, "invalid_request_error", busy ? "session_busy" : "session_concluded", {
    headers: { ...headers, ...(busy ? { "Retry-After": String(error.retryAfterSeconds) } : {}) },
  });
}

/**
 * A new session, started with the caller's own history as its context and
 * their newest message in it: nothing to commit before its reply is saved.
 */
function startSessionFor(caller: ApiCaller, body: CompletionRequest, bot: BotWithActive | null): Admission | Response {
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
  const { session, turn } = prepareSession(caller, {
    bot,
    model: choice.model,
    modelFallbackFrom: choice.fallbackFrom,
    source: "api",
    sent,
    beginning: beginningOf(body.messages.slice(0, body.messages.length - sent.length)),
  });
  const nothingToCommit = async () => true;
  return { session, planned: { turn, commit: nothingToCommit }, again: async () => turn };
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
