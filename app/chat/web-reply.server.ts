import { encodeEvent, type ChatEvent } from "./events";
import { eventStream } from "./event-stream.server";
import { NOT_SAVED, type TurnEvent } from "./turn.server";

// The web chat's wire format: a turn as the typed events of app/chat/events.ts.

/** Streams a turn to the browser; `start` runs it with the signal of the person stopping or leaving. */
export function webReply(
  requestSignal: AbortSignal,
  start: (signal: AbortSignal) => AsyncGenerator<TurnEvent, void, undefined>,
  extras: { title: string | null } = { title: null },
): Response {
  return eventStream(requestSignal, async (sink, signal) => {
    const send = (event: ChatEvent) => sink.write(encodeEvent(event));
    for await (const event of start(signal)) {
      if (event.type === "text") send({ type: "delta", text: event.text });
      if (event.type !== "end") continue;
      const { outcome } = event;
      send({ type: "usage", usage: outcome.usage });
      if (outcome.error) send({ type: "error", error: outcome.error });
      if (!outcome.saved) send({ type: "error", error: NOT_SAVED });
      send({
        type: "done",
        finish_reason: outcome.finishReason,
        interrupted: outcome.interrupted,
        message_id: outcome.messageId,
        title: extras.title,
      });
    }
  });
}
