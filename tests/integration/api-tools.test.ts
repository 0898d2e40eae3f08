import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { loader as downloadLoader } from "~/routes/sessions.$sessionId.download";
import { startAppServer, type AppServer, thisProcessSecrets } from "../setup/app-server";
import { createTestBot, transcriptOf } from "../setup/chat";
import { fakeProvider, lastSentWith } from "../setup/integration";
import { signedInPerson, type Person } from "../setup/people";

// Chat Completions as agents and apps use it, through an assistant: tools,
// structured output and the caller's own parameters reach the provider; the
// assistant's instructions come first; what the product will not pass on is
// refused by name. Driven with the official openai client.

let server: AppServer;
let person: Person;
let botId: string;
let reasoningBotId: string;
let client: OpenAI;

const lastSent = () => lastSentWith(person.apiKey);

const weather: ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["city", "unit"],
      additionalProperties: false,
    },
  },
};

beforeAll(async () => {
  server = await startAppServer({
    OPENAI_BASE_URL: fakeProvider.url,
    ...thisProcessSecrets(),
  });
  person = await signedInPerson();
  botId = (
    await createTestBot(person, {
      instructions: "You are the travel desk.",
      model: "gpt-4o-mini",
      temperature: "0.9",
      max_tokens: "300",
      session_type: "2",
    })
  ).id;
  reasoningBotId = (await createTestBot(person, { model: "o3", max_tokens: "300", session_type: "2" })).id;
  client = new OpenAI({ apiKey: person.apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

afterAll(() => server.stop());

describe("tools", () => {
  test("a tool call comes back, and its result is answered, the assistant's instructions first", async () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: "system", content: "Answer in one line." },
      { role: "user", content: "What is the weather in Paris? [fake:tool]" },
    ];
    const first = await client.chat.completions.create({ model: botId, messages, tools: [weather] });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls![0]!;
    expect(call).toMatchObject({ type: "function", function: { name: "get_weather" } });
    expect(JSON.parse((call as { function: { arguments: string } }).function.arguments)).toHaveProperty("city");

    const sent = lastSent();
    expect(sent.tools).toEqual([weather]);
    // The assistant's instructions lead; the caller's own system message follows them instead of being dropped.
    expect(sent.messages.slice(0, 2).map((message) => message.content)).toEqual([
      "You are the travel desk.",
      "Answer in one line.",
    ]);

    const second = await client.chat.completions.create({
      model: botId,
      tools: [weather],
      messages: [...messages, choice.message, { role: "tool", tool_call_id: call.id, content: "18 degrees and sunny" }],
    });
    expect(second.choices[0]!.finish_reason).toBe("stop");
    expect(second.choices[0]!.message.content).toContain("18 degrees and sunny");
    expect(lastSent().messages.at(-2)).toMatchObject({ role: "assistant", tool_calls: [{ id: call.id }] });
  });

  test("streamed tool calls arrive in the provider's chunks, with their finish reason", async () => {
    const stream = await client.chat.completions.create({
      model: botId,
      stream: true,
      tools: [weather],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      messages: [{ role: "user", content: "Weather in Oslo" }],
    });
    let args = "";
    let name = "";
    let finish: string | null = null;
    let fragments = 0;
    for await (const chunk of stream) {
      for (const fragment of chunk.choices[0]?.delta?.tool_calls ?? []) {
        fragments += 1;
        name += fragment.function?.name ?? "";
        args += fragment.function?.arguments ?? "";
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(fragments).toBeGreaterThan(1);
    expect(name).toBe("get_weather");
    expect(JSON.parse(args)).toHaveProperty("city");
    expect(finish).toBe("tool_calls");
  });

  test("a session keeps the calls and the results, and its transcript and download show them", async () => {
    const { data: first, response } = await client.chat.completions
      .create({ model: botId, tools: [weather], messages: [{ role: "user", content: "Weather in Rome [fake:tool]" }] })
      .withResponse();
    const sessionId = response.headers.get("X-Session-Id")!;
    const call = first.choices[0]!.message.tool_calls![0]!;
    const answered = await client.chat.completions.create(
      {
        model: botId,
        tools: [weather],
        messages: [
          { role: "user", content: "Weather in Rome [fake:tool]" },
          first.choices[0]!.message,
          { role: "tool", tool_call_id: call.id, content: "21 degrees" },
        ],
      },
      { headers: { "X-Session-Id": sessionId } },
    );
    expect(answered.choices[0]!.message.content).toContain("21 degrees");
    // The continued session sent its own context: the call and its result, in order.
    expect(lastSent().messages.slice(-2)).toMatchObject([
      { role: "assistant", tool_calls: [{ id: call.id, function: { name: "get_weather" } }] },
      { role: "tool", tool_call_id: call.id, content: "21 degrees" },
    ]);

    const transcript = await transcriptOf(person, sessionId);
    expect(transcript.map((message) => message.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(transcript[1]!.tool_calls).toEqual([call]);
    expect(transcript[2]).toMatchObject({ role: "tool", tool_call_id: call.id, content: "21 degrees" });

    const download = await downloadLoader({
      request: person.request(`/sessions/${sessionId}/download?format=md`),
      params: { sessionId },
      context: {},
    });
    const markdown = await download.text();
    expect(markdown).toContain("Called `get_weather(");
    expect(markdown).toContain("21 degrees");
  });
});

describe("structured output and the caller's parameters", () => {
  test("parse() gets an object of its schema", async () => {
    const Trip = z.object({ city: z.string(), days: z.number().int() });
    const completion = await client.chat.completions.parse({
      model: botId,
      messages: [{ role: "user", content: "Plan a trip" }],
      response_format: zodResponseFormat(Trip, "trip"),
    });
    const parsed = completion.choices[0]!.message.parsed!;
    expect(Trip.parse(parsed)).toEqual(parsed);
    expect(lastSent().response_format).toMatchObject({ type: "json_schema", json_schema: { name: "trip" } });
  });

  test("stop, seed, user, logprobs and a lower token limit reach the provider; the assistant's model stays", async () => {
    const completion = await client.chat.completions.create({
      model: botId,
      messages: [{ role: "user", content: "Count to ten" }],
      stop: ["seven"],
      seed: 42,
      user: "customer-17",
      logprobs: true,
      top_logprobs: 2,
      temperature: 0.2,
      max_tokens: 50,
    });
    expect(completion.choices[0]!.logprobs?.content?.length).toBeGreaterThan(0);
    expect(lastSent()).toMatchObject({
      model: "gpt-4o-mini",
      stop: ["seven"],
      seed: 42,
      user: "customer-17",
      logprobs: true,
      top_logprobs: 2,
      temperature: 0.2,
      max_tokens: 50,
    });
  });

  test("a caller cannot raise the assistant's token limit", async () => {
    await client.chat.completions.create({
      model: botId,
      messages: [{ role: "user", content: "Long please" }],
      max_tokens: 5_000,
    });
    expect(lastSent().max_tokens).toBe(300);
  });
});

describe("what the product will not pass on is refused by name", () => {
  const refusals: [string, Record<string, unknown>, string, RegExp][] = [
    ["n above 1", { n: 2 }, "n", /one reply per turn/],
    ["functions", { functions: [{ name: "f" }] }, "functions", /send 'tools'/],
    ["an unknown parameter", { frobnicate: true }, "frobnicate", /Unrecognized request argument supplied: frobnicate/],
    ["a temperature as text", { temperature: "0.7" }, "temperature", /.+/],
  ];

  test.each(refusals)("%s", async (_what, extra, param, message) => {
    const error = await client.chat.completions
      .create({ model: botId, messages: [{ role: "user", content: "Hi" }], ...extra } as never)
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
    expect((error as Error).message).toMatch(message);
  });

  test("a setting the assistant's model does not take is refused, not dropped", async () => {
    const error = await client.chat.completions
      .create({ model: reasoningBotId, messages: [{ role: "user", content: "Hi" }], temperature: 0.3 })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ param: "temperature", code: "unsupported_parameter" });
  });

  test("the assistant's instructions are never replaced: a developer message follows them", async () => {
    await client.chat.completions.create({
      model: reasoningBotId,
      messages: [
        { role: "developer", content: "Be terse." },
        { role: "user", content: "Hi" },
      ],
    });
    const sent = lastSent().messages;
    expect(sent[0]).toMatchObject({ role: "developer", content: "You are a thoughtful coach." });
    expect(sent[1]).toMatchObject({ role: "developer", content: "Be terse." });
  });
});
