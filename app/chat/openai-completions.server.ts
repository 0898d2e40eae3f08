import type { ApiCaller, Bearer } from "~/identity/bearer.server";
import { consumeChatTurn } from "~/identity/rate-limit.server";
import { getOpenableBot, type BotWithActive } from "~/models/bots.server";
import {
  admitMessage,
  getOwnSession,
  SessionBusyError,
  startSessionWithMessage,
  STATUS,
  type AdmittedTurn,
  type ChatSession,
} from "~/models/sessions.server";
import { fallbackNote } from "~/provider/models";
import { chatModelFor } from "~/provider/models.server";
import { CompletionRequestSchema, textOf, type CompletionRequest } from "~/schemas/completion";
import type { Turn } from "~/schemas/context";
import { openAiError } from "~/utils/openai-error";
import { parseJsonBody } from "~/utils/request-body.server";
import { streamedCompletion, wholeCompletion } from "./openai-reply.server";
import { savedSessionTurn } from "./session-turn.server";
import { runTurn } from "./turn.server";

// POST /v1/chat/completions with `model` = an assistant's id: the assistant's
// instructions, model settings and context rules, the caller's own key, and a
// session recorded like any web chat (continued with X-Session-Id). The reads
// a call needs (its caller, its rate limit, its session or assistant) start
// together; the person's message is committed in one write; then the engine
// runs the turn and one of the two wire formats writes it.

async function parseBody(request: Request): Promise<CompletionRequest | Response> {
  const parsed = await parseJsonBody(request, CompletionRequestSchema);
  if (parsed.ok) return parsed.value;
  const code =
    parsed.status === 413 ? "request_too_large" : parsed.code === "invalid_json" ? "invalid_json" : "invalid_value";
  return openAiError(parsed.status, parsed.message, "invalid_request_error", code, { param: parsed.field });
}

export async function createCompletion(request: Request, bearer: Bearer, shutdown?: AbortSignal): Promise<Response> {
  const body = await parseBody(request);
  if (body instanceof Response) return body;
  const last = body.messages.at(-1)!;
  if (last.role !== "user" || !textOf(last.content).trim()) {
    return openAiError(
      400,
      "The last message must be a non-empty message from the user.",
      "invalid_request_error",
      "invalid_value",
      { param: `messages.${body.messages.length - 1}` },
    );
  }

  const sessionId = request.headers.get("X-Session-Id");
  const caller = bearer.caller.then((found) => (found instanceof Response ? null : found));
  const [found, limit, target] = await Promise.all([
    bearer.caller,
    consumeChatTurn(bearer.userHash),
    sessionId ? getOwnSession(caller, sessionId) : getOpenableBot(body.model),
  ]);
  if (found instanceof Response) return found;
  if (!limit.allowed) {
    return openAiError(
      429,
      `Rate limit reached. Try again in ${limit.retryAfterSeconds}s.`,
      "rate_limit_error",
      "rate_limit_exceeded",
      { headers: { "Retry-After": String(limit.retryAfterSeconds) } },
    );
  }

  const admitted = sessionId
    ? await continueSession(found, body, target as ChatSession | null)
    : await startSessionFor(found, body, target as BotWithActive | null);
  if (admitted instanceof Response) return admitted;

  const { session, turn } = admitted;
  const headers: Record<string, string> = { "X-Session-Id": session.id, ...modelNoteHeader(session) };
  const start = (signal: AbortSignal) =>
    runTurn(
      savedSessionTurn(found, session, turn, {
        signal,
        shutdown,
        maxTokens: body.max_completion_tokens ?? body.max_tokens,
      }),
    );
  return body.stream
    ? streamedCompletion(request.signal, start, {
        includeUsage: body.stream_options?.include_usage === true,
        headers,
      })
    : wholeCompletion(request.signal, start, { headers });
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
  try {
    if (session.status === STATUS.completed) throw new SessionBusyError("concluded");
    return { session, turn: await admitMessage(caller, session, textOf(body.messages.at(-1)!.content)) };
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
  const firstTurns = body.messages
    .slice(0, -1)
    .flatMap((message): Turn[] =>
      message.role === "user" || message.role === "assistant"
        ? [{ role: message.role, content: textOf(message.content) }]
        : [],
    );
  const choice = chatModelFor(bot.modelConfig.config.model, caller.chatModels);
  if (!choice) {
    return openAiError(403, "Your API key cannot use any chat model.", "invalid_request_error", "no_chat_models");
  }
  return startSessionWithMessage(caller, {
    bot,
    model: choice.model,
    modelFallbackFrom: choice.fallbackFrom,
    source: "api",
    text: textOf(body.messages.at(-1)!.content),
    firstTurns,
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
