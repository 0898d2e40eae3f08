import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getOwnSession } from "~/models/sessions.server";
import { db } from "~/utils/db.server";
import { createTestBot, transcriptOf } from "../setup/chat";
import { fakeProvider } from "../setup/integration";
import { signedInPerson, type Person } from "../setup/people";
import { startAppServer, type AppServer, thisProcessSecrets } from "../setup/app-server";

// The official openai client against the running app, with the fake provider behind it.

let server: AppServer;
let person: Person;
let botId: string;
let client: OpenAI;

type SentBody = {
  model: string;
  temperature: number;
  max_tokens: number;
  messages: { role: string; content: string }[];
  stream?: boolean;
};

function lastSent(apiKey: string): SentBody {
  return fakeProvider.requests.findLast(
    (request) => request.apiKey === apiKey && request.path === "/v1/chat/completions",
  )!.body as SentBody;
}

beforeAll(async () => {
  server = await startAppServer({
    OPENAI_BASE_URL: fakeProvider.url,
    // The same secrets as this process, so people made here are the same people there.
    ...thisProcessSecrets(),
  });
  person = await signedInPerson();
  const bot = await createTestBot(person, {
    name: "Haiku Bot",
    tag_line: "Speaks in haiku",
    instructions: "Answer only in haiku.",
    temperature: "0.9",
    max_tokens: "200",
    session_type: "2",
  });
  botId = bot.id;
  client = new OpenAI({ apiKey: person.apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

afterAll(() => server.stop());

describe("GET /v1/models", () => {
  test("lists the caller's own assistants and the showcased ones as models", async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    const own = models.find((model) => model.id === botId) as unknown as Record<string, unknown>;
    expect(own).toMatchObject({
      id: botId,
      object: "model",
      owned_by: "assistant-lab",
      name: "Haiku Bot",
      tag_line: "Speaks in haiku",
    });
    expect(models.every((model) => model.object === "model")).toBe(true);
  });
});

describe("POST /v1/chat/completions", () => {
  test("puts the assistant's instructions first and uses its model and temperature", async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ model: botId, messages: [{ role: "user", content: "the sea" }] })
      .withResponse();
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]!.message.content).toContain("the sea");
    const sent = lastSent(person.apiKey);
    expect(sent.messages[0]).toEqual({ role: "system", content: "Answer only in haiku." });
    expect(sent).toMatchObject({ model: "gpt-4o-mini", temperature: 0.9, max_tokens: 200 });

    const sessionId = response.headers.get("x-session-id")!;
    expect(sessionId).toBeTruthy();
    const session = (await getOwnSession(person.caller, sessionId))!;
    expect(session).toMatchObject({ source: "api", bot_id: botId, message_count: 2 });
    expect((await transcriptOf(person, sessionId)).map((message) => message.content?.slice(0, 7))).toEqual([
      "the sea",
      "Thanks ",
    ]);
    // Stored encrypted, like any chat.
    const stored = await db().collection("sessions").doc(sessionId).collection("messages").get();
    expect(JSON.stringify(stored.docs.map((doc) => doc.data()))).not.toContain("the sea");
  });

  test("the caller may lower max_tokens but not raise it past the assistant's", async () => {
    await client.chat.completions.create({
      model: botId,
      messages: [{ role: "user", content: "short" }],
      max_tokens: 50,
    });
    expect(lastSent(person.apiKey).max_tokens).toBe(50);
    await client.chat.completions.create({
      model: botId,
      messages: [{ role: "user", content: "long" }],
      max_tokens: 5_000,
    });
    expect(lastSent(person.apiKey).max_tokens).toBe(200);
  });

  test("streams chunks and the usage chunk when asked, and continues a session by X-Session-Id", async () => {
    const { data: stream, response } = await client.chat.completions
      .create({
        model: botId,
        messages: [{ role: "user", content: "mountains" }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("")).toContain("mountains");
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage?.total_tokens).toBeGreaterThan(0);

    const sessionId = response.headers.get("x-session-id")!;
    await client.chat.completions.create(
      { model: botId, messages: [{ role: "user", content: "and rivers" }] },
      { headers: { "X-Session-Id": sessionId } },
    );
    const sent = lastSent(person.apiKey);
    expect(sent.messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(sent.messages[1]!.content).toBe("mountains");
    const session = (await getOwnSession(person.caller, sessionId))!;
    expect(session.message_count).toBe(4);
  });

  test("errors surface as the SDK's typed errors", async () => {
    const rejected = new OpenAI({ apiKey: "sk-fake-rejected-api", baseURL: `${server.url}/v1`, maxRetries: 0 });
    await expect(
      rejected.chat.completions.create({ model: botId, messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(
      client.chat.completions.create({ model: "no-such-assistant", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const malformed = await client.chat.completions
      .create({ model: botId, messages: [{ role: "wizard", content: "hi" }] } as never)
      .catch((error: unknown) => error);
    expect(malformed).toBeInstanceOf(OpenAI.BadRequestError);
    expect((malformed as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("messages.0.role");
    await expect(
      client.chat.completions.create({ model: botId, messages: [{ role: "user", content: "[fake:429] hi" }] }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  test("another person's session id is refused", async () => {
    const { response } = await client.chat.completions
      .create({ model: botId, messages: [{ role: "user", content: "mine" }] })
      .withResponse();
    const other = await signedInPerson();
    const otherClient = new OpenAI({ apiKey: other.apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
    await expect(
      otherClient.chat.completions.create(
        { model: botId, messages: [{ role: "user", content: "theirs" }] },
        { headers: { "X-Session-Id": response.headers.get("x-session-id")! } },
      ),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe("the wire format, byte for byte", () => {
  async function post(body: unknown) {
    return fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${person.apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  test("a stream is data lines of chunks, a role-only first delta, and [DONE]", async () => {
    const response = await post({ model: botId, messages: [{ role: "user", content: "wire" }], stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("content-encoding")).toBeNull();
    const text = await response.text();
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    const events = text.split("\n\n").filter(Boolean);
    for (const event of events) expect(event).toMatch(/^data: /);
    const chunks = events
      .slice(0, -1)
      .map((event) => JSON.parse(event.slice("data: ".length)) as Record<string, unknown>);
    expect(chunks[0]).toMatchObject({
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
    });
    expect(chunks.at(-1)).toMatchObject({ choices: [{ delta: {}, finish_reason: "stop" }] });
    // Usage was not asked for, so no chunk carries it.
    expect(chunks.some((chunk) => "usage" in chunk)).toBe(false);
  });

  test("with include_usage, the last chunk before [DONE] has empty choices and the usage", async () => {
    const response = await post({
      model: botId,
      messages: [{ role: "user", content: "wire" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const events = (await response.text()).split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const usage = JSON.parse(events.at(-2)!.slice("data: ".length)) as {
      choices: unknown[];
      usage: Record<string, number>;
    };
    expect(usage.choices).toEqual([]);
    expect(Object.keys(usage.usage).sort()).toEqual(["completion_tokens", "prompt_tokens", "total_tokens"]);
  });

  test("errors use OpenAI's shape and status codes", async () => {
    const malformed = await post({ model: botId, messages: [] });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      error: {
        message: expect.stringContaining("messages"),
        type: "invalid_request_error",
        param: "messages",
        code: "invalid_value",
      },
    });
    const unknown = await post({ model: "nope", messages: [{ role: "user", content: "hi" }] });
    expect(unknown.status).toBe(404);
    const slashed = await post({ model: "openai/gpt-4o", messages: [{ role: "user", content: "hi" }] });
    expect(slashed.status).toBe(404);
    expect(await slashed.json()).toMatchObject({ error: { code: "model_not_found" } });
    expect(await unknown.json()).toMatchObject({ error: { type: "invalid_request_error", code: "model_not_found" } });
    const failing = await post({ model: botId, messages: [{ role: "user", content: "[fake:500] hi" }] });
    expect(failing.status).toBe(502);
    expect(await failing.json()).toMatchObject({ error: { code: "provider_error" } });
    const unauthenticated = await fetch(`${server.url}/v1/models`);
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toMatchObject({ error: { type: "invalid_request_error" } });
  });
});
