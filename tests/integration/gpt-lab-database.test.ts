import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test, vi } from "vitest";
import { listShowcasedBots } from "~/models/bots.server";
import { migrate } from "~/models/migrations.server";
import { getOwnSession, listMessages, STATUS } from "~/models/sessions.server";
import { loader as galleryLoader } from "~/routes/assistants._index";
import { loader as historyLoader } from "~/routes/sessions._index";
import { action as sessionAction, loader as sessionLoader } from "~/routes/sessions.$sessionId";
import { loader as modelsLoader } from "~/routes/v1.models";
import { db } from "~/utils/db.server";
import { allDocuments } from "../setup/firestore";
import { apiCompletion, replyText, say, startSessionFor } from "../setup/chat";
import { fakeProvider, lastSentWith } from "../setup/integration";
import { run, signInWithKey, type Person } from "../setup/people";
import {
  migrationStepsFor,
  writeGptLabBot,
  writeGptLabPerson,
  writeGptLabSession,
  type GptLabPerson,
} from "../setup/gpt-lab";

// A copy of a GPT Lab database given to this product: three showcased
// assistants (one chatted with, one nobody used, one on GPT Lab's retired
// default model), a person with an assistant of their own and three
// conversations (brainstorming, a coaching one GPT Lab condensed, a lab test
// drive), all written exactly as GPT Lab writes them (tests/setup/gpt-lab.ts).
// The migration runs; then the person signs in with their key.

const RETIRED = "gpt-3.5-turbo";
const word = `gl${randomUUID().slice(0, 8)}`;
const apiKey = `sk-gptlab-${randomUUID()}`;

let person: GptLabPerson;
let showcased: { id: string; name: string }[];
let ownBotId: string;
const conversations: Record<"brainstorm" | "coaching" | "lab", string> = { brainstorm: "", coaching: "", lab: "" };

beforeAll(async () => {
  const creator = await writeGptLabPerson(`sk-creator-${randomUUID()}`);
  person = await writeGptLabPerson(apiKey);
  const bot = (name: string, extra: Partial<Parameters<typeof writeGptLabBot>[0]>) =>
    writeGptLabBot({
      name: `${word} ${name}`,
      tagLine: `${name} from GPT Lab`,
      sessionType: 2,
      creatorUserId: creator.userId,
      model: "gpt-4o-mini",
      instructions: `You are the ${name}.`,
      showcased: true,
      ...extra,
    });
  const [used, unused, retired, own] = await Promise.all([
    bot("Socratic Tutor", { sessionsStarted: 41 }),
    bot("Cover Letter Coach", { sessionType: 3 }),
    bot("Legacy Poet", { model: RETIRED }),
    bot("Personal Planner", { creatorUserId: person.userId, showcased: false, model: RETIRED, sessionType: 3 }),
  ]);
  showcased = [used, unused, retired].map(({ id, name }) => ({ id, name }));
  ownBotId = own.id;

  conversations.brainstorm = await writeGptLabSession({
    person,
    bot: { id: used.id, sessionType: 2, model: RETIRED, instructions: used.instructions },
    transcript: [
      { role: "assistant", text: "Hi! What shall we think about today?" },
      { role: "user", text: "Why is the sky blue? Tell me like I'm five – s'il vous plaît ☀️" },
      { role: "assistant", text: "Sunlight bumps into air, and blue light bounces around the most." },
    ],
    userLiked: 1,
    startedAt: 1_683_200_000,
  });
  conversations.coaching = await writeGptLabSession({
    person,
    bot: { id: own.id, sessionType: 3, model: RETIRED, instructions: own.instructions },
    transcript: [
      { role: "assistant", text: "Let's plan your week." },
      { role: "user", text: "I have three deadlines." },
      { role: "assistant", text: "Which one is first?" },
      { role: "user", text: "The report on Tuesday." },
      { role: "assistant", text: "Then Monday is for the report." },
      { role: "user", text: "And the talk on Friday?" },
      { role: "assistant", text: "Thursday evening, a rehearsal." },
    ],
    context: { summary: "The person has three deadlines; the report is due Tuesday.", keep: 4 },
    startedAt: 1_683_300_000,
  });
  conversations.lab = await writeGptLabSession({
    person,
    bot: null,
    transcript: [
      { role: "assistant", text: "Test drive: hello." },
      { role: "user", text: "Does my prompt work?" },
      { role: "assistant", text: "It does." },
    ],
    startedAt: 1_683_400_000,
  });
  await migrate({ steps: migrationStepsFor([...showcased.map((b) => b.id), ownBotId]) });
});

