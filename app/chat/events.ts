import { EventSourceParserStream } from "eventsource-parser/stream";
import type { ProviderErrorKind } from "~/provider/errors.server";

// The typed events of a streamed reply, shared by the server that writes them
// and the browser that reads them.

export type ChatUsage = {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Dollars, or null when the model has no known price. */
  cost_usd: number | null;
};

/** A provider failure (app/provider/errors.server.ts), or one of the chat's own. */
export type ChatErrorCode = ProviderErrorKind | "not_saved" | "shutting_down";

export type ChatError = {
  code: ChatErrorCode;
  message: string;
  retryable: boolean;
  retry_after_seconds?: number;
};

export type ChatEvent =
  | { type: "delta"; text: string }
  | { type: "usage"; usage: ChatUsage }
  | { type: "error"; error: ChatError }
  | {
      type: "done";
      finish_reason: string | null;
      interrupted: boolean;
      /** The saved reply's id: null for a test drive, or when it could not be saved. */
      message_id: string | null;
      /** The session's title when this turn gave it one (its first message). */
      title: string | null;
    };

export function encodeEvent(event: ChatEvent): string {
  const { type, ...data } = event;
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Reads a reply stream in the browser (or a test), one typed event at a time. */
export async function* readChatEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ChatEvent> {
  // Node's and the DOM's stream types disagree on TextDecoderStream's shape; both work.
  const decoder = new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>;
  const events = body.pipeThrough(decoder).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (!value.event) continue;
      yield { type: value.event, ...JSON.parse(value.data) } as ChatEvent;
    }
  } finally {
    reader.releaseLock();
  }
}
