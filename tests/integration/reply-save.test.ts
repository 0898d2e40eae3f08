import { describe, expect, test, vi } from "vitest";
import { readChatEvents, type ChatEvent } from "~/chat/events";
import { getOwnSession, renameSession, STATUS } from "~/models/sessions.server";
import { db } from "~/utils/db.server";
import {
  apiCompletion,
  chat,
  chatRequest,
  createTestBot,
  replyText,
  say,
  startSessionFor,
  transcriptOf,
} from "../setup/chat";
import { signedInPerson, type Person } from "../setup/people";

// A reply is saved in one write when nothing but its own turn has written the
// session since the turn was admitted: the session is then as the turn left
// it, and the write's precondition says so. Anything else written meanwhile
// (a rename, a conclusion) sends the save through a transaction that reads
// the session first, and nothing of either is lost.

/** Sends a message and reads its reply, running `whileStreaming` once the first words have arrived. */
async function sayWhile(person: Person, sessionId: string, message: string, whileStreaming: () => Promise<void>) {
  const response = (await chat({
    request: chatRequest(person, { mode: "session", sessionId, message }),
    params: {},
    context: {},
  })) as Response;
  expect(response.status).toBe(200);
  const events: ChatEvent[] = [];
  for await (const event of readChatEvents(response.body!)) {
    if (event.type === "delta" && !events.some((seen) => seen.type === "delta")) await whileStreaming();
    events.push(event);
  }
  return events;
}

async function sessionDoc(sessionId: string) {
  return (await db().collection("sessions").doc(sessionId).get()).data()!;
}

describe("saving a reply", () => {
  test("a web turn's reply is saved without a transaction when nothing else wrote the session", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "2" });
    const sessionId = await startSessionFor(person, bot.id);
    await say(person, sessionId, "Warm up");
    const transactions = vi.spyOn(db(), "runTransaction");
    const events = await say(person, sessionId, "Save me in one write");
    expect(transactions).not.toHaveBeenCalled();
    const done = events.find((event) => event.type === "done");
    expect(done).toMatchObject({ message_id: expect.any(String) });
    const transcript = await transcriptOf(person, sessionId);
    expect(transcript.map((message) => message.content)).toEqual([
      "Warm up",
      expect.any(String),
      "Save me in one write",
      replyText(events),
    ]);
    expect(await sessionDoc(sessionId)).toMatchObject({ reply_lease_id: null, message_count: 4 });
  });

  test("a session renamed while the reply streams keeps its new title, and the reply is saved", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "2" });
    const sessionId = await startSessionFor(person, bot.id);
    const transactions = vi.spyOn(db(), "runTransaction");
    const events = await sayWhile(person, sessionId, "[fake:slow] Tell me slowly", async () => {
      await renameSession(person.caller, (await getOwnSession(person.caller, sessionId))!, "Renamed meanwhile");
    });
    expect(transactions).toHaveBeenCalled();
    const session = (await getOwnSession(person.caller, sessionId))!;
    expect(session.title).toBe("Renamed meanwhile");
    expect(session.last_reply_id).toBe(events.find((event) => event.type === "done")!.message_id);
    expect(session.context.turns.map((turn) => turn.role)).toEqual(["user", "assistant"]);
    expect(await sessionDoc(sessionId)).toMatchObject({ reply_lease_id: null, message_count: 2 });
  });

  test("a session concluded while the reply streams stays concluded, with the reply saved", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "2" });
    const sessionId = await startSessionFor(person, bot.id);
    const events = await sayWhile(person, sessionId, "[fake:slow] One last thing", async () => {
      await db().collection("sessions").doc(sessionId).update({ status: STATUS.completed });
    });
    const transcript = await transcriptOf(person, sessionId);
    expect(transcript.map((message) => message.content)).toEqual(["[fake:slow] One last thing", replyText(events)]);
    expect(await sessionDoc(sessionId)).toMatchObject({ status: STATUS.completed, reply_lease_id: null });
  });

  test("an API call's new session is created with its first reply in one write", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "2" });
    const start = (content: string) => apiCompletion(person, { model: bot.id, messages: [{ role: "user", content }] });
    // A first start folds the assistant's start counters (a transaction of their own, counters.server.ts); the
    // next within seconds does not, so any transaction now would be the save's.
    await (await start("Warm up")).text();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const transactions = vi.spyOn(db(), "runTransaction");
    const response = await start("Start me");
    expect(response.status).toBe(200);
    const reply = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(transactions).not.toHaveBeenCalled();
    const sessionId = response.headers.get("X-Session-Id")!;
    const transcript = await transcriptOf(person, sessionId);
    expect(transcript.map((message) => message.content)).toEqual(["Start me", reply.choices[0]!.message.content]);
    expect(await sessionDoc(sessionId)).toMatchObject({ status: STATUS.started, message_count: 2 });
  });
});
