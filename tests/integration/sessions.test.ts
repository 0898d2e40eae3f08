import { describe, expect, test } from "vitest";
import { getOwnSession, sessions, STATUS } from "~/models/sessions.server";
import { action as sessionAction, loader as sessionLoader } from "~/routes/sessions.$sessionId";
import { loader as downloadLoader } from "~/routes/sessions.$sessionId.download";
import { loader as historyLoader } from "~/routes/sessions._index";
import { loader as usageLoader } from "~/routes/usage";
import { db } from "~/utils/db.server";
import { transcriptKey } from "~/utils/transcript-crypto.server";
import { allDocuments } from "../setup/firestore";
import {
  chat,
  chatRequest,
  collect,
  createTestBot,
  replyText,
  run,
  say,
  startSessionFor,
  transcriptOf,
} from "../setup/chat";
import { signedInPerson } from "../setup/people";
import { exactCount } from "~/models/counters.server";

/** The exact counts of a bot and its active prompt (their fields and their shards, see counters.server.ts). */
function countsOf(bot: { id: string; instructions: { id: string } }, field: "sessions_started" | "sessions_ended") {
  const botRef = db().collection("bots").doc(bot.id);
  return Promise.all([
    exactCount(botRef, field),
    exactCount(botRef.collection("prompts").doc(bot.instructions.id), field),
  ]);
}

describe("starting a chat", () => {
  test("snapshots the assistant and counts the start on the user, the bot and its prompt", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id, "gpt-4o");

    const stored = (await sessions().doc(sessionId).get()).data()!;
    expect(stored).toMatchObject({
      user_id: person.userId,
      bot_id: bot.id,
      bot_initial_prompt_msg: "You are a thoughtful coach.",
      bot_summary_prompt_msg: "Summarize the key points so far.",
      bot_session_type: 3,
      bot_model_config: { ...bot.modelConfig.config, model: "gpt-4o" },
      session_schema_version: 2,
      status: STATUS.started,
      message_count: 0,
    });
    expect((await db().collection("users").doc(person.userId).get()).get("sessions_started")).toBe(1);
    expect(await countsOf(bot, "sessions_started")).toEqual([1, 1]);
  });

  test("a model the person's key cannot use falls back to the assistant's", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id, "gpt-5-ultra");
    expect((await sessions().doc(sessionId).get()).get("bot_model_config.model")).toBe("gpt-4o-mini");
  });

  test("an edit after the start does not change the session's snapshot", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    await db()
      .collection("bots")
      .doc(bot.id)
      .collection("prompts")
      .doc(bot.instructions.id)
      .update({ message: "changed" });
    expect((await sessions().doc(sessionId).get()).get("bot_initial_prompt_msg")).toBe("You are a thoughtful coach.");
  });
});

