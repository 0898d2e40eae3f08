import crypto, { randomUUID } from "node:crypto";
import { DocumentReference } from "firebase-admin/firestore";
import { describe, expect, test, vi } from "vitest";
import { getSignedInUser } from "~/identity/cookie.server";
import { callerFor } from "~/identity/caller.server";
import { listOwnBots } from "~/models/bots.server";
import { action as completions } from "~/routes/v1.chat.completions";
import { db } from "~/utils/db.server";
import { getOwnSession, listMessages } from "~/models/sessions.server";
import { DatabaseUnavailable } from "~/utils/db.server";
import { carryOverGptLabSessions, gptLabFernetKey } from "~/models/gpt-lab-sessions.server";
import { chat, chatRequest, createTestBot } from "../setup/chat";
import { run, signedInPerson, signInWithKey, submitSignIn } from "../setup/people";
import { writeGptLabBot, writeGptLabPerson, writeGptLabSession } from "../setup/gpt-lab";

// A GPT Lab person signing in here with the key they used there: their
// identity is GPT Lab's PBKDF2 of the key, which only a first sign-in
// computes; they are adopted (their users document, so their assistants and
// sessions), and GPT Lab's identity then signs in no one else.

/** A GPT Lab person with an assistant of their own, as GPT Lab's code writes them. */
async function gptLabPerson(apiKey: string) {
  const person = await writeGptLabPerson(apiKey);
  const bot = await writeGptLabBot({
    name: "My GPT Lab tutor",
    tagLine: "Built in GPT Lab",
    sessionType: 2,
    creatorUserId: person.userId,
    model: "gpt-4o-mini",
    instructions: "You are my tutor.",
    showcased: false,
  });
  return { ...person, botId: bot.id, bot };
}

/** A conversation of the person with their own assistant, GPT Lab's assistant speaking first. */
function conversationOf(gptLab: Awaited<ReturnType<typeof gptLabPerson>>, texts: string[], startedAt: number) {
  return writeGptLabSession({
    person: gptLab,
    bot: { id: gptLab.botId, sessionType: 2, model: "gpt-4o-mini", instructions: gptLab.bot.instructions },
    transcript: texts.map((text, index) => ({ role: index % 2 === 0 ? "assistant" : "user", text })),
    startedAt,
  });
}

