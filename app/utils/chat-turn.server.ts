import {
  addUserMessage,
  beginRetry,
  getOwnSession,
  lastMessage,
  recordReply,
  SessionBusyError,
  STATUS,
  type ChatSession,
} from "~/models/sessions.server";
import type { SessionChat } from "~/schemas/chat";
import { streamReply, type ReplyOutcome } from "./chat-stream.server";
import { buildMessages, needsSummary, summaryRequest, trimToBudget, type Condensed } from "./context.server";
import { apiError } from "./json-body.server";
import { costOf } from "./model-catalog.server";
import { completeOnce } from "./provider.server";
import type { SignedInUser } from "./session.server";
import { transcriptKey, type TranscriptKey } from "./transcript-crypto.server";

/** One turn of a saved session: commit the message, stream the reply, save it with the new context. */
export async function sessionTurn(request: Request, user: SignedInUser, body: SessionChat): Promise<Response> {
  const key = transcriptKey(user.apiKey);
  // Scoped by owner: another person's session id is a 404, like a missing one.
  const session = await getOwnSession(body.sessionId, user.userId, key);
  if (!session) throw apiError(404, "not_found", "There is no session of yours with this id.");
  if (session.status === STATUS.completed) {
    throw apiError(409, "session_concluded", "This session is concluded. Start a new one to keep talking.");
  }
  if (session.unreadable) {
    throw apiError(409, "unreadable", "This session's saved context cannot be decrypted, so it cannot continue.");
  }

  const { context, replaces } = await startTurn(session, key, body).catch((error: unknown) => {
    if (!(error instanceof SessionBusyError)) throw error;
    throw error.reason === "concluded"
      ? apiError(409, "session_concluded", "This session is concluded. Start a new one to keep talking.")
      : apiError(409, "reply_in_progress", "The previous reply is still being written. Try again in a moment.");
  });
  const config = session.bot_model_config;
  return streamReply({
    apiKey: user.apiKey,
    signal: request.signal,
    costOf,
    params: {
      ...config,
      messages: buildMessages({ instructions: session.bot_initial_prompt_msg, context, model: config.model, maxTokens: config.max_tokens }),
    },
    onFinish: (outcome) => saveReply(session, key, user.apiKey, context, outcome, replaces),
  });
}

function startTurn(session: ChatSession, key: TranscriptKey, body: SessionChat) {
  return body.retry ? contextForRetry(session, key) : contextWithMessage(session, key, body.message!);
}

async function contextWithMessage(session: ChatSession, key: TranscriptKey, message: string) {
  await addUserMessage(session, key, message);
  const context: Condensed = { ...session.context, turns: [...session.context.turns, { role: "user", content: message }] };
  return { context, replaces: null };
}

/** Drops the last reply (if any) and asks again for the last message. */
async function contextForRetry(session: ChatSession, key: TranscriptKey) {
  const last = await lastMessage(session.id, key);
  let turns = session.context.turns;
  if (last?.role === "assistant" && turns.at(-1)?.role === "assistant") turns = turns.slice(0, -1);
  // A message saved whose reply never was (the server stopped mid-turn) is not in the context yet.
  if (last?.role === "user" && last.content && turns.at(-1)?.content !== last.content) {
    turns = [...turns, { role: "user", content: last.content }];
  }
  if (!last || turns.at(-1)?.role !== "user") {
    throw apiError(400, "nothing_to_retry", "There is no message to answer again.");
  }
  await beginRetry(session);
  return { context: { ...session.context, turns }, replaces: last.role === "assistant" ? last.id : null };
}

/** Saves a reply and the context after it, summarising first when a coaching session has outgrown its budget. */
export async function saveReply(
  session: ChatSession,
  key: TranscriptKey,
  apiKey: string,
  context: Condensed,
  outcome: ReplyOutcome,
  replaces: string | null,
) {
  const { model, max_tokens: maxTokens } = session.bot_model_config;
  let next: Condensed = outcome.text
    ? { ...context, turns: [...context.turns, { role: "assistant", content: outcome.text }] }
    : context;
  let usage = { prompt_tokens: outcome.usage.prompt_tokens, completion_tokens: outcome.usage.completion_tokens };

  if (!outcome.error && session.bot_session_type === 3 && needsSummary(next, model, maxTokens, session.bot_initial_prompt_msg)) {
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

  await recordReply(session, key, {
    text: outcome.text,
    status: outcome.error ? "error" : outcome.interrupted ? "interrupted" : "complete",
    model,
    usage,
    cost: costOf(model, usage),
    errorCode: outcome.error?.code ?? null,
    errorMessage: outcome.error?.message ?? null,
    context: trimToBudget(next, model, maxTokens),
    replaces,
  });
}

async function summarise(apiKey: string, session: ChatSession, context: Condensed) {
  const { messages, keep } = summaryRequest(session.bot_summary_prompt_msg, context);
  const completion = await completeOnce(apiKey, { model: session.bot_model_config.model, messages, max_tokens: 400, temperature: 0.3 });
  if (!completion.text.trim()) return null;
  return { context: { summary: completion.text.trim(), turns: keep }, usage: completion.usage };
}
