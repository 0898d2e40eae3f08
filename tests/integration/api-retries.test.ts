import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getOwnSession, listOwnSessions } from "~/models/sessions.server";
import { listUsageDays } from "~/models/usage.server";
import { isoDay } from "~/models/usage-summary";
import { startAppServer, thisProcessSecrets, type AppServer } from "../setup/app-server";
import { createTestBot, transcriptOf } from "../setup/chat";
import { startFakeProvider, type FakeProvider } from "../fakes/openai-server";
import { signedInPerson, type Person } from "../setup/people";

// Safe retries on /v1: a call that fails leaves nothing behind but what it
// cost, so the official client's own retries (it retries a 502 twice by
// default) behave as if the failed attempts never happened.

let server: AppServer;
let botId: string;
let owner: Person;
// Its own provider, whose slow replies take a second or two: long enough to repeat a call while it runs.
let fakeProvider: FakeProvider;

beforeAll(async () => {
  fakeProvider = await startFakeProvider({ chunkDelayMs: 1, slowChunkDelayMs: 40 });
  server = await startAppServer({ OPENAI_BASE_URL: fakeProvider.url, ...thisProcessSecrets() });
  owner = await signedInPerson();
  botId = (await createTestBot(owner, { instructions: "You answer retries.", model: "gpt-4o-mini" })).id;
});

afterAll(async () => {
  await server?.stop();
  await fakeProvider?.close();
});

/** A person of their own (their sessions and usage are only this test's) with a client that retries as shipped. */
async function caller(maxRetries = 2) {
  const person = await signedInPerson();
  const client = new OpenAI({ apiKey: person.apiKey, baseURL: `${server.url}/v1`, maxRetries });
  return { person, client };
}

const providerCallsFor = (person: Person) =>
  fakeProvider.requests.filter(
    (request) => request.apiKey === person.apiKey && request.path === "/v1/chat/completions",
  );

async function sessionsOf(person: Person) {
  return (await listOwnSessions(person.caller, { limit: 50 })).sessions;
}

async function todaysTokens(person: Person): Promise<number> {
  const days = await listUsageDays(person.caller, isoDay(new Date()));
  return days.reduce((sum, day) => sum + day.tokens, 0);
}

describe("a call the provider fails", () => {
  test("before answering starts no session and costs nothing", async () => {
    const { person, client } = await caller(0);
    const failed = await client.chat.completions
      .create({ model: botId, messages: [{ role: "user", content: "[fake:500] are you there?" }] })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect(providerCallsFor(person)).toHaveLength(1);
    expect(await sessionsOf(person)).toEqual([]);
    expect(await todaysTokens(person)).toBe(0);
  });

  test("in a session leaves the session as it was, free for the next call", async () => {
    const { person, client } = await caller(0);
    const { response } = await client.chat.completions
      .create({ model: botId, messages: [{ role: "user", content: "first words" }] })
      .withResponse();
    const sessionId = response.headers.get("x-session-id")!;
    const before = (await getOwnSession(person.caller, sessionId))!;
    const headers = { "X-Session-Id": sessionId };

    await expect(
      client.chat.completions.create(
        { model: botId, messages: [{ role: "user", content: "[fake:500] lost words" }] },
        { headers },
      ),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);

    const after = (await getOwnSession(person.caller, sessionId))!;
    expect(after.message_count).toBe(before.message_count);
    expect(after.context).toEqual(before.context);
    expect(after.title).toBe(before.title);
    expect((await transcriptOf(person, sessionId)).map((message) => message.content)).not.toContainEqual(
      expect.stringContaining("lost words"),
    );
    // The lease went back with the failure: the next call is not told the session is busy.
    const next = await client.chat.completions.create(
      { model: botId, messages: [{ role: "user", content: "second words" }] },
      { headers },
    );
    expect(next.choices[0]!.message.content).toContain("second words");
    expect((await getOwnSession(person.caller, sessionId))!.message_count).toBe(4);
  });

  test("part-way through a stream leaves no message, and counts what was streamed", async () => {
    const { person, client } = await caller(0);
    const stream = await client.chat.completions.create({
      model: botId,
      messages: [{ role: "user", content: "[fake:cut] a long story" }],
      stream: true,
    });
    const received: string[] = [];
    const failed = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta?.content ?? "");
    })().catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect(received.join("")).not.toBe("");
    expect(await sessionsOf(person)).toEqual([]);
    // The provider charged for the words it streamed: that cost is the one thing the call leaves.
    expect(await todaysTokens(person)).toBeGreaterThan(0);
  });
});