describe("a GPT Lab person's first sign-in", () => {
  test("adopts them: the same person, their assistants, GPT Lab's identity retired, no key stored", async () => {
    const apiKey = `sk-gptlab-${randomUUID()}`;
    const gptLab = await gptLabPerson(apiKey);
    const pbkdf2 = vi.spyOn(crypto, "pbkdf2");

    const started = performance.now();
    const user = await signInWithKey(apiKey);
    console.log(`first sign-in of a GPT Lab person, PBKDF2 included: ${Math.round(performance.now() - started)} ms`);
    expect(user.userId).toBe(gptLab.userId);
    expect(pbkdf2).toHaveBeenCalledTimes(1);

    const { caller } = user;
    expect((await listOwnBots(caller)).map((bot) => bot.id)).toEqual([gptLab.botId]);
    const userDoc = (await db().collection("users").doc(gptLab.userId).get()).data()!;
    expect(userDoc).toMatchObject({ user_hash: caller.userHash, sessions_started: 3, bots_created: 1 });
    expect((await db().collection("user_hash").doc(caller.userHash).get()).data()).toMatchObject({
      user_hash_type: "open_ai_key",
      user_id: gptLab.userId,
    });
    expect((await db().collection("user_hash").doc(gptLab.hash).get()).exists).toBe(false);
    expect(JSON.stringify(userDoc)).not.toContain(apiKey);

    // The next sign-in is an ordinary one: no PBKDF2.
    expect((await signInWithKey(apiKey)).userId).toBe(gptLab.userId);
    expect(pbkdf2).toHaveBeenCalledTimes(1);
  });

  test("GPT Lab's identity, once adopted, signs in no one else; a key GPT Lab never saw makes a new person", async () => {
    const apiKey = `sk-gptlab-${randomUUID()}`;
    const gptLab = await gptLabPerson(apiKey);
    expect((await signInWithKey(apiKey)).userId).toBe(gptLab.userId);
    // Someone whose new hash is unknown but who presents GPT Lab's old identity finds nothing to adopt.
    const { signInUser } = await import("~/models/users.server");
    const stranger = await signInUser(`stranger-${randomUUID()}`, ["gpt-4o-mini"], {
      hash: gptLab.hash,
      userId: gptLab.userId,
    });
    expect(stranger).toMatchObject({ created: true });
    expect(stranger.userId).not.toBe(gptLab.userId);

    const newcomer = await signInWithKey(`sk-new-${randomUUID()}`);
    expect(newcomer.userId).not.toBe(gptLab.userId);
  });

  test("a GPT Lab person's first API call adopts them too", async () => {
    const apiKey = `sk-gptlab-${randomUUID()}`;
    const gptLab = await gptLabPerson(apiKey);
    const response = (await completions({
      request: new Request("http://localhost/v1/chat/completions", {
        method: "POST",
        body: JSON.stringify({ model: gptLab.botId, messages: [{ role: "user", content: "Hi" }] }),
        headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
      }),
      params: {},
      context: { clientAddress: randomUUID() },
    })) as Response;
    await response.text();
    const hashDoc = await db().collection("user_hash").doc(gptLab.hash).get();
    expect(hashDoc.exists).toBe(false);
    const users = await db().collection("users").where("user_hash", "==", gptLab.hash).get();
    expect(users.empty).toBe(true);
    expect((await db().collection("users").doc(gptLab.userId).get()).get("user_hash")).not.toBe(gptLab.hash);
  });

  test("a carry-over cut short by the database adopts no one; the next sign-in finishes it, each message once", async () => {
    const apiKey = `sk-gptlab-${randomUUID()}`;
    const gptLab = await gptLabPerson(apiKey);
    const sessionId = await conversationOf(
      gptLab,
      ["Hello, student.", "Teach me fractions.", "A fraction is a part of a whole."],
      1_683_500_000,
    );
    // The messages are sealed; then the database stops answering before the session is.
    const update = DocumentReference.prototype.update;
    const failing = vi.spyOn(DocumentReference.prototype, "update").mockImplementation(function (
      this: DocumentReference,
      ...args: Parameters<DocumentReference["update"]>
    ) {
      if (this.path === `sessions/${sessionId}`) return Promise.reject(new DatabaseUnavailable());
      return update.apply(this, args);
    });
    expect((await submitSignIn(apiKey)).status).toBe(503);
    failing.mockRestore();
    expect((await db().collection("user_hash").doc(gptLab.hash).get()).exists).toBe(true);
    expect((await db().collection("sessions").doc(sessionId).get()).get("session_schema_version")).toBe(1);

    const user = await signInWithKey(apiKey);
    expect(user.userId).toBe(gptLab.userId);
    const { caller } = user;
    const session = (await getOwnSession(caller, sessionId))!;
    expect(session).toMatchObject({ title: "Teach me fractions.", unreadable: false, message_count: 3 });
    expect((await listMessages(caller, session)).map((message) => message.content)).toEqual([
      "Hello, student.",
      "Teach me fractions.",
      "A fraction is a part of a whole.",
    ]);
  });

  test("two first sign-ins with the same key at once carry each conversation over once", async () => {
    const apiKey = `sk-gptlab-${randomUUID()}`;
    const gptLab = await gptLabPerson(apiKey);
    const sessionId = await conversationOf(gptLab, ["Hi.", "Hello there."], 1_683_600_000);
    const outcomes = await Promise.all([submitSignIn(apiKey), submitSignIn(apiKey)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([302, 302]);
    const users = await Promise.all(
      outcomes.map((outcome) =>
        getSignedInUser(
          new Request("http://localhost/", { headers: { Cookie: outcome.headers.get("Set-Cookie")!.split(";")[0]! } }),
        ),
      ),
    );
    expect(users.map((user) => user?.userId)).toEqual([gptLab.userId, gptLab.userId]);
    const { caller } = await signInWithKey(apiKey);
    const session = (await getOwnSession(caller, sessionId))!;
    expect(session.unreadable).toBe(false);
    expect((await listMessages(caller, session)).map((message) => message.content)).toEqual(["Hi.", "Hello there."]);
  });

  test("a person with many conversations, one longer than a write batch, has every message carried over", async () => {
    const apiKey = `sk-gptlab-${randomUUID()}`;
    const gptLab = await gptLabPerson(apiKey);
    const lines = (count: number, label: string) =>
      Array.from({ length: count }, (_, index) => `${label} message ${index}`);
    const long = await conversationOf(gptLab, lines(450, "long"), 1_683_700_000);
    const short = await Promise.all(
      Array.from({ length: 10 }, (_, index) => conversationOf(gptLab, lines(20, `s${index}`), 1_683_800_000 + index)),
    );
    const started = performance.now();
    const { caller } = await signInWithKey(apiKey);
    console.log(
      `first sign-in carrying over 11 conversations (650 messages): ${Math.round(performance.now() - started)} ms`,
    );
    const session = (await getOwnSession(caller, long))!;
    const transcript = await listMessages(caller, session);
    expect(transcript.map((message) => message.content)).toEqual(lines(450, "long"));
    for (const [index, id] of short.entries()) {
      const each = (await getOwnSession(caller, id))!;
      expect((await listMessages(caller, each)).map((message) => message.content)).toEqual(lines(20, `s${index}`));
    }
  });
});

describe("carrying GPT Lab's conversations over", () => {
  test("two carry-overs at once, as from two app processes, leave each conversation readable, each message once", async () => {
    const gptLab = await gptLabPerson(`sk-gptlab-${randomUUID()}`);
    const chatted = await conversationOf(gptLab, ["Hi.", "Hello there.", "How can I help?"], 1_683_900_000);
    const lab = await writeGptLabSession({
      person: gptLab,
      bot: null,
      transcript: [
        { role: "assistant", text: "Test drive." },
        { role: "user", text: "Works?" },
      ],
      startedAt: 1_683_900_100,
    });
    const apiKey = `sk-new-${randomUUID()}`;
    const person = { userId: gptLab.userId, fernetKey: gptLabFernetKey(gptLab.hash), chatModels: ["gpt-4o-mini"] };
    const caller = callerFor({ userId: gptLab.userId, apiKey });
    await Promise.all([
      carryOverGptLabSessions({ ...person, key: caller.key }),
      carryOverGptLabSessions({ ...person, key: caller.key }),
    ]);
    for (const [id, texts] of [
      [chatted, ["Hi.", "Hello there.", "How can I help?"]],
      [lab, ["Test drive.", "Works?"]],
    ] as const) {
      const session = (await getOwnSession(caller, id))!;
      expect(session).toMatchObject({ unreadable: false, message_count: texts.length });
      expect((await listMessages(caller, session)).map((message) => message.content)).toEqual(texts);
    }
    expect(await carryOverGptLabSessions({ ...person, key: caller.key })).toEqual({
      sessions: 0,
      messages: 0,
      unreadable: 0,
    });
  });

  test("a GPT Lab conversation not carried over reads as unreadable and cannot be continued over its context", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await writeGptLabSession({
      person: { apiKey: person.apiKey, hash: "ab".repeat(32), userId: person.userId },
      bot: { id: bot.id, sessionType: 2, model: "gpt-4o-mini", instructions: "You help." },
      transcript: [
        { role: "assistant", text: "Hello." },
        { role: "user", text: "Hi." },
      ],
      startedAt: 1_684_000_000,
    });
    expect((await getOwnSession(person.caller, sessionId))?.unreadable).toBe(true);
    const refused = await run(() =>
      chat({
        request: chatRequest(person, { mode: "session", sessionId, message: "Still there?" }),
        params: {},
        context: {},
      }),
    );
    expect(refused.status).toBe(409);
    expect((await db().collection("sessions").doc(sessionId).get()).get("messages_str")).toBeInstanceOf(Uint8Array);
  });
});
