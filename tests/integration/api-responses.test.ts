import OpenAI from "openai";
import { zodTextFormat } from "openai/helpers/zod";
import type { FunctionTool, ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { getOwnSession } from "~/models/sessions.server";
import { startAppServer, thisProcessSecrets, type AppServer } from "../setup/app-server";
import { createTestBot, transcriptOf } from "../setup/chat";
import { fakeProvider, lastSentWith } from "../setup/integration";
import { signedInPerson, type Person } from "../setup/people";

// POST /v1/responses, driven with the official openai client: text, streams
// in the event order its accumulator checks, function tools and their
// outputs, structured output, previous_response_id continuing one session,
// and what cannot be carried over to Chat Completions refused by name.

let server: AppServer;
let person: Person;
let botId: string;
let client: OpenAI;

const lastSent = () => lastSentWith(person.apiKey);

const weather: FunctionTool = {
  type: "function",
  name: "get_weather",
  description: "The weather in a city",
  parameters: {
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
    additionalProperties: false,
  },
  strict: true,
};

beforeAll(async () => {
  server = await startAppServer({ OPENAI_BASE_URL: fakeProvider.url, ...thisProcessSecrets() });
  person = await signedInPerson();
  botId = (
    await createTestBot(person, {
      instructions: "You are the travel desk.",
      model: "gpt-4o-mini",
      max_tokens: "300",
      session_type: "2",
    })
  ).id;
  client = new OpenAI({ apiKey: person.apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

afterAll(() => server.stop());

describe("a text reply", () => {
  test("comes back as a response with its output text and usage, the assistant's instructions first", async () => {
    const response = await client.responses.create({
      model: botId,
      instructions: "Answer in one line.",
      input: "Where should I go in May?",
    });
    expect(response).toMatchObject({ object: "response", status: "completed", error: null });
    expect(response.id).toMatch(/^resp_[A-Za-z0-9]{40}$/);
    expect(response.output_text).toContain("Where should I go in May?");
    expect(response.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed" });
    expect(response.usage!.input_tokens).toBeGreaterThan(0);
    expect(response.usage!.output_tokens).toBeGreaterThan(0);
    expect(response.usage!.total_tokens).toBe(response.usage!.input_tokens + response.usage!.output_tokens);
    // The assistant's instructions lead; the caller's follow them.
    expect(
      lastSent()
        .messages.slice(0, 3)
        .map((message) => [message.role, message.content]),
    ).toEqual([
      ["system", "You are the travel desk."],
      ["system", "Answer in one line."],
      ["user", "Where should I go in May?"],
    ]);
  });

  test("streams the events the client's accumulator checks, in order, ending with the whole response", async () => {
    const stream = client.responses.stream({ model: botId, input: "Tell me about Lisbon" });
    const types: string[] = [];
    let text = "";
    stream.on("event", (event: ResponseStreamEvent) => types.push(event.type));
    stream.on("response.output_text.delta", (event) => (text += event.delta));
    const final = await stream.finalResponse();

    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.filter((type) => type === "response.output_text.delta").length).toBeGreaterThan(1);
    expect(types.slice(-4)).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(final.output_text).toBe(text);
    expect(final.usage!.output_tokens).toBeGreaterThan(0);
  });
});

describe("function tools", () => {
  test("a call streams as its item and argument deltas; its output continues the session by previous_response_id", async () => {
    const stream = client.responses.stream({
      model: botId,
      input: "What is the weather in Paris? [fake:tool]",
      tools: [weather],
    });
    const types: string[] = [];
    stream.on("event", (event: ResponseStreamEvent) => types.push(event.type));
    const first = await stream.finalResponse();
    expect(types).toContain("response.function_call_arguments.delta");
    const call = first.output.find((item) => item.type === "function_call")!;
    expect(call).toMatchObject({ type: "function_call", name: "get_weather", status: "completed" });
    expect(JSON.parse(call.arguments)).toHaveProperty("city");
    expect(lastSent().tools).toEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: weather.description,
          parameters: weather.parameters,
          strict: true,
        },
      },
    ]);

    const answered = await client.responses.create({
      model: botId,
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: "18 degrees and sunny" }],
      tools: [weather],
    });
    expect(answered.output_text).toContain("18 degrees and sunny");
    expect(answered.previous_response_id).toBe(first.id);
    // The session's own context carried the call; the output answered it.
    expect(lastSent().messages.slice(-2)).toMatchObject([
      { role: "assistant", tool_calls: [{ id: call.call_id, function: { name: "get_weather" } }] },
      { role: "tool", tool_call_id: call.call_id, content: "18 degrees and sunny" },
    ]);
    const sessionId = first.id.slice("resp_".length, "resp_".length + 20);
    expect(answered.id.slice("resp_".length, "resp_".length + 20)).toBe(sessionId);
    const transcript = await transcriptOf(person, sessionId);
    expect(transcript.map((message) => message.role)).toEqual(["user", "assistant", "tool", "assistant"]);
  });

  test("a whole history with function_call items is one assistant turn with its calls", async () => {
    const response = await client.responses.create({
      model: botId,
      tools: [weather],
      input: [
        { role: "user", content: "Weather in Oslo?" },
        { type: "function_call", call_id: "call_oslo", name: "get_weather", arguments: '{"city":"Oslo"}' },
        { type: "function_call_output", call_id: "call_oslo", output: "minus 3" },
      ],
    });
    expect(response.output_text).toContain("minus 3");
    expect(lastSent().messages.slice(-3)).toMatchObject([
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_oslo", function: { name: "get_weather" } }] },
      { role: "tool", tool_call_id: "call_oslo", content: "minus 3" },
    ]);
  });
});

