import { consumeChatTurn, type LimitResult } from "~/identity/rate-limit.server";
import type { Caller } from "~/models/caller";
import {
  abandonTurn,
  admitRetry,
  admitTurns,
  getOwnMessage,
  getOwnSession,
  moveSessionModel,
  newMessageId,
  planAdmission,
  recordReply,
  renewLease,
  SessionBusyError,
  STATUS,
  TURN_RENEW_MS,
  waitForTurnToEnd,
  type AdmittedTurn,
  type ChatSession,
  type ModelMove,
  type PlannedAdmission,
} from "~/models/sessions.server";
import { checkApiKey, completeOnce } from "~/provider/client.server";
import { fallbackNote } from "~/provider/models";
import type { SamplingSettings } from "~/provider/models.server";
import { chatModelFor, costOf } from "~/provider/models.server";
import type { SessionChat, SettleChat } from "~/schemas/chat";
import type { Condensed, Turn as ContextTurn } from "~/schemas/context";
import { describeWait } from "~/utils/format";
import { apiError } from "~/utils/request-body.server";
import type { ChatError } from "./events";
import { messageView } from "./session-view.server";
import { buildMessages, needsSummary, summaryRequest, trimToBudget } from "./context.server";
import { deployedProvider, openEarly, type ReadyTurn, type TurnOutcome, type TurnStore } from "./turn.server";

// A turn of a saved session: what the engine needs from the session (the
// prompt built from its saved context) and what it gives back (the reply saved
// with the context after it). Shared by the web chat and the API.

/**
 * Starts a web chat turn. The session is read (with the rate limit counted
 * beside it): that is the one round trip before the provider is called. The
 * provider then starts on the prompt while the turn is admitted: the limit
 * must allow it, then the person's message is committed with the turn's
 * lease. Only then does the turn run and read the reply; a refusal aborts the
 * provider call and writes nothing. A retry reads the last message first, so
 * it is admitted before its call starts.
 */
export async function startWebTurn(
  caller: Caller,
  body: SessionChat,
  options: { shutdown?: AbortSignal },
): Promise<{ title: string | null; turn: ReadyTurn }> {
  const limit = consumeChatTurn(caller.userHash);
  // Awaited once the session is read; a refusal found first leaves it unread.
  limit.catch(() => undefined);
  const session = await getOwnSession(caller, body.sessionId);
  if (!session) throw apiError(404, "not_found", "There is no session of yours with this id.");
  if (session.status === STATUS.completed) throw busyError(new SessionBusyError("concluded"));
  if (session.unreadable) {
    throw apiError(409, "unreadable", "This session's saved context cannot be decrypted, so it cannot continue.");
  }
  try {
    if (body.retry) {
      refuseIfTooFast(await limit);
      const admitted = await admitRetry(caller, session);
      if (!admitted) throw apiError(400, "nothing_to_retry", "There is no message to answer again.");
      return { title: admitted.title, turn: savedSessionTurn(caller, session, admitted, options) };
    }
    const sent: ContextTurn[] = [{ role: "user", content: body.message! }];
    const admitted = await admitWhileOpening(
      caller,
      session,
      planAdmission(caller, session, sent),
      options,
      async () => {
        refuseIfTooFast(await limit);
      },
    );
    return admitted ?? (await startWebTurnAgain(caller, session, sent, options));
  } catch (error) {
    throw error instanceof SessionBusyError ? busyError(error) : error;
  }
}

/** A web turn whose session changed after it was read: admitted again from the session as it is now. */
async function startWebTurnAgain(caller: Caller, session: ChatSession, sent: ContextTurn[], options: TurnOptions) {
  const admitted = await admitTurns(caller, session, sent);
  return { title: admitted.title, turn: savedSessionTurn(caller, session, admitted, options) };
}

/**
 * Starts the provider call of a planned admission at once and commits the
 * admission meanwhile, after `allow` (the checks that must pass before
 * anything is written; it throws to refuse). Null when the session changed
 * since it was read: nothing was written, and the turn must be admitted again.
 */