type SessionPage = {
  session: { botName: string; rating: string | null; model: string; unreadable: boolean };
  messages: { role: string; content: string }[];
  modelNotes: string[];
};

/** A session's page as its owner opens it. */
async function sessionPage(owner: Person, sessionId: string): Promise<SessionPage> {
  const page = await run(() =>
    sessionLoader({ request: owner.request(`/sessions/${sessionId}`), params: { sessionId }, context: {} }),
  );
  expect(page.status).toBe(200);
  return page.data as SessionPage;
}

/** Every showcased assistant in the default gallery, page by page, as a visitor sees it. */
async function defaultGallery(): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    const query = after ? `?after=${after}` : "";
    const data = (
      await run(() =>
        galleryLoader({ request: new Request(`http://localhost/assistants${query}`), params: {}, context: {} }),
      )
    ).data as { page: { bots: { id: string }[]; nextCursor: string | null } };
    ids.push(...data.page.bots.map((b) => b.id));
    if (!data.page.nextCursor) break;
    after = data.page.nextCursor;
  }
  return ids;
}

describe("a GPT Lab database, after `npm run migrate`", () => {
  test("every showcased assistant is in the default gallery, in search and in /v1/models, used or not", async () => {
    const ids = showcased.map((bot) => bot.id);
    await vi.waitFor(async () => expect(await defaultGallery()).toEqual(expect.arrayContaining(ids)));
    const found = await listShowcasedBots({ sort: "popular", search: word, limit: 10 });
    expect(found.bots.map((bot) => bot.id).sort()).toEqual([...ids].sort());
    for (const bot of showcased) {
      const byName = await listShowcasedBots({ sort: "popular", search: bot.name.split(" ").at(-1)!, limit: 100 });
      expect(byName.bots.map((b) => b.id)).toContain(bot.id);
    }
    const stranger = `sk-stranger-${randomUUID()}`;
    const response = (await modelsLoader({
      request: new Request("http://localhost/v1/models", { headers: { Authorization: `Bearer ${stranger}` } }),
      params: {},
      context: { clientAddress: randomUUID() },
    })) as Response;
    const models = ((await response.json()) as { data: { id: string }[] }).data.map((model) => model.id);
    expect(models).toEqual(expect.arrayContaining(ids));
  });

  test("a second run of the migration changes nothing", async () => {
    const again = await migrate({ steps: migrationStepsFor([...showcased.map((b) => b.id), ownBotId]) });
    expect(again.map((step) => step.changed)).toEqual(again.map(() => 0));
  });
});

