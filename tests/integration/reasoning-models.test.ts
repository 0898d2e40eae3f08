import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { action as chat } from "~/routes/api.chat";
import { loader as botLoader } from "~/routes/assistants.$botId._index";
import { action as newAction } from "~/routes/assistants.new";
import { action as sessionAction, loader as sessionLoader } from "~/routes/sessions.$sessionId";
import { forgetActiveVersions } from "~/models/bots.server";
import { getOwnSession } from "~/models/sessions.server";
import { db } from "~/utils/db.server";
import { FAKE_CHAT_MODELS } from "../fakes/openai-server";
import { startAppServer, type AppServer, thisProcessSecrets } from "../setup/app-server";
import { chatRequest, collect, createTestBot, replyText, say, startSessionFor } from "../setup/chat";
import { fakeProvider } from "../setup/integration";
import { run, signedInPerson, type Person } from "../setup/people";

// Every chat model the fake provider lists chats, the reasoning ones too: the
// fake refuses their requests in the real API's words when they carry
// max_tokens or sampling settings, as the real API does.

const REASONING = ["o3-mini", "o3", "gpt-5", "gpt-5-mini"];

type Sent = Record<string, unknown>;
const lastSent = (apiKey: string): Sent =>
  fakeProvider.requests.findLast((request) => request.apiKey === apiKey && request.path === "/v1/chat/completions")!
    .body as Sent;

/** An assistant made in the lab, as a person's browser posts it. */
async function createInLab(person: Person, fields: Record<string, string>): Promise<string> {
  const outcome = await run(() =>
    newAction({
      request: person.form("/assistants/new", {
        name: "Thinker",
        tag_line: "Thinks first",
        instructions: "Think, then answer briefly.",
        session_type: "2",
        max_tokens: "300",
        ...fields,
      }),
      params: {},
      context: {},
    }),
  );
  expect(outcome.status).toBe(302);
  return /^\/assistants\/([\w-]+)\?/.exec(outcome.headers.get("Location")!)![1]!;
}

async function assistantPage(person: Person, botId: string) {
  const page = await run(() =>
    botLoader({ request: person.request(`/assistants/${botId}`), params: { botId }, context: {} }),
  );
  return page.data as { defaultModel: string; modelNotes: string[] };
}

async function chatPage(person: Person, sessionId: string) {
  const page = await run(() =>
    sessionLoader({ request: person.request(`/sessions/${sessionId}`), params: { sessionId }, context: {} }),
  );
  return page.data as { session: { model: string }; modelNotes: string[] };
}

/** What an assistant saved before its model changed family holds: the model config is rewritten in place. */
async function changeModel(botId: string, model: string) {
  const bot = (await db().collection("bots").doc(botId).get()).data()!;
  await db()
    .collection("bots")
    .doc(botId)
    .collection("model_configs")
    .doc(bot.active_model_config_id)
    .update({ "config.model": model });
  // Changed in place, as no edit through the app does: the versions this process keeps must be read again.
  forgetActiveVersions();
}

describe("the web chat", () => {
  test.each(FAKE_CHAT_MODELS)(
    "an assistant on %s answers, and a coaching session concludes with a recap",
    async (model) => {
      const person = await signedInPerson();
      const bot = await createTestBot(person, { model, temperature: "0.7", max_tokens: "300" });
      const sessionId = await startSessionFor(person, bot.id, model);
      const events = await say(person, sessionId, `Hello ${model}`);
      expect(events.find((event) => event.type === "error")).toBeUndefined();
      expect(replyText(events)).toContain(`Hello ${model}`);
      const sent = lastSent(person.apiKey);
      if (REASONING.includes(model)) {
        expect(sent).toMatchObject({ model, max_completion_tokens: 300 });
        expect(sent).not.toHaveProperty("temperature");
        expect(sent).not.toHaveProperty("max_tokens");
      } else {
        expect(sent).toMatchObject({ model, max_tokens: 300, temperature: 0.7 });
      }

      await say(person, sessionId, "And once more");
      const concluded = await run(() =>
        sessionAction({
          request: person.form(`/sessions/${sessionId}`, { intent: "conclude" }),
          params: { sessionId },
          context: {},
        }),
      );
      expect(concluded.data).toEqual({ error: null });
      expect((await getOwnSession(person.caller, sessionId))!.recap).toBeTruthy();
    },
  );

  test("a test drive of unsaved settings on a reasoning model streams a reply", async () => {
    const person = await signedInPerson();
    const draft = {
      instructions: "Be brief.",
      session_type: 2,
      model: "gpt-5-mini",
      max_tokens: "200",
      temperature: "0.4",
      top_p: "0.9",
      frequency_penalty: "0.3",
      presence_penalty: "0.2",
    };
    const response = (await chat({
      request: chatRequest(person, { mode: "draft", draft, messages: [{ role: "user", content: "Try me" }] }),
      params: {},
      context: {},
    })) as Response;
    const events = await collect(response);
    expect(events.find((event) => event.type === "error")).toBeUndefined();
    expect(replyText(events)).toContain("Try me");
  });
});

