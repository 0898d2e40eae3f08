import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { action as chat } from "~/routes/api.chat";
import { action as sessionAction } from "~/routes/sessions.$sessionId";
import { getOwnSession } from "~/models/sessions.server";
import { transcriptKey } from "~/utils/transcript-crypto.server";
import { FAKE_CHAT_MODELS } from "../fakes/openai-server";
import { startAppServer, type AppServer } from "../setup/app-server";
import { chatRequest, collect, createTestBot, replyText, say, startSessionFor } from "../setup/chat";
import { fakeProvider } from "../setup/integration";
import { run, signedInPerson } from "../setup/people";

// Every chat model the fake provider lists chats, the reasoning ones too: the
// fake refuses their requests in the real API's words when they carry
// max_tokens or sampling settings, as the real API does.

const REASONING = ["o3-mini", "o3", "gpt-5", "gpt-5-mini"];

type Sent = Record<string, unknown>;
const lastSent = (apiKey: string): Sent =>
  fakeProvider.requests.findLast((request) => request.apiKey === apiKey && request.path === "/v1/chat/completions")!
    .body as Sent;

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

describe("the OpenAI-compatible API", () => {
  let server: AppServer;
  let client: OpenAI;
  let botId: string;

  beforeAll(async () => {
    const secrets = Object.fromEntries(
      ["SESSION_SECRETS", "USER_HASH_SECRET", "ENCRYPTION_SECRET"].map((name) => [name, process.env[name]!]),
    );
    server = await startAppServer({ OPENAI_BASE_URL: fakeProvider.url, ...secrets });
    const person = await signedInPerson();
    botId = (
      await createTestBot(person, { model: "gpt-5-mini", temperature: "0.9", max_tokens: "200", session_type: "2" })
    ).id;
    client = new OpenAI({ apiKey: person.apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => server.stop());

  test("an assistant on gpt-5-mini answers in one piece and streamed", async () => {
    const completion = await client.chat.completions.create({
      model: botId,
      messages: [{ role: "user", content: "Whole answer" }],
      max_tokens: 100,
    });
    expect(completion.choices[0]?.message.content).toContain("Whole answer");
    const stream = await client.chat.completions.create({
      model: botId,
      messages: [{ role: "user", content: "Streamed answer" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toContain("Streamed answer");
  });
});