describe("a turn", () => {
  test("streams the reply and saves both messages, counters and usage", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    const events = await say(person, sessionId, "How do I stay focused?");
    expect(replyText(events)).toContain("How do I stay focused?");
    const done = events.at(-1);
    expect(done).toEqual({
      type: "done",
      finish_reason: "stop",
      interrupted: false,
      message_id: expect.any(String),
      title: "How do I stay focused?",
    });
    const usage = events.find((event) => event.type === "usage");
    expect(usage).toMatchObject({ usage: { cost_usd: expect.any(Number) } });

    const messages = await transcriptOf(person, sessionId);
    // The browser keeps the reply it was sent: its id and cost are the saved ones.
    expect(done?.type === "done" && done.message_id).toBe(messages[1]!.id);
    expect(usage?.type === "usage" && usage.usage.cost_usd).toBe(messages[1]!.cost_usd);
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(messages[0]!.content).toBe("How do I stay focused?");
    const session = (await getOwnSession(person.caller, sessionId))!;
    expect(session).toMatchObject({ message_count: 2, status: STATUS.started, title: "How do I stay focused?" });
    expect(session.prompt_tokens).toBeGreaterThan(0);
    expect(session.cost_usd).toBeGreaterThan(0);
    expect(session.context.turns).toHaveLength(2);

    const usagePage = await run(() => usageLoader({ request: person.request("/usage"), params: {}, context: {} }));
    expect(usagePage.data).toMatchObject({
      byBot: [{ id: bot.id, name: "Coach" }],
      byModel: [{ model: "gpt-4o-mini" }],
    });
  });

  test("the person's message is saved even when the provider fails, and the next message works", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    const failed = await say(person, sessionId, "[fake:500] are you there?");
    expect(failed.find((event) => event.type === "error")).toMatchObject({
      error: { code: "provider_error", retryable: true },
    });
    let session = (await getOwnSession(person.caller, sessionId))!;
    expect(session.status).toBe(STATUS.providerError);
    const messages = await transcriptOf(person, sessionId);
    expect(messages[0]).toMatchObject({ role: "user", content: "[fake:500] are you there?" });
    expect(messages[1]).toMatchObject({
      role: "assistant",
      status: "error",
      error_message: expect.stringMatching(/provider had a problem/),
    });
    // The provider's words are stored encrypted like the messages: a provider may echo input in them.
    const stored = await sessions().doc(sessionId).collection("messages").doc(messages[1]!.id).get();
    expect(stored.get("error_code")).toBe("provider_error");
    expect(stored.get("error_message")).not.toMatch(/provider|problem/);

    const next = await say(person, sessionId, "Trying again");
    expect(replyText(next)).toContain("Trying again");
    session = (await getOwnSession(person.caller, sessionId))!;
    expect(session.status).toBe(STATUS.started);
  });

  test("a stream that goes silent times out, keeps what arrived, and says so", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    const events = await say(person, sessionId, "[fake:stall] go on");
    expect(replyText(events)).toContain("Thanks");
    expect(events.find((event) => event.type === "error")).toMatchObject({
      error: { code: "timeout", message: expect.stringContaining("What arrived is kept") },
    });
    const messages = await transcriptOf(person, sessionId);
    expect(messages[1]).toMatchObject({
      role: "assistant",
      status: "error",
      content: expect.stringContaining("Thanks"),
    });
  });

  test("a key the provider now rejects is reported so the person can be signed out", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    const events = await say(person, sessionId, "[fake:401] hello");
    expect(events.find((event) => event.type === "error")).toMatchObject({
      error: { code: "key_rejected", retryable: false },
    });
  });

  test("retry replaces the last reply", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    await say(person, sessionId, "First question");
    const response = (await chat({
      request: chatRequest(person, { mode: "session", sessionId, retry: true }),
      params: {},
      context: {},
    })) as Response;
    const text = replyText(await collect(response));
    expect(text).toContain("First question");
    const messages = await transcriptOf(person, sessionId);
    expect(messages.map((message) => message.role)).toEqual(["user", "assistant"]);
    const session = (await getOwnSession(person.caller, sessionId))!;
    expect(session.message_count).toBe(2);
    expect(session.context.turns).toHaveLength(2);
  });

  test("a second message while a reply is being written is refused, and nothing of it is saved", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    const first = (await chat({
      request: chatRequest(person, { mode: "session", sessionId, message: "[fake:slow] first" }),
      params: {},
      context: {},
    })) as Response;
    const second = await run(() =>
      chat({
        request: chatRequest(person, { mode: "session", sessionId, message: "second" }),
        params: {},
        context: {},
      }),
    );
    expect(second.status).toBe(409);
    expect(second.data).toMatchObject({
      error: { code: "session_busy", message: expect.stringMatching(/still being written/) },
    });
    expect(Number(second.headers.get("Retry-After"))).toBeGreaterThan(0);
    await collect(first);
    const messages = await transcriptOf(person, sessionId);
    expect(messages.map((message) => message.role)).toEqual(["user", "assistant"]);
    expect(replyText(await say(person, sessionId, "third"))).toContain("third");
  });

  test("a reply that finishes after the session was concluded leaves it concluded, and concluding twice counts once", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    await say(person, sessionId, "one");
    const slow = (await chat({
      request: chatRequest(person, { mode: "session", sessionId, message: "[fake:slow] two" }),
      params: {},
      context: {},
    })) as Response;
    const conclude = () =>
      sessionAction({
        request: person.form(`/sessions/${sessionId}`, { intent: "conclude" }),
        params: { sessionId },
        context: {},
      });
    await Promise.all([run(conclude), run(conclude)]);
    await collect(slow);
    const session = (await getOwnSession(person.caller, sessionId))!;
    expect(session.status).toBe(STATUS.completed);
    expect(await countsOf(bot, "sessions_ended")).toEqual([1, 1]);
  });

  test("a forged request for someone else's session is a 404 and writes nothing", async () => {
    const owner = await signedInPerson();
    const bot = await createTestBot(owner);
    const sessionId = await startSessionFor(owner, bot.id);
    await say(owner, sessionId, "Private thoughts");
    const before = (await sessions().doc(sessionId).get()).updateTime;

    const intruder = await signedInPerson();
    const outcome = await run(() =>
      chat({
        request: chatRequest(intruder, { mode: "session", sessionId, message: "let me in" }),
        params: {},
        context: {},
      }),
    );
    expect(outcome.status).toBe(404);
    const page = await run(() =>
      sessionLoader({ request: intruder.request(`/sessions/${sessionId}`), params: { sessionId }, context: {} }),
    );
    expect(page.status).toBe(404);
    const download = await run(() =>
      downloadLoader({
        request: intruder.request(`/sessions/${sessionId}/download`),
        params: { sessionId },
        context: {},
      }),
    );
    expect(download.status).toBe(404);
    const remove = await run(() =>
      sessionAction({
        request: intruder.form(`/sessions/${sessionId}`, { intent: "delete" }),
        params: { sessionId },
        context: {},
      }),
    );
    expect(remove.status).toBe(404);
    expect((await sessions().doc(sessionId).get()).updateTime?.isEqual(before!)).toBe(true);
    expect(await transcriptOf(owner, sessionId)).toHaveLength(2);
  });

  test("a message over the size limit is refused with a clear error and nothing is saved", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    const outcome = await run(() =>
      chat({
        request: chatRequest(person, { mode: "session", sessionId, message: "x".repeat(8_001) }),
        params: {},
        context: {},
      }),
    );
    expect(outcome.status).toBe(400);
    expect(outcome.data).toMatchObject({
      error: { field: "message", message: expect.stringMatching(/at most 8,000 characters/) },
    });
    expect(await transcriptOf(person, sessionId)).toEqual([]);
    expect((await sessions().doc(sessionId).get()).get("message_count")).toBe(0);
  });
});