describe("reasoning effort and the instructions' role", () => {
  test("a reasoning assistant's effort reaches the provider, with its instructions as a developer message", async () => {
    const person = await signedInPerson();
    const botId = await createInLab(person, { model: "gpt-5-mini", reasoning_effort: "minimal" });
    const sessionId = await startSessionFor(person, botId);
    const events = await say(person, sessionId, "Think about this");
    expect(events.find((event) => event.type === "error")).toBeUndefined();
    expect(replyText(events)).toContain("Think about this");
    const sent = lastSent(person.apiKey);
    expect(sent).toMatchObject({ model: "gpt-5-mini", reasoning_effort: "minimal", max_completion_tokens: 300 });
    expect((sent.messages as { role: string }[])[0]).toEqual({
      role: "developer",
      content: "Think, then answer briefly.",
    });
    expect((await chatPage(person, sessionId)).modelNotes).toEqual([]);
  });

  test("without an effort a reasoning model gets none, and runs at its own default", async () => {
    const person = await signedInPerson();
    const botId = await createInLab(person, { model: "o3" });
    await say(person, await startSessionFor(person, botId), "Hello");
    expect(lastSent(person.apiKey)).not.toHaveProperty("reasoning_effort");
  });

  test("a standard assistant keeps its system message and gets no effort", async () => {
    const person = await signedInPerson();
    const botId = await createInLab(person, {
      model: "gpt-4o",
      temperature: "0.7",
      top_p: "1",
      frequency_penalty: "0",
      presence_penalty: "0",
    });
    await say(person, await startSessionFor(person, botId), "Hello");
    const sent = lastSent(person.apiKey);
    expect(sent).not.toHaveProperty("reasoning_effort");
    expect((sent.messages as { role: string }[])[0]).toMatchObject({ role: "system" });
  });

  test("a test drive carries its reasoning effort; one nobody takes is refused with a clear message", async () => {
    const person = await signedInPerson();
    const draft = { instructions: "Be brief.", session_type: 2, model: "gpt-5-mini", max_tokens: "200" };
    const neutral = { temperature: "1", top_p: "1", frequency_penalty: "0", presence_penalty: "0" };
    const drive = (extra: Record<string, unknown>) =>
      chat({
        request: chatRequest(person, {
          mode: "draft",
          draft: { ...draft, ...neutral, ...extra },
          messages: [{ role: "user", content: "Try me" }],
        }),
        params: {},
        context: {},
      });
    const events = await collect((await drive({ reasoning_effort: "minimal" })) as Response);
    expect(replyText(events)).toContain("Try me");
    expect(lastSent(person.apiKey)).toMatchObject({ reasoning_effort: "minimal" });

    const refused = await run(() => drive({ reasoning_effort: "extreme" }));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.data)).toContain("Choose a reasoning effort from the list.");
  });
});

describe("an assistant whose model changed family", () => {
  test("moved to a reasoning model, it chats without its sampling settings, and its page says so", async () => {
    const person = await signedInPerson();
    const botId = await createInLab(person, {
      model: "gpt-4o",
      temperature: "0.7",
      top_p: "0.9",
      frequency_penalty: "0",
      presence_penalty: "0",
    });
    await changeModel(botId, "o3");
    const note = "o3 does not take temperature 0.7 or top P 0.9: they are left out.";
    expect((await assistantPage(person, botId)).modelNotes).toEqual([note]);

    const sessionId = await startSessionFor(person, botId);
    const events = await say(person, sessionId, "Still there?");
    expect(events.find((event) => event.type === "error")).toBeUndefined();
    const sent = lastSent(person.apiKey);
    expect(sent).toMatchObject({ model: "o3", max_completion_tokens: 300 });
    for (const setting of ["temperature", "top_p", "max_tokens"]) expect(sent).not.toHaveProperty(setting);
    expect((await chatPage(person, sessionId)).modelNotes).toEqual([note]);
  });

  test("run on a model that does not take its reasoning effort, it chats without it, and the chat says so", async () => {
    const person = await signedInPerson();
    const botId = await createInLab(person, { model: "gpt-5-mini", reasoning_effort: "minimal" });
    const sessionId = await startSessionFor(person, botId, "o3");
    const events = await say(person, sessionId, "Quickly");
    expect(events.find((event) => event.type === "error")).toBeUndefined();
    expect(lastSent(person.apiKey)).not.toHaveProperty("reasoning_effort");
    expect((await chatPage(person, sessionId)).modelNotes).toEqual([
      "o3 does not take reasoning effort minimal: it is left out.",
    ]);

    await changeModel(botId, "gpt-4o");
    expect((await assistantPage(person, botId)).modelNotes).toEqual([
      "gpt-4o does not take reasoning effort minimal: it is left out.",
    ]);
    await say(person, await startSessionFor(person, botId), "And now?");
    expect(lastSent(person.apiKey)).toMatchObject({ model: "gpt-4o" });
    expect(lastSent(person.apiKey)).not.toHaveProperty("reasoning_effort");
  });
});