describe("structured output", () => {
  test("parse() gets an object of its schema from text.format", async () => {
    const Trip = z.object({ city: z.string(), days: z.number().int() });
    const response = await client.responses.parse({
      model: botId,
      input: "Plan a trip",
      text: { format: zodTextFormat(Trip, "trip") },
    });
    expect(Trip.parse(response.output_parsed)).toEqual(response.output_parsed);
    expect(lastSent().response_format).toMatchObject({
      type: "json_schema",
      json_schema: { name: "trip", strict: true },
    });
  });
});

describe("continuing a session", () => {
  test("previous_response_id continues the same session; only its newest response can be continued", async () => {
    const first = await client.responses.create({ model: botId, input: "First question" });
    const second = await client.responses.create({
      model: botId,
      input: "Second question",
      previous_response_id: first.id,
    });
    const sessionId = first.id.slice(5, 25);
    const session = (await getOwnSession(person.caller, sessionId))!;
    expect(session.message_count).toBe(4);
    expect(lastSent().messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);

    const stale = await client.responses
      .create({ model: botId, input: "Back to the first", previous_response_id: first.id })
      .catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(OpenAI.BadRequestError);
    expect((stale as InstanceType<typeof OpenAI.APIError>).code).toBe("previous_response_not_latest");

    const unknown = await client.responses
      .create({ model: botId, input: "hello", previous_response_id: "resp_nothing" })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect((unknown as InstanceType<typeof OpenAI.APIError>).code).toBe("previous_response_not_found");
    expect(second.status).toBe("completed");
  });

  test("an item_reference to an earlier reply is that reply's text", async () => {
    const first = await client.responses.create({ model: botId, input: "Name a river" });
    const messageItem = first.output.find((item) => item.type === "message")!;
    await client.responses.create({
      model: botId,
      input: [
        { role: "user", content: "Name a river" },
        { type: "item_reference", id: messageItem.id },
        { role: "user", content: "And a lake" },
      ],
    });
    expect(lastSent().messages.slice(-2)).toEqual([
      { role: "assistant", content: first.output_text },
      { role: "user", content: "And a lake" },
    ]);
  });
});

describe("what is refused or fails", () => {
  async function refusal(body: Record<string, unknown>) {
    const error = await client.responses.create(body as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    return error as InstanceType<typeof OpenAI.APIError>;
  }

  test("parameters and tools that cannot be carried over are named", async () => {
    expect((await refusal({ model: botId, input: "hi", frobnicate: true })).message).toContain(
      "Unknown parameter: 'frobnicate'.",
    );
    expect((await refusal({ model: botId, input: "hi", background: true })).message).toContain("'background'");
    const search = await refusal({ model: botId, input: "hi", tools: [{ type: "web_search" }] });
    expect(search.message).toContain("Only function tools are supported");
    expect(search.param).toBe("tools[0]");
    expect((await refusal({ model: botId, input: [{ type: "input_file" }] })).param).toMatch(/^input/);
    expect((await refusal({ model: botId, input: "hi", temperature: "0.7" })).param).toBe("temperature");
  });

  test("a provider failure before the reply is an HTTP error; one after it ends the stream with response.failed", async () => {
    const failed = await client.responses
      .create({ model: botId, input: "[fake:500] hello" })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);

    // The raw stream: the text that arrived, then an `error` event, then `response.failed` with the error.
    const raw = await fetch(`${server.url}/v1/responses`, {
      method: "POST",
      headers: { Authorization: `Bearer ${person.apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: botId, input: "[fake:cut] a long story", stream: true }),
    });
    const events = (await raw.text())
      .split("\n\n")
      .filter(Boolean)
      .map((frame) => JSON.parse(frame.split("\n")[1]!.slice("data: ".length)) as { type: string; response?: unknown });
    const types = events.map((event) => event.type);
    expect(types).toContain("response.output_text.delta");
    expect(types.slice(-2)).toEqual(["error", "response.failed"]);
    expect(events.at(-1)!.response).toMatchObject({ status: "failed", error: { code: "server_error" } });

    // The client raises the error as its API error.
    const stream = await client.responses.create({ model: botId, input: "[fake:cut] another story", stream: true });
    const thrown = await (async () => {
      for await (const _event of stream) void _event;
    })().catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(OpenAI.APIError);
  });

  test("a repeat with the same Idempotency-Key streams the stored response again", async () => {
    const options = { headers: { "Idempotency-Key": `responses-${Date.now()}` } };
    const read = async () => {
      let text = "";
      let id = "";
      const stream = await client.responses.create({ model: botId, input: "Once only", stream: true }, options);
      for await (const event of stream) {
        if (event.type === "response.output_text.delta") text += event.delta;
        if (event.type === "response.completed") id = event.response.id;
      }
      return { text, id };
    };
    const calls = () => fakeProvider.requests.filter((request) => request.apiKey === person.apiKey).length;
    const first = await read();
    const before = calls();
    expect(await read()).toEqual(first);
    expect(calls()).toBe(before);
  });
});