describe("the client's own retries", () => {
  test("a new conversation whose provider fails twice is one session with one copy of the message", async () => {
    const { person, client } = await caller();
    const { data, response } = await client.chat.completions
      .create({ model: botId, messages: [{ role: "user", content: "[fake:500x2] hello through the storm" }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toContain("hello through the storm");
    expect(providerCallsFor(person)).toHaveLength(3);

    const sessions = await sessionsOf(person);
    expect(sessions.map((session) => session.id)).toEqual([response.headers.get("x-session-id")]);
    const transcript = await transcriptOf(person, sessions[0]!.id);
    expect(transcript.map((message) => message.role)).toEqual(["user", "assistant"]);
    expect(sessions[0]!.message_count).toBe(2);
  });

  test("a continued session whose provider fails twice holds the message once", async () => {
    const { person, client } = await caller();
    const { response } = await client.chat.completions
      .create({ model: botId, messages: [{ role: "user", content: "opening line" }] })
      .withResponse();
    const sessionId = response.headers.get("x-session-id")!;

    const reply = await client.chat.completions.create(
      { model: botId, messages: [{ role: "user", content: "[fake:500x2] the line that was retried" }] },
      { headers: { "X-Session-Id": sessionId } },
    );
    expect(reply.choices[0]!.message.content).toContain("the line that was retried");

    const transcript = await transcriptOf(person, sessionId);
    expect(transcript.map((message) => message.role)).toEqual(["user", "assistant", "user", "assistant"]);
    const asked = transcript.filter((message) => message.role === "user" && message.content?.includes("was retried"));
    expect(asked).toHaveLength(1);
    const session = (await getOwnSession(person.caller, sessionId))!;
    expect(session.message_count).toBe(4);
    expect(session.context.turns.map((turn) => turn.role)).toEqual(["user", "assistant", "user", "assistant"]);
  });
});

describe("Idempotency-Key", () => {
  const keyed = (key: string, more: Record<string, string> = {}) => ({ headers: { "Idempotency-Key": key, ...more } });

  test("a repeated call gets the stored answer, and the provider is called once", async () => {
    const { person, client } = await caller(0);
    const body = { model: botId, messages: [{ role: "user" as const, content: "answer me once" }] };
    const first = await client.chat.completions.create(body, keyed("key-1")).withResponse();
    const again = await client.chat.completions.create(body, keyed("key-1")).withResponse();

    expect(again.data).toEqual(first.data);
    expect(again.response.headers.get("idempotent-replayed")).toBe("true");
    expect(first.response.headers.get("idempotent-replayed")).toBeNull();
    expect(again.response.headers.get("x-session-id")).toBe(first.response.headers.get("x-session-id"));
    expect(providerCallsFor(person)).toHaveLength(1);
    const sessions = await sessionsOf(person);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.message_count).toBe(2);
  });

  test("a repeated stream is streamed again from the stored answer", async () => {
    const { person, client } = await caller(0);
    const body = {
      model: botId,
      messages: [{ role: "user" as const, content: "stream me once" }],
      stream: true as const,
      stream_options: { include_usage: true },
    };
    const read = async () => {
      let text = "";
      let usage: unknown = null;
      for await (const chunk of await client.chat.completions.create(body, keyed("stream-key"))) {
        text += chunk.choices[0]?.delta?.content ?? "";
        usage = chunk.usage ?? usage;
      }
      return { text, usage };
    };
    const first = await read();
    const again = await read();
    expect(first.text).toContain("stream me once");
    expect(again).toEqual(first);
    expect(providerCallsFor(person)).toHaveLength(1);
  });

  test("a key used for another request is refused with 422, and nothing runs", async () => {
    const { person, client } = await caller(0);
    await client.chat.completions.create(
      { model: botId, messages: [{ role: "user", content: "the first request" }] },
      keyed("reused"),
    );
    const reused = await client.chat.completions
      .create({ model: botId, messages: [{ role: "user", content: "another request" }] }, keyed("reused"))
      .catch((error: unknown) => error);
    expect(reused).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    expect((reused as InstanceType<typeof OpenAI.APIError>).code).toBe("idempotency_key_reused");
    expect(providerCallsFor(person)).toHaveLength(1);
  });

  test("a key whose call failed is free again: the retry runs", async () => {
    const { person, client } = await caller(0);
    const body = { model: botId, messages: [{ role: "user" as const, content: "[fake:500x1] second time lucky" }] };
    await expect(client.chat.completions.create(body, keyed("after-failure"))).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
    const retried = await client.chat.completions.create(body, keyed("after-failure"));
    expect(retried.choices[0]!.message.content).toContain("second time lucky");
    expect(providerCallsFor(person)).toHaveLength(2);
    expect(await sessionsOf(person)).toHaveLength(1);
  });

  test("a repeat while the first call still runs is told to wait", async () => {
    const { client } = await caller(0);
    const body = { model: botId, messages: [{ role: "user" as const, content: "[fake:slow] take your time" }] };
    const first = client.chat.completions.create(body, keyed("busy-key"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const repeat = await client.chat.completions.create(body, keyed("busy-key")).catch((error: unknown) => error);
    expect(repeat).toBeInstanceOf(OpenAI.ConflictError);
    expect((repeat as InstanceType<typeof OpenAI.APIError>).code).toBe("idempotency_key_in_use");
    expect((repeat as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after")).toMatch(/^\d+$/);
    expect((await first).choices[0]!.message.content).toContain("take your time");
  });

  test("keys are each person's own: the same key from someone else is a new request", async () => {
    const one = await caller(0);
    const other = await caller(0);
    const body = { model: botId, messages: [{ role: "user" as const, content: "same words, same key" }] };
    const mine = await one.client.chat.completions.create(body, keyed("shared-key")).withResponse();
    const theirs = await other.client.chat.completions.create(body, keyed("shared-key")).withResponse();
    expect(theirs.response.headers.get("idempotent-replayed")).toBeNull();
    expect(theirs.response.headers.get("x-session-id")).not.toBe(mine.response.headers.get("x-session-id"));
    expect(providerCallsFor(other.person)).toHaveLength(1);
  });

  test("a malformed key is refused by name", async () => {
    const { client } = await caller(0);
    const refused = await client.chat.completions
      .create({ model: botId, messages: [{ role: "user", content: "hi" }] }, keyed("x".repeat(256)))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).code).toBe("invalid_idempotency_key");
  });

  test("with the client's own retries, a provider failing twice still answers once", async () => {
    const { person, client } = await caller(2);
    const body = { model: botId, messages: [{ role: "user" as const, content: "[fake:500x2] keyed and retried" }] };
    const first = await client.chat.completions.create(body, keyed("retried-key"));
    const repeat = await client.chat.completions.create(body, keyed("retried-key"));
    expect(repeat).toEqual(first);
    expect(providerCallsFor(person)).toHaveLength(3);
    const sessions = await sessionsOf(person);
    expect(sessions).toHaveLength(1);
    expect((await transcriptOf(person, sessions[0]!.id)).map((message) => message.role)).toEqual(["user", "assistant"]);
  });
});
