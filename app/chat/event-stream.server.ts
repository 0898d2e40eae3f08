import { anySignal } from "~/utils/signals";

// The response side of a streamed turn, shared by the adapters: a
// Server-Sent Events body that outlives the client (the turn still has to be
// saved when the person goes away), and headers that keep proxies out of it.

export const STREAM_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  // A reply is private; no-transform: proxies must not compress or buffer the stream.
  "Cache-Control": "private, no-store, no-transform",
  "X-Accel-Buffering": "no",
  Connection: "keep-alive",
};

/** Writes text to the client until it goes away, then quietly drops it. */
export type Sink = { write: (text: string) => void };

/**
 * A streamed response whose `produce` runs to its end whatever the client
 * does: it gets a signal aborted when the request's is or the client cancels
 * the body, and a sink that stops writing once the client is gone.
 */
export function eventStream(
  requestSignal: AbortSignal,
  produce: (sink: Sink, signal: AbortSignal) => Promise<void>,
  headers: HeadersInit = {},
): Response {
  const cancelled = new AbortController();
  const signal = anySignal(requestSignal, cancelled.signal);
  const encoder = new TextEncoder();
  let gone = false;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const sink: Sink = {
        write(text) {
          if (gone) return;
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            gone = true;
          }
        },
      };
      try {
        await produce(sink, signal);
      } finally {
        if (!gone) controller.close();
      }
    },
    cancel() {
      gone = true;
      cancelled.abort();
    },
  });
  return new Response(body, { headers: { ...STREAM_HEADERS, ...Object.fromEntries(new Headers(headers)) } });
}