describe("a GPT Lab person signing in with their key", () => {
  let signedIn: Person;
  beforeAll(async () => {
    const started = performance.now();
    signedIn = await signInWithKey(apiKey);
    console.log(
      `first sign-in of a GPT Lab person with 3 conversations (13 messages), PBKDF2 and re-encryption included: ${Math.round(performance.now() - started)} ms`,
    );
  });

  test("is the same person: their assistants are theirs", async () => {
    expect(signedIn.userId).toBe(person.userId);
    const mine = await run(() =>
      galleryLoader({ request: signedIn.request("/assistants?tab=mine"), params: {}, context: {} }),
    );
    expect((mine.data as { own: { id: string }[] }).own.map((bot) => bot.id)).toEqual([ownBotId]);
  });

  test("finds their conversations in history, with their assistants' names and titles", async () => {
    const history = await run(() => historyLoader({ request: signedIn.request("/sessions"), params: {}, context: {} }));
    const listed = (history.data as { sessions: { id: string; botName: string; title: string }[] }).sessions;
    const byId = new Map(listed.map((session) => [session.id, session]));
    expect(byId.get(conversations.brainstorm)).toMatchObject({
      botName: `${word} Socratic Tutor`,
      title: "Why is the sky blue? Tell me like I'm five – s'il vous plaît ☀️",
    });
    expect(byId.get(conversations.coaching)).toMatchObject({
      botName: `${word} Personal Planner`,
      title: "I have three deadlines.",
    });
    expect(byId.get(conversations.lab)).toMatchObject({ botName: "Lab test drive" });
    // Newest first, as GPT Lab listed them.
    const order = listed.map((session) => session.id).filter((id) => Object.values(conversations).includes(id));
    expect(order).toEqual([conversations.lab, conversations.coaching, conversations.brainstorm]);
  });

  test("reads an old conversation: every message in order, its rating, and the model it now runs on", async () => {
    const data = await sessionPage(signedIn, conversations.brainstorm);
    expect(data.session).toMatchObject({ botName: `${word} Socratic Tutor`, rating: "up", unreadable: false });
    expect(data.messages.map((message) => [message.role, message.content])).toEqual([
      ["assistant", "Hi! What shall we think about today?"],
      ["user", "Why is the sky blue? Tell me like I'm five – s'il vous plaît ☀️"],
      ["assistant", "Sunlight bumps into air, and blue light bounces around the most."],
    ]);
    expect(data.session.model).not.toBe(RETIRED);
    expect(data.modelNotes).toContain(
      `${RETIRED} is not available to your API key, so this chat uses ${data.session.model}.`,
    );
  });

  test("continues an old conversation in the web chat, with its context, on a model the key has", async () => {
    const events = await say(signedIn, conversations.brainstorm, "And why are sunsets red?");
    expect(events.at(-1)).toMatchObject({ type: "done" });
    expect(replyText(events)).not.toBe("");
    const sent = lastSentWith(apiKey);
    expect(sent.model).not.toBe(RETIRED);
    expect(sent.messages.map((message) => [message.role, message.content])).toEqual([
      ["system", "You are the Socratic Tutor."],
      ["assistant", "Hi! What shall we think about today?"],
      ["user", "Why is the sky blue? Tell me like I'm five – s'il vous plaît ☀️"],
      ["assistant", "Sunlight bumps into air, and blue light bounces around the most."],
      ["user", "And why are sunsets red?"],
    ]);
    const session = (await getOwnSession(signedIn.caller, conversations.brainstorm))!;
    const transcript = await listMessages(signedIn.caller, session);
    expect(transcript.map((message) => message.content).slice(-2)).toEqual([
      "And why are sunsets red?",
      replyText(events),
    ]);
  });

  test("reads and continues a test drive from GPT Lab's lab, which ran with no assistant", async () => {
    const data = await sessionPage(signedIn, conversations.lab);
    expect(data.session.botName).toBe("Lab test drive");
    // GPT Lab recorded no messages for a test drive: its saved context is the transcript.
    expect(data.messages.map((message) => message.content)).toEqual([
      "Test drive: hello.",
      "Does my prompt work?",
      "It does.",
    ]);
    const events = await say(signedIn, conversations.lab, "Thanks!");
    expect(events.at(-1)).toMatchObject({ type: "done" });
    expect(lastSentWith(apiKey).messages.at(-2)).toEqual({ role: "assistant", content: "It does." });
    // No assistant is its model, so the API sends it back to the web chat, saying why.
    const viaApi = await apiCompletion(
      signedIn,
      { model: showcased[0]!.id, messages: [{ role: "user", content: "Hi" }] },
      conversations.lab,
    );
    expect(viaApi.status).toBe(400);
    expect(((await viaApi.json()) as { error: { message: string } }).error.message).toContain(
      "continue it in the web chat",
    );
    const concluded = await run(() =>
      sessionAction({
        request: signedIn.form(`/sessions/${conversations.lab}`, { intent: "conclude" }),
        params: { sessionId: conversations.lab },
        context: {},
      }),
    );
    expect(concluded.status).toBeLessThan(400);
    expect((await getOwnSession(signedIn.caller, conversations.lab))?.status).toBe(STATUS.completed);
  });

  test("continues a condensed coaching conversation through the API, from GPT Lab's summary and kept turns", async () => {
    const response = await apiCompletion(
      signedIn,
      { model: ownBotId, messages: [{ role: "user", content: "What about Wednesday?" }] },
      conversations.coaching,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Assistant-Lab-Note")).toMatch(
      new RegExp(`^${RETIRED.replaceAll(".", "\\.")} is not available to your API key, so this chat uses `),
    );
    await response.json();
    const sent = lastSentWith(apiKey);
    expect(sent.model).not.toBe(RETIRED);
    expect(sent.messages.map((message) => [message.role, message.content])).toEqual([
      ["system", "You are the Personal Planner."],
      ["system", "Summary of the conversation so far:\nThe person has three deadlines; the report is due Tuesday."],
      ["user", "The report on Tuesday."],
      ["assistant", "Then Monday is for the report."],
      ["user", "And the talk on Friday?"],
      ["assistant", "Thursday evening, a rehearsal."],
      ["user", "What about Wednesday?"],
    ]);
  });

  test("leaves no GPT Lab ciphertext of theirs, no GPT Lab identity and no key in the database", async () => {
    const stored = await allDocuments(db());
    const theirs = stored.filter(
      (doc) =>
        Object.values(conversations).some((id) => doc.path.startsWith(`sessions/${id}`)) ||
        doc.path === `users/${person.userId}`,
    );
    expect(theirs.length).toBeGreaterThan(13);
    const dump = JSON.stringify(stored);
    expect(dump).not.toContain(apiKey);
    expect(dump).not.toContain(person.hash);
    for (const doc of theirs) {
      for (const [field, value] of Object.entries(doc.data)) {
        expect(value instanceof Uint8Array, `${doc.path}#${field} holds bytes`).toBe(false);
        expect(typeof value === "string" && value.startsWith("gAAAAA"), `${doc.path}#${field} is Fernet`).toBe(false);
      }
    }
    for (const id of Object.values(conversations)) {
      expect((await db().collection("sessions").doc(id).get()).get("session_schema_version")).toBe(2);
    }
  });
});