export async function admitWhileOpening(
  caller: Caller,
  session: ChatSession,
  planned: PlannedAdmission,
  options: TurnOptions,
  allow: () => Promise<void>,
): Promise<{ title: string | null; turn: ReadyTurn } | null> {
  const early = openEarly(savedSessionTurn(caller, session, planned.turn, options));
  try {
    await allow();
    if (await planned.commit()) return { title: planned.turn.title, turn: early.turn };
  } catch (error) {
    early.cancel();
    throw error;
  }
  early.cancel();
  return null;
}

export function refuseIfTooFast(limit: LimitResult) {
  if (limit.allowed) return;
  throw apiError(
    429,
    "too_many_messages",
    `You are sending messages too fast. Try again in ${describeWait(limit.retryAfterSeconds)}.`,
    { headers: { "Retry-After": String(limit.retryAfterSeconds) } },
  );
}

/** The refusal of a turn that cannot start, in the same words for the web chat and the API. */
export function busyError(error: SessionBusyError): Response {
  return error.reason === "concluded"
    ? apiError(409, "session_concluded", error.message)
    : apiError(409, "session_busy", error.message, { headers: { "Retry-After": String(error.retryAfterSeconds) } });
}

/**
 * The engine's turn for an admitted message of a saved session. `maxTokens`
 * (an API caller's own limit) can only lower the assistant's.
 */
export type TurnOptions = {
  shutdown?: AbortSignal;
  /** An API caller's own limit: it can only lower the assistant's. */
  maxTokens?: number | null;
  /** An API caller's settings for this call, where its model takes them. */
  settings?: Partial<SamplingSettings>;
  forward?: Record<string, unknown>;
  /** The id the reply is saved under, when the caller names it before the turn (a Responses API id is built from it). */
  messageId?: string;
};

export function savedSessionTurn(
  caller: Caller,
  session: ChatSession,
  admitted: AdmittedTurn,
  options: TurnOptions,
): ReadyTurn {
  const config = session.bot_model_config;
  const maxTokens = Math.min(options.maxTokens ?? config.max_tokens, config.max_tokens);
  return {
    request: {
      ...config,
      ...options.settings,
      forward: options.forward,
      max_tokens: maxTokens,
      messages: buildMessages({
        instructions: session.bot_initial_prompt_msg,
        context: admitted.context,
        model: config.model,
        maxTokens,
      }),
    },
    ...deployedProvider(caller.apiKey),
    shutdown: options.shutdown,
    store: sessionStore(caller, session, admitted, options.messageId ?? newMessageId(session.id)),
  };
}

/**
 * Saves the turn's reply under one id, and keeps the turn's lease until then.
 * An API call's turn that failed or was cut off saves nothing but its cost.
 */
function sessionStore(caller: Caller, session: ChatSession, admitted: AdmittedTurn, messageId: string): TurnStore {
  const unstarted = admitted.held?.newSession;
  return {
    save: async (outcome) => {
      // Decided before the reply is saved, so the transcript keeps what the person is told.
      const moved = unstarted ? null : await modelInstead(caller, session, outcome);
      const told = moved ? { ...outcome, error: movedError(moved) } : outcome;
      let saved: string | null = null;
      if (admitted.held && (outcome.failure || outcome.interrupted)) {
        const model = session.bot_model_config.model;
        await abandonTurn(session, admitted, { model, usage: outcome.usage, cost: outcome.usage.cost_usd });
      } else {
        saved = await saveReply(caller, session, admitted, told, messageId);
      }
      // Not moved (the database did not answer): the next refusal moves it, and the reply stays saved.
      if (moved) await moveSessionModel(session, moved).catch(() => undefined);
      return { messageId: saved, ...(moved ? { error: told.error! } : {}) };
    },
    // A session that does not exist yet has no lease to keep.
    release: unstarted ? undefined : keepLease(session.id, admitted),
  };
}

/**
 * A saved session whose model the provider refused (retired since it
 * started, or no longer open to the key) continues on the model every new
 * chat would get (chatModelFor) among those the key lists now. Null for any
 * other outcome, or when the key has no other chat model.
 */
async function modelInstead(caller: Caller, session: ChatSession, outcome: TurnOutcome): Promise<ModelMove | null> {
  if (outcome.failure?.kind !== "model_unavailable") return null;
  const refused = session.bot_model_config.model;
  const listed = await checkApiKey(caller.apiKey);
  if (!listed.ok) return null;
  const choice = chatModelFor(
    refused,
    listed.chatModels.filter((model) => model !== refused),
  );
  return choice ? { from: session.model_fallback_from ?? refused, refused, to: choice.model } : null;
}

