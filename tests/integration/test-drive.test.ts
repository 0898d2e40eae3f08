import { BODY_LIMITS } from "~/utils/body-limits";
import { describe, expect, test } from "vitest";
import { action } from "~/routes/api.chat";
import { db } from "~/utils/db.server";
import { fakeProvider } from "../setup/integration";
import { chatRequest, collect } from "../setup/chat";
import { run, signedInPerson } from "../setup/people";

const draft = {
  instructions: "You are a haiku poet.",
  session_type: "2",
  model: "gpt-4o-mini",
  max_tokens: "200",
  temperature: "0.9",
  top_p: "1",
  frequency_penalty: "0",
  presence_penalty: "0",
};

function anonymousRequest(body: unknown) {
  return new Request("http://localhost/api/chat", {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "Content-Type": "application/json" },
  });
}

describe("the test drive", () => {
  test("streams a reply to the lab's unsaved settings and saves nothing", async () => {
    const person = await signedInPerson();
    const botsBefore = (await db().collection("bots").count().get()).data().count;
    const response = (await action({
      request: chatRequest(person, { mode: "draft", draft, messages: [{ role: "user", content: "autumn leaves" }] }),
      params: {},
      context: {},
    })) as Response;
    expect(response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);

    const received = await collect(response);
    const text = received.flatMap((event) => (event.type === "delta" ? [event.text] : [])).join("");
    expect(text).toContain("autumn leaves");
    expect(received.filter((event) => event.type === "delta").length).toBeGreaterThan(5);
    expect(received.at(-2)).toMatchObject({ type: "usage", usage: { prompt_tokens: expect.any(Number) } });
    expect(received.at(-1)).toEqual({
      type: "done",
      finish_reason: "stop",
      interrupted: false,
      message_id: null,
      title: null,
    });

    const sent = fakeProvider.requests.findLast((request) => request.apiKey === person.apiKey)!;
    expect(sent.body).toMatchObject({
      model: "gpt-4o-mini",
      temperature: 0.9,
      max_tokens: 200,
      stream: true,
      messages: [
        { role: "system", content: "You are a haiku poet." },
        { role: "user", content: "autumn leaves" },
      ],
    });
    expect((await db().collection("bots").count().get()).data().count).toBe(botsBefore);
    expect((await db().collection("sessions").where("user_id", "==", person.userId).get()).size).toBe(0);
  });

  test("a provider failure arrives as a typed error event", async () => {
    const person = await signedInPerson();
    const response = (await action({
      request: chatRequest(person, { mode: "draft", draft, messages: [{ role: "user", content: "[fake:429] hi" }] }),
      params: {},
      context: {},
    })) as Response;
    const error = (await collect(response)).find((event) => event.type === "error");
    expect(error).toMatchObject({ error: { code: "rate_limited", retryable: true, retry_after_seconds: 20 } });
  });

  test("a stream cut mid-way keeps what arrived and says so", async () => {
    const person = await signedInPerson();
    const response = (await action({
      request: chatRequest(person, {
        mode: "draft",
        draft,
        messages: [{ role: "user", content: "[fake:cut] tell me" }],
      }),
      params: {},
      context: {},
    })) as Response;
    const received = await collect(response);
    expect(received.some((event) => event.type === "delta")).toBe(true);
    expect(received.find((event) => event.type === "error")).toMatchObject({ error: { code: "stream_interrupted" } });
  });

  test("settings the key cannot use are refused before the provider is called", async () => {
    const person = await signedInPerson();
    const calls = fakeProvider.requests.length;
    const outcome = await run(() =>
      action({
        request: chatRequest(person, {
          mode: "draft",
          draft: { ...draft, model: "gpt-5-ultra" },
          messages: [{ role: "user", content: "hi" }],
        }),
        params: {},
        context: {},
      }),
    );
    expect(outcome.status).toBe(400);
    expect(JSON.stringify(outcome.data)).toMatch(/cannot use this model/);
    expect(fakeProvider.requests.length).toBe(calls);
  });

  test("signed out gets 401, a malformed body 400 naming the field, an oversized one 413", async () => {
    const person = await signedInPerson();
    const signedOut = await run(() =>
      action({ request: anonymousRequest({ mode: "draft" }), params: {}, context: {} }),
    );
    expect(signedOut.status).toBe(401);
    const malformed = await run(() =>
      action({
        request: chatRequest(person, { mode: "draft", draft, messages: [{ role: "robot", content: "hi" }] }),
        params: {},
        context: {},
      }),
    );
    expect(malformed.status).toBe(400);
    expect(malformed.data).toMatchObject({ error: { field: "messages.0.role" } });
    const huge = await run(() =>
      action({
        request: chatRequest(person, {
          mode: "draft",
          draft,
          messages: [{ role: "user", content: "x".repeat(BODY_LIMITS.chat + 1) }],
        }),
        params: {},
        context: {},
      }),
    );
    expect(huge.status).toBe(413);
  });
});
