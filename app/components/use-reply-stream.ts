import { useCallback, useRef, useState } from "react";
import { readChatEvents, type ChatError, type ChatUsage } from "~/chat/events";
import type { MessageView } from "~/chat/session-view.server";

export type Reply = {
  text: string;
  usage: ChatUsage | null;
  error: ChatError | null;
  /** The provider failed: the reply is saved as an error (a "not saved" notice is not one). */
  failed: boolean;
  interrupted: boolean;
  finished: boolean;
  /** The saved reply's id, once the server has saved it. */
  messageId: string | null;
  /** The session's title, when this turn gave it one. */
  title: string | null;
};

export type RequestProblem = { status: number; message: string };

function isSessionTurn(body: unknown): body is { mode: "session"; sessionId: string } {
  return typeof body === "object" && body !== null && (body as { mode?: unknown }).mode === "session";
}

/** Waits until the server has saved the stopped turn; its reply as saved, when it has one. */
async function settle(sessionId: string): Promise<MessageView | null> {
  const response = await fetch("/api/chat", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ mode: "settle", sessionId }),
  }).catch(() => null);
  const answer = (await response?.json().catch(() => null)) as { reply?: MessageView | null } | null;
  return answer?.reply ?? null;
}

/** The saved reply in the stream's terms: what the server kept of a stopped reply, and what it cost. */
function savedReply(saved: MessageView): Partial<Reply> {
  return {
    text: saved.content,
    messageId: saved.id,
    usage: {
      prompt_tokens: saved.promptTokens,
      completion_tokens: saved.completionTokens,
      total_tokens: saved.promptTokens + saved.completionTokens,
      cost_usd: saved.cost,
    },
  };
}

const EMPTY: Reply = {
  text: "",
  usage: null,
  error: null,
  failed: false,
  interrupted: false,
  finished: false,
  messageId: null,
  title: null,
};

/** Errors of the chat itself, not of the provider: the reply they come with is not a failed one. */
const NOT_PROVIDER_ERRORS = new Set(["not_saved", "shutting_down"]);

/**
 * Posts to the streaming route and follows the reply as it arrives. `stop`
 * aborts the request; the server sees the browser go and saves what arrived.
 */
export function useReplyStream() {
  const [reply, setReply] = useState<Reply | null>(null);
  const [streaming, setStreaming] = useState(false);
  const controller = useRef<AbortController | null>(null);

  const send = useCallback(
    async (
      body: unknown,
      /** Replies the page already shows: a stopped turn that saved nothing must not take one of theirs. */
      shownIds: string[] = [],
    ): Promise<{ reply: Reply | null; problem: RequestProblem | null }> => {
      controller.current = new AbortController();
      setStreaming(true);
      let current: Reply = { ...EMPTY };
      setReply(current);
      const update = (change: Partial<Reply>) => {
        current = { ...current, ...change };
        setReply(current);
      };
      try {
        const response = await fetch("/api/chat", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
          signal: controller.current.signal,
        });
        if (!response.ok || !response.body) {
          const payload = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
          setReply(null);
          return {
            reply: null,
            problem: {
              status: response.status,
              message: payload?.error?.message ?? `The request failed (HTTP ${response.status}).`,
            },
          };
        }
        for await (const event of readChatEvents(response.body)) {
          if (event.type === "delta") update({ text: current.text + event.text });
          else if (event.type === "usage") update({ usage: event.usage });
          else if (event.type === "error") {
            update({ error: event.error, failed: current.failed || !NOT_PROVIDER_ERRORS.has(event.error.code) });
          } else if (event.type === "done") {
            update({ interrupted: event.interrupted, finished: true, messageId: event.message_id, title: event.title });
            break;
          }
        }
        if (!current.finished)
          update({
            error: current.error ?? {
              code: "stream_interrupted",
              message: "The connection was lost before the reply finished.",
              retryable: true,
            },
            finished: true,
          });
        return { reply: current, problem: null };
      } catch (error) {
        if ((error as Error).name === "AbortError") {
          // The server saves what arrived once it sees the browser go (often more than the browser read, even
          // nothing yet when stopped early): wait for that, then show what it kept.
          const saved = isSessionTurn(body) ? await settle(body.sessionId) : null;
          const kept = saved && !shownIds.includes(saved.id) && saved.role === "assistant" ? savedReply(saved) : {};
          update({ ...kept, interrupted: true, finished: true });
          return { reply: current, problem: null };
        }
        setReply(null);
        return {
          reply: null,
          problem: { status: 0, message: "The connection was lost. Check your network and try again." },
        };
      } finally {
        controller.current = null;
        setStreaming(false);
      }
    },
    [],
  );

  const stop = useCallback(() => controller.current?.abort(), []);

  return { reply, streaming, send, stop, clear: () => setReply(null) };
}