describe("an assistant on a retired model", () => {
  test("falls back to a model the key has, saying so, in the web chat and in the API", async () => {
    const someone = await signInWithKey(`sk-retired-${randomUUID()}`);
    const legacy = showcased[2]!;
    const sessionId = await startSessionFor(someone, legacy.id);
    const data = await sessionPage(someone, sessionId);
    expect(data.session.model).not.toBe(RETIRED);
    expect(data.modelNotes).toContain(
      `${RETIRED} is not available to your API key, so this chat uses ${data.session.model}.`,
    );
    await say(someone, sessionId, "Write me a haiku.");
    expect(lastSentWith(someone.apiKey).model).toBe(data.session.model);

    const response = await apiCompletion(someone, { model: legacy.id, messages: [{ role: "user", content: "Hi" }] });
    expect(response.status).toBe(200);
    await response.json();
    expect(response.headers.get("X-Assistant-Lab-Note")).toBe(
      `${RETIRED} is not available to your API key, so this chat uses ${lastSentWith(someone.apiKey).model}.`,
    );
    // Nothing was sent on the retired model (the fake refuses it, as the real provider does).
    const sentModels = fakeProvider.requests
      .filter((request) => request.apiKey === someone.apiKey)
      .map((request) => (request.body as { model?: string } | null)?.model);
    expect(sentModels).not.toContain(RETIRED);
  });
});
