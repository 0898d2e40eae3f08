import {
  admitMessage,
  admitRetry,
  getOwnSession,
  newMessageId,
  recordReply,
  renewLease,
  SessionBusyError,
  STATUS,
  TURN_RENEW_MS,
  type AdmittedTurn,
  type ChatSession,
  type ReplyRecord,
  waitForTurnToEnd,
} from "~/models/sessions.server";
import type { SessionChat, SettleChat } from "~/schemas/chat";
import { streamReply, type ReplyOutcome } from "./stream.server";
import type { Condensed } from "~/schemas/context";
import { buildMessages, needsSummary, summaryRequest, trimToBudget } from "./context.server";
import { isDatabaseUnavailable } from "~/utils/db.server";
import { costOf } from "~/provider/models.server";
import { completeOnce } from "~/provider/client.server";
import { apiError } from "~/utils/request-body.server";
import type { SignedInUser } from "~/identity/cookie.server";
import { transcriptKey, type TranscriptKey } from "~/utils/transcript-crypto.server";

/** One turn of a saved session: commit the message, stream the reply, save it with the new context. */
export async function sessionTurn(
  request: Request,
  user: SignedInUser,
  body: SessionChat,
  shutdown?: AbortSignal,
): Promise<Response> {
  const key = transcriptKey(user.apiKey);
  // Scoped by owner: another person's session id is a 404, like a missing one.
  const session = await getOwnSession(body.sessionId, user.userId, key);
  if (!session) throw apiError(404, "not_found", "There is no session of yours with this id.");
  if (session.status === STATUS.completed) throw busyError(new SessionBusyError("concluded"));
  if (session.unreadable) {
    throw apiError(409, "unreadable", "This session's saved context cannot be decrypted, so it cannot continue.");
  }

  const turn = await admit(session, key, body);
  const config = session.bot_model_config;
  const releaseLease = keepLease(session.id, turn.leaseId);
  return streamReply({
    apiKey: user.apiKey,
    signal: request.signal,
    shutdown,
    costOf,
    params: {
      ...config,
      messages: buildMessages({
        instructions: session.bot_initial_prompt_msg,
        context: turn.context,
        model: config.model,
        maxTokens: config.max_tokens,
      }),
    },
    onFinish: async (outcome) => {
      releaseLease();
      await saveReply(session, key, user.apiKey, turn, outcome);
    },
  });
}

/**
 * Answers once the session's turn has ended (its reply saved), or after a few
 * seconds: a browser that stopped a reply waits for this before it shows the
 * reply as stopped, so a reload right after shows it too.
 */
export async function settleTurn(user: SignedInUser, body: SettleChat): Promise<Response> {
  const session = await getOwnSession(body.sessionId, user.userId, transcriptKey(user.apiKey));
  if (!session) throw apiError(404, "not_found", "There is no session of yours with this id.");
  return Response.json({ settled: await waitForTurnToEnd(session.id, SETTLE_WAIT_MS) });
}

// Normally a fraction of a second; a loaded server may take a few.
const SETTLE_WAIT_MS = 10_000;

async function admit(session: ChatSession, key: TranscriptKey, body: SessionChat): Promise<AdmittedTurn> {
  try {
    const turn = body.retry ? await admitRetry(session, key) : await admitMessage(session, key, body.message!);
    if (!turn) throw apiError(400, "nothing_to_retry", "There is no message to answer again.");
    return turn;
  } catch (error) {
    throw error instanceof SessionBusyError ? busyError(error) : error;
  }
}

/** The refusal of a turn that cannot start, in the same words for the web chat and the API. */
function busyError(error: SessionBusyError): Response {
  return error.reason === "concluded"
    ? apiError(409, "session_concluded", error.message)
    : apiError(409, "session_busy", error.message, { headers: { "Retry-After": String(error.retryAfterSeconds) } });
}

/** Renews the turn's lease until its reply is saved; returns the function that stops renewing. */
export function keepLease(sessionId: string, leaseId: string): () => void {
  const timer = setInterval(() => void renewLease(sessionId, leaseId).catch(() => undefined), TURN_RENEW_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Saving a reply is tried this many times before the person is told it was not saved. */
const SAVE_ATTEMPTS = 3;

/**
 * Saves a reply and the context after it, summarising first when a coaching
 * session has outgrown its budget. A save that fails (the database did not
 * answer) is tried again under the same message id, so a save that landed
 * late is not saved twice.
 */
export async function saveReply(
  session: ChatSession,
  key: TranscriptKey,
  apiKey: string,
  turn: AdmittedTurn,
  outcome: ReplyOutcome,
) {
  const { model, max_tokens: maxTokens } = session.bot_model_config;
  const context = turn.context;
  let next: Condensed = outcome.text
    ? { ...context, turns: [...context.turns, { role: "assistant", content: outcome.text }] }
    : context;
  let usage = { prompt_tokens: outcome.usage.prompt_tokens, completion_tokens: outcome.usage.completion_tokens };

  if (
    !outcome.error &&
    session.bot_session_type === 3 &&
    needsSummary(next, model, maxTokens, session.bot_initial_prompt_msg)
  ) {
    // A failed summary is not the person's problem: the context stays long and the next turn tries again.
    const condensed = await summarise(apiKey, session, next).catch(() => null);
    if (condensed) {
      next = condensed.context;
      usage = {
        prompt_tokens: usage.prompt_tokens + condensed.usage.prompt_tokens,
        completion_tokens: usage.completion_tokens + condensed.usage.completion_tokens,
      };
    }
  }

  const record: ReplyRecord = {
    messageId: newMessageId(session.id),
    text: outcome.text,
    status: outcome.error ? "error" : outcome.interrupted ? "interrupted" : "complete",
    model,
    usage,
    cost: costOf(model, usage),
    errorCode: outcome.error?.code ?? null,
    errorMessage: outcome.error?.message ?? null,
    context: trimToBudget(next, model, maxTokens),
    leaseId: turn.leaseId,
    replaces: turn.replaces,
  };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await recordReply(session, key, record);
    } catch (error) {
      if (attempt >= SAVE_ATTEMPTS || !isDatabaseUnavailable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

async function summarise(apiKey: string, session: ChatSession, context: Condensed) {
  const { messages, keep } = summaryRequest(session.bot_summary_prompt_msg, context);
  const completion = await completeOnce(apiKey, {
    model: session.bot_model_config.model,
    messages,
    max_tokens: 400,
    temperature: 0.3,
  });
  if (!completion.text.trim()) return null;
  return { context: { summary: completion.text.trim(), turns: keep }, usage: completion.usage };
}
