// Driving chat sessions through the real routes in integration tests.
import { expect, vi } from "vitest";
import { createBot, getOpenableBot } from "~/models/bots.server";
import { foldShards } from "~/models/counters.server";
import { db } from "~/utils/db.server";
import type { Caller } from "~/models/caller";
import { getOwnSession, listMessages } from "~/models/sessions.server";
import { action as startChat } from "~/routes/assistants.$botId.chat";
import { action as chat } from "~/routes/api.chat";
import { action as completions } from "~/routes/v1.chat.completions";
import { readChatEvents, type ChatEvent } from "~/chat/events";
import { assistantInput } from "./assistant-input";
import { run, type Person } from "./people";

export async function createTestBot(person: Person, overrides: Record<string, string> = {}) {
  const input = assistantInput({
    name: "Coach",
    tag_line: "Helps you think",
    instructions: "You are a thoughtful coach.",
    summary_prompt: "Summarize the key points so far.",
    session_type: "3",
    max_tokens: "300",
    temperature: "0.5",
    ...overrides,
  });
  const botId = await createBot(person.caller, input);
  return (await getOpenableBot(botId))!;
}

export async function startSessionFor(person: Person, botId: string, model?: string): Promise<string> {
  const outcome = await run(() =>
    startChat({
      request: person.form(`/assistants/${botId}/chat`, model ? { model } : {}),
      params: { botId },
      context: {},
    }),
  );
  expect(outcome.status).toBe(302);
  return outcome.headers.get("Location")!.replace("/sessions/", "");
}

export function chatRequest(person: Person, body: unknown, signal?: AbortSignal) {
  return person.request("/api/chat", {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "Content-Type": "application/json" },
    signal,
  });
}

/** Sends one message and reads the whole reply stream. */
export async function say(person: Person, sessionId: string, message: string): Promise<ChatEvent[]> {
  const response = (await chat({
    request: chatRequest(person, { mode: "session", sessionId, message }),
    params: {},
    context: {},
  })) as Response;
  expect(response.status).toBe(200);
  return collect(response);
}

export async function collect(response: Response): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for await (const event of readChatEvents(response.body!)) events.push(event);
  return events;
}

export function replyText(events: ChatEvent[]): string {
  return events.flatMap((event) => (event.type === "delta" ? [event.text] : [])).join("");
}

export { chat, run };

/** The transcript of a person's session as the data layer reads it, optionally under another caller's key. */
export async function transcriptOf(person: Person, sessionId: string, as: Caller = person.caller) {
  const session = await getOwnSession({ ...as, userId: person.userId }, sessionId);
  expect(session, "the person's session").not.toBeNull();
  return listMessages(as, session!);
}

/** A call of /v1/chat/completions through its route, the person's key as the bearer (continuing `sessionId`, if given). */
export async function apiCompletion(person: Person, body: unknown, sessionId?: string): Promise<Response> {
  return (await completions({
    request: new Request("http://localhost/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify(body),
      headers: {
        Authorization: `Bearer ${person.apiKey}`,
        "Content-Type": "application/json",
        ...(sessionId ? { "X-Session-Id": sessionId } : {}),
      },
    }),
    params: {},
    context: { clientAddress: "127.0.0.1" },
  })) as Response;
}

/**
 * Waits until the start counters of `botId` and its prompts are folded (counters.server.ts folds them in the
 * background after a session starts), so that a test counting a turn's Firestore calls counts the turn's alone.
 */
export async function settleStartCounters(botId: string): Promise<void> {
  const bot = db().collection("bots").doc(botId);
  const counted = [bot, ...(await bot.collection("prompts").listDocuments())];
  await vi.waitFor(async () => {
    await Promise.all(counted.map((ref) => foldShards(ref)));
    const left = await Promise.all(counted.map((ref) => ref.collection("counter_shards").get()));
    expect(left.every((shards) => shards.empty)).toBe(true);
  });
  // A background fold that found nothing left to fold may still be answering.
  await new Promise((resolve) => setTimeout(resolve, 200));
}