describe("encryption at rest", () => {
  test("the emulator holds no plaintext of the conversation", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    const secret = "my very private plan involving zebra-7731";
    const events = await say(person, sessionId, secret);
    const reply = replyText(events);
    await run(() =>
      sessionAction({
        request: person.form(`/sessions/${sessionId}`, { intent: "conclude" }),
        params: { sessionId },
        context: {},
      }),
    );

    const dump = JSON.stringify(await allDocuments(db()));
    expect(dump).toContain(sessionId);
    for (const text of [secret, "zebra-7731", reply.slice(0, 40), "Thanks for asking about"])
      expect(dump).not.toContain(text);
  });

  test("a ciphertext moved to another document does not decrypt", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    await say(person, sessionId, "first");
    await say(person, sessionId, "second");
    const docs = (await sessions().doc(sessionId).collection("messages").orderBy("created_date").get()).docs;
    await docs[2]!.ref.update({ message: docs[0]!.get("message") });
    const messages = await transcriptOf(person, sessionId);
    expect(messages[0]!.content).toBe("first");
    expect(messages[2]!.content).toBeNull();
  });

  test("the server secret alone cannot decrypt, and the same key signing in again can", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    await say(person, sessionId, "remember this");

    const withoutKey = await transcriptOf(person, sessionId, {
      ...person.caller,
      key: transcriptKey("sk-someone-else-entirely"),
    });
    expect(withoutKey.map((message) => message.content)).toEqual([null, null]);
    const otherSecret = await transcriptOf(person, sessionId, {
      ...person.caller,
      key: transcriptKey(person.apiKey, "another-server-secret-0123456789abcdef"),
    });
    expect(otherSecret.map((message) => message.content)).toEqual([null, null]);
    const again = await transcriptOf(person, sessionId);
    expect(again[0]!.content).toBe("remember this");
  });
});