describe("a model the key cannot use", () => {
  test("a chat falls back to one of the same family the key has, and says so", async () => {
    const creator = await signedInPerson();
    const botId = await createInLab(creator, { model: "gpt-5-mini", reasoning_effort: "low" });
    const person = await signedInPerson(["gpt-4o-mini", "o3"]);

    const page = await assistantPage(person, botId);
    expect(page.defaultModel).toBe("o3");
    expect(page.modelNotes).toEqual([
      "gpt-5-mini is not available to your API key: a chat uses o3 instead, unless you pick another.",
    ]);

    const sessionId = await startSessionFor(person, botId);
    const chatted = await chatPage(person, sessionId);
    expect(chatted.session.model).toBe("o3");
    expect(chatted.modelNotes).toEqual(["gpt-5-mini is not available to your API key, so this chat uses o3."]);
    const events = await say(person, sessionId, "Hello");
    expect(events.find((event) => event.type === "error")).toBeUndefined();
    expect(lastSent(person.apiKey)).toMatchObject({ model: "o3", reasoning_effort: "low" });
  });

  test("a model the person picks is used, and the chat still says why it is not the assistant's", async () => {
    const creator = await signedInPerson();
    const botId = await createInLab(creator, { model: "gpt-5-mini" });
    const person = await signedInPerson(["gpt-4o-mini", "o3"]);
    const sessionId = await startSessionFor(person, botId, "gpt-4o-mini");
    expect((await chatPage(person, sessionId)).modelNotes).toEqual([
      "gpt-5-mini is not available to your API key, so this chat uses gpt-4o-mini.",
    ]);
  });

  test("the creator, whose key has the model, gets no note", async () => {
    const creator = await signedInPerson();
    const botId = await createInLab(creator, { model: "gpt-5-mini" });
    expect((await assistantPage(creator, botId)).modelNotes).toEqual([]);
    expect((await chatPage(creator, await startSessionFor(creator, botId))).modelNotes).toEqual([]);
  });
});

describe("the OpenAI-compatible API", () => {
  let server: AppServer;
  let client: OpenAI;
  let botId: string;
  let person: Person;

  beforeAll(async () => {
    const secrets = thisProcessSecrets();
    server = await startAppServer({ OPENAI_BASE_URL: fakeProvider.url, ...secrets });
    person = await signedInPerson();
    botId = (
      await createTestBot(person, {
        model: "gpt-5-mini",
        temperature: "0.9",
        max_tokens: "200",
        session_type: "2",
        reasoning_effort: "low",
      })
    ).id;
    client = new OpenAI({ apiKey: person.apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => server.stop());

  test.each(FAKE_CHAT_MODELS)("an assistant on %s answers through the API, streamed, with usage", async (model) => {
    const bot = await createTestBot(person, { model, temperature: "0.7", max_tokens: "300", session_type: "2" });
    const stream = await client.chat.completions.create({
      model: bot.id,
      messages: [{ role: "user", content: `API hello ${model}` }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toContain(`API hello ${model}`);
    expect(usage?.total_tokens).toBeGreaterThan(0);
    const sent = lastSent(person.apiKey);
    expect(sent).toMatchObject(
      REASONING.includes(model) ? { model, max_completion_tokens: 300 } : { model, max_tokens: 300, temperature: 0.7 },
    );
  });

  test("an assistant on gpt-5-mini answers in one piece and streamed", async () => {
    const completion = await client.chat.completions.create({
      model: botId,
      messages: [{ role: "user", content: "Whole answer" }],
      max_tokens: 100,
    });
    expect(completion.choices[0]?.message.content).toContain("Whole answer");
    const sent = lastSent(person.apiKey);
    expect(sent).toMatchObject({ model: "gpt-5-mini", reasoning_effort: "low", max_completion_tokens: 100 });
    expect((sent.messages as { role: string }[])[0]).toMatchObject({ role: "developer" });
    const stream = await client.chat.completions.create({
      model: botId,
      messages: [{ role: "user", content: "Streamed answer" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toContain("Streamed answer");
  });

  test("a key without the assistant's model is answered by the closest one it has, and the response says so", async () => {
    const other = await signedInPerson(["gpt-4o-mini", "o3"]);
    const otherClient = new OpenAI({ apiKey: other.apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
    const { data, response } = await otherClient.chat.completions
      .create({ model: botId, messages: [{ role: "user", content: "Who answers?" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toContain("Who answers?");
    expect(lastSent(other.apiKey)).toMatchObject({ model: "o3", reasoning_effort: "low" });
    expect(response.headers.get("X-Assistant-Lab-Note")).toBe(
      "gpt-5-mini is not available to your API key, so this chat uses o3.",
    );
    // The session continues on the model it started with, and keeps saying why.
    const sessionId = response.headers.get("X-Session-Id")!;
    const again = await otherClient.chat.completions
      .create(
        { model: botId, messages: [{ role: "user", content: "Still you?" }] },
        { headers: { "X-Session-Id": sessionId } },
      )
      .withResponse();
    expect(lastSent(other.apiKey)).toMatchObject({ model: "o3" });
    expect(again.response.headers.get("X-Assistant-Lab-Note")).toContain("uses o3");
  });
});