/** What the person is told when their session moved to another model: retrying answers on it. */
function movedError(move: ModelMove): ChatError {
  return {
    code: "model_unavailable",
    message: `${fallbackNote(move.refused, move.to)} Retry to get its answer.`,
    retryable: true,
  };
}

/** Renews the turn's lease until its reply is saved; returns the function that stops renewing. */
function keepLease(sessionId: string, admitted: AdmittedTurn): () => void {
  const timer = setInterval(() => void renewLease(sessionId, admitted).catch(() => undefined), TURN_RENEW_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Saves a reply and the context after it, summarising first when a coaching
 * session has outgrown its budget. The reply's usage and cost are the ones the
 * engine settled (and showed); a summary's are counted beside them.
 */
async function saveReply(
  caller: Caller,
  session: ChatSession,
  admitted: AdmittedTurn,
  outcome: TurnOutcome,
  messageId: string,
): Promise<string> {
  const { model, max_tokens: maxTokens } = session.bot_model_config;
  let next: Condensed = replyTurn(outcome)
    ? { ...admitted.context, turns: [...admitted.context.turns, replyTurn(outcome)!] }
    : admitted.context;
  let summary = null;
  if (
    !outcome.failure &&
    session.bot_session_type === 3 &&
    needsSummary(next, model, maxTokens, session.bot_initial_prompt_msg)
  ) {
    // A failed summary is not the person's problem: the context stays long and the next turn tries again.
    const condensed = await summarise(caller, session, next).catch(() => null);
    if (condensed) {
      next = condensed.context;
      summary = { usage: condensed.usage, cost: costOf(model, condensed.usage) };
    }
  }
  return recordReply(caller, session, {
    messageId,
    text: outcome.text,
    toolCalls: outcome.toolCalls,
    status: outcome.failure ? "error" : outcome.interrupted ? "interrupted" : "complete",
    model,
    usage: outcome.usage,
    cost: outcome.usage.cost_usd,
    errorCode: outcome.failure?.kind ?? null,
    errorMessage: outcome.failure ? outcome.error!.message : null,
    context: trimToBudget(next, model, maxTokens),
    leaseId: admitted.leaseId,
    replaces: admitted.replaces,
    held: admitted.held,
    written: admitted.written,
    summary,
  });
}

/** The reply as a turn of the context: its text, its tool calls, or both; nothing when it is empty. */
function replyTurn(outcome: TurnOutcome): ContextTurn | null {
  if (!outcome.text && outcome.toolCalls.length === 0) return null;
  return {
    role: "assistant",
    content: outcome.text || null,
    ...(outcome.toolCalls.length ? { tool_calls: outcome.toolCalls } : {}),
  };
}

async function summarise(caller: Caller, session: ChatSession, context: Condensed) {
  const { messages, keep } = summaryRequest(session.bot_summary_prompt_msg, context);
  const completion = await completeOnce(caller.apiKey, {
    model: session.bot_model_config.model,
    messages,
    max_tokens: 400,
    temperature: 0.3,
  });
  if (!completion.text.trim()) return null;
  return { context: { summary: completion.text.trim(), turns: keep }, usage: completion.usage };
}

/**
 * Answers once the session's turn has ended (its reply saved), or after a few
 * seconds, with the reply as saved: a browser that stopped a reply shows what
 * the server kept (it may have received more than the browser read, and its
 * usage), so the page says what a reload would.
 */
export async function settleTurn(caller: Caller, body: SettleChat): Promise<Response> {
  const session = await getOwnSession(caller, body.sessionId);
  if (!session) throw apiError(404, "not_found", "There is no session of yours with this id.");
  const settled = await waitForTurnToEnd(session.id, SETTLE_WAIT_MS);
  const lastReplyId = settled ? (await getOwnSession(caller, session.id))?.last_reply_id : null;
  const saved = lastReplyId ? await getOwnMessage(caller, session.id, lastReplyId) : null;
  return Response.json({ settled, reply: saved ? messageView(saved) : null });
}

// Normally a fraction of a second; a loaded server may take a few.
const SETTLE_WAIT_MS = 10_000;