describe("sessions over time", () => {
  test("history lists the person's sessions newest first, with title, model and cost", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const first = await startSessionFor(person, bot.id);
    await say(person, first, "Older chat");
    const second = await startSessionFor(person, bot.id);
    await say(person, second, "Newer chat");
    const outcome = await run(() => historyLoader({ request: person.request("/sessions"), params: {}, context: {} }));
    const list = (outcome.data as { sessions: { id: string; title: string; model: string; messageCount: number }[] })
      .sessions;
    expect(list.map((session) => [session.id, session.title, session.model, session.messageCount])).toEqual([
      [second, "Newer chat", "gpt-4o-mini", 2],
      [first, "Older chat", "gpt-4o-mini", 2],
    ]);
  });

  test("rename, conclude with a recap, rate, download, and delete with its messages", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person);
    const sessionId = await startSessionFor(person, bot.id);
    await say(person, sessionId, "Plan my week");
    await say(person, sessionId, "Add exercise");
    const act = (fields: Record<string, string>) =>
      run(() =>
        sessionAction({ request: person.form(`/sessions/${sessionId}`, fields), params: { sessionId }, context: {} }),
      );

    expect((await act({ intent: "rename", title: "Weekly plan" })).status).toBe(200);
    expect((await act({ intent: "conclude" })).status).toBe(200);
    expect((await act({ intent: "rate", rating: "up" })).status).toBe(200);
    const session = (await getOwnSession(person.caller, sessionId))!;
    expect(session).toMatchObject({ title: "Weekly plan", status: STATUS.completed, rating: "up" });
    expect(session.recap).toContain("Summarize the key points so far.");
    expect((await db().collection("users").doc(person.userId).get()).get("sessions_ended")).toBe(1);
    expect(await countsOf(bot, "sessions_ended")).toEqual([1, 1]);

    const concluded = await run(() =>
      chat({
        request: chatRequest(person, { mode: "session", sessionId, message: "one more" }),
        params: {},
        context: {},
      }),
    );
    expect(concluded.status).toBe(409);

    const markdown = (await downloadLoader({
      request: person.request(`/sessions/${sessionId}/download?format=md`),
      params: { sessionId },
      context: {},
    })) as Response;
    expect(markdown.headers.get("Content-Disposition")).toBe('attachment; filename="Weekly-plan.md"');
    const text = await markdown.text();
    expect(text).toContain("# Weekly plan");
    expect(text).toContain("Plan my week");
    expect(text).toContain("## Recap");
    const json = (await downloadLoader({
      request: person.request(`/sessions/${sessionId}/download?format=json`),
      params: { sessionId },
      context: {},
    })) as Response;
    const parsed = (await json.json()) as { session: { title: string }; messages: { content: string }[] };
    expect(parsed.session.title).toBe("Weekly plan");
    expect(parsed.messages.map((message) => message.content)).toContain("Add exercise");

    const removed = await act({ intent: "delete" });
    expect(removed.headers.get("Location")).toBe("/sessions");
    expect((await sessions().doc(sessionId).get()).exists).toBe(false);
    expect((await sessions().doc(sessionId).collection("messages").get()).size).toBe(0);
  });
});
