import OpenAI from "openai";
import { zodFunction, zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startFakeProvider, type FakeProvider } from "./openai-server";

// The fake provider must refuse what the real API refuses, in the real API's
// words, or tests cannot tell a request the real API would reject.

let fake: FakeProvider;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeProvider({ chunkDelayMs: 0 });
  client = new OpenAI({ apiKey: "sk-test-fake", baseURL: fake.url, maxRetries: 0 });
});
afterAll(() => fake.close());

async function refusal(body: Record<string, unknown>) {
  const messages = [{ role: "user" as const, content: "hi" }];
  const error = await client.chat.completions.create({ model: "gpt-5-mini", messages, ...body } as never).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  return error as InstanceType<typeof OpenAI.BadRequestError>;
}

describe("reasoning models, as the real API takes them", () => {
  test("max_tokens is refused, naming max_completion_tokens", async () => {
    const error = await refusal({ max_tokens: 100 });
    expect(error.code).toBe("unsupported_parameter");
    expect(error.param).toBe("max_tokens");
    expect(error.message).toContain(
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    );
  });

  test("a temperature other than 1 is refused; 1 is accepted", async () => {
    const error = await refusal({ temperature: 0.7 });
    expect(error.code).toBe("unsupported_value");
    expect(error.message).toContain(
      "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1) value is supported.",
    );
    const accepted = await client.chat.completions.create({
      model: "gpt-5-mini",
      messages: [{ role: "user", content: "hi" }],
      temperature: 1,
    });
    expect(accepted.choices[0]?.message.content).toContain("Thanks for asking");
  });

  test.each(["top_p", "frequency_penalty", "presence_penalty"])("%s is refused whatever its value", async (param) => {
    const error = await refusal({ [param]: 0 });
    expect(error.code).toBe("unsupported_parameter");
    expect(error.param).toBe(param);
  });

  test("max_completion_tokens is taken, and bounds the reply", async () => {
    const completion = await client.chat.completions.create({
      model: "o3",
      messages: [{ role: "user", content: "hi" }],
      max_completion_tokens: 5,
    });
    expect(completion.choices[0]?.finish_reason).toBe("length");
  });

  test("standard models still take max_tokens and sampling settings", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 50,
      temperature: 0.2,
      top_p: 0.9,
      presence_penalty: 0.5,
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
  });
});

describe("reasoning_effort, as the real API takes it", () => {
  const ask = (model: string, reasoning_effort: unknown) =>
    client.chat.completions
      .create({ model, messages: [{ role: "user", content: "hi" }], reasoning_effort } as never)
      .then(
        (completion) => ({ completion, error: null }),
        (error: unknown) => ({ completion: null, error: error as InstanceType<typeof OpenAI.APIError> }),
      );

  test("a model that is not a reasoning model does not know the argument", async () => {
    const { error } = await ask("gpt-4o-mini", "low");
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error?.error).toEqual({
      message: "Unrecognized request argument supplied: reasoning_effort",
      type: "invalid_request_error",
      param: null,
      code: null,
    });
  });

  test("a value the API does not know is invalid, and the error lists every value", async () => {
    const { error } = await ask("o3", "extreme");
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error?.error).toEqual({
      message:
        "Invalid value: 'extreme'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', and 'max'.",
      type: "invalid_request_error",
      param: "reasoning_effort",
      code: "invalid_value",
    });
  });

  test.each([
    ["o3", "minimal", "'low', 'medium', and 'high'"],
    ["gpt-5-mini", "none", "'minimal', 'low', 'medium', and 'high'"],
  ])("%s does not take %s, and says which it takes", async (model, effort, supported) => {
    const { error } = await ask(model, effort);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error?.error).toEqual({
      message: `Unsupported value: 'reasoning_effort' does not support '${effort}' with this model. Supported values are: ${supported}.`,
      type: "invalid_request_error",
      param: "reasoning_effort",
      code: "unsupported_value",
    });
  });

  test.each([
    ["o3-mini", "high"],
    ["gpt-5", "minimal"],
    ["gpt-5-mini", "low"],
    ["gpt-4o", null],
  ])("%s with %s answers", async (model, effort) => {
    const { completion, error } = await ask(model, effort);
    expect(error).toBeNull();
    expect(completion?.choices[0]?.message.content).toContain("Thanks for asking");
  });
});

// ---------------------------------------------------------------------------
// Tool calls, structured output, logprobs, n, stop: the whole Chat Completions
// API, driven with the official SDK against the fake.
// ---------------------------------------------------------------------------

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The weather in a place",
    parameters: {
      type: "object",
      properties: {
        location: { type: "string" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
        days: { type: "integer", minimum: 1, maximum: 7 },
        detailed: { type: "boolean" },
      },
      required: ["location", "unit", "days"],
    },
  },
};
const timeTool = {
  type: "function" as const,
  function: {
    name: "get_time",
    parameters: { type: "object", properties: { zone: { type: "string" } }, required: ["zone"] },
  },
};

/** Every chunk of a streamed completion. */
async function chunksOf(body: Record<string, unknown>) {
  const stream = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "hi" }],
    ...body,
    stream: true,
  } as never);
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) chunks.push(chunk);
  return chunks;
}

/** The 400 a request earns, as the SDK surfaces it. */
async function badRequest(body: Record<string, unknown>) {
  const error = await client.chat.completions
    .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...body } as never)
    .then(
      () => null,
      (thrown: unknown) => thrown,
    );
  expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  return (error as InstanceType<typeof OpenAI.BadRequestError>).error;
}

describe("tool calls", () => {
  test("a forced function is called with arguments built from its schema", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "What should I wear?" }],
      tools: [weatherTool, timeTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
    });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.refusal).toBeNull();
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls![0]!;
    expect(call.id).toMatch(/^call_\w+$/);
    expect(call.type).toBe("function");
    if (call.type !== "function") throw new Error("a function call");
    expect(call.function.name).toBe("get_weather");
    // Required properties only, each of its type; an enum takes its first value, an integer stays in bounds.
    expect(JSON.parse(call.function.arguments)).toEqual({ location: "Paris", unit: "celsius", days: 7 });
  });

  test("streamed, the call opens with the role, a null content, its id and name, then the arguments in fragments", async () => {
    const chunks = await chunksOf({
      messages: [{ role: "user", content: "[fake:tool] how is it outside?" }],
      tools: [weatherTool],
      stream_options: { include_usage: true },
    });
    const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta));
    expect(deltas[0]).toEqual({
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [
        {
          index: 0,
          id: expect.stringMatching(/^call_/),
          type: "function",
          function: { name: "get_weather", arguments: "" },
        },
      ],
    });
    const fragments = deltas.slice(1, -1);
    expect(fragments.length).toBeGreaterThan(2);
    for (const fragment of fragments) {
      expect(fragment).toEqual({ tool_calls: [{ index: 0, function: { arguments: expect.any(String) } }] });
    }
    const args = fragments.map((fragment) => fragment.tool_calls![0]!.function!.arguments).join("");
    expect(JSON.parse(args)).toEqual({ location: "Paris", unit: "celsius", days: 7 });
    expect(chunks.at(-2)!.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: "tool_calls" }]);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage?.completion_tokens).toBeGreaterThan(0);
  });

  test("two functions named in the message are called in parallel, in the order named", async () => {
    const body = {
      messages: [{ role: "user", content: "Use get_time, then get_weather." }],
      tools: [weatherTool, timeTool],
    };
    const stream = client.chat.completions.stream({ model: "gpt-4o", ...body } as never);
    const completion = await stream.finalChatCompletion();
    const calls = completion.choices[0]!.message.tool_calls!.map((call) =>
      call.type === "function" ? call.function.name : call.type,
    );
    expect(calls).toEqual(["get_time", "get_weather"]);
    expect(new Set(completion.choices[0]!.message.tool_calls!.map((call) => call.id)).size).toBe(2);

    // The second call opens with its own index, id and name.
    const chunks = await chunksOf(body);
    const openings = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []).filter((call) => call.id);
    expect(openings.map((call) => [call.index, call.function?.name])).toEqual([
      [0, "get_time"],
      [1, "get_weather"],
    ]);

    const single = await client.chat.completions.create({
      model: "gpt-4o",
      ...body,
      parallel_tool_calls: false,
    } as never);
    expect((single as OpenAI.ChatCompletion).choices[0]!.message.tool_calls).toHaveLength(1);
  });

  test("tool_choice decides: none answers text, required calls, auto calls only when asked", async () => {
    const ask = (content: string, tool_choice?: "none" | "auto" | "required") =>
      client.chat.completions
        .create({ model: "gpt-4o", messages: [{ role: "user", content }], tools: [weatherTool], tool_choice })
        .then((completion) => completion.choices[0]!);
    expect((await ask("[fake:tool] weather?", "none")).message.tool_calls).toBeUndefined();
    expect((await ask("hello", "required")).finish_reason).toBe("tool_calls");
    expect((await ask("hello", "auto")).finish_reason).toBe("stop");
    expect((await ask("[fake:tool] weather?")).finish_reason).toBe("tool_calls");
  });

  test("after the tool results the reply quotes them, and runTools completes the round trip", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      tools: [weatherTool],
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "user", content: "[fake:tool] weather in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_a", content: '{"temperature":21}' },
      ],
    });
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion.choices[0]!.message.content).toContain('get_weather: {"temperature":21}');

    const runner = client.chat.completions.runTools({
      model: "gpt-4o",
      messages: [{ role: "user", content: "What is the weather? Ask lookup_weather." }],
      tools: [
        zodFunction({
          name: "lookup_weather",
          parameters: z.object({ city: z.string(), unit: z.enum(["celsius", "fahrenheit"]) }),
          function: ({ city, unit }) => `Sunny in ${city}, 21 degrees ${unit}`,
        }),
      ],
    });
    expect(await runner.finalContent()).toContain("lookup_weather: Sunny in Paris, 21 degrees celsius");
    const sent = fake.requests.at(-1)!.body as { messages: { role: string }[] };
    expect(sent.messages.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
  });

  test("tool messages must answer the assistant's tool calls, in the real API's words", async () => {
    const call = { id: "call_a", type: "function", function: { name: "get_weather", arguments: "{}" } };
    expect(
      await badRequest({
        messages: [
          { role: "user", content: "hi" },
          { role: "tool", tool_call_id: "x", content: "1" },
        ],
      }),
    ).toEqual({
      message:
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
      type: "invalid_request_error",
      param: "messages.[1].role",
      code: null,
    });
    expect(
      await badRequest({
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: null, tool_calls: [call] },
          { role: "tool", tool_call_id: "call_b", content: "1" },
        ],
      }),
    ).toMatchObject({
      message: "Invalid parameter: 'tool_call_id' of 'call_b' not found in 'tool_calls' of previous message.",
      param: "messages.[2].tool_call_id",
    });
    expect(
      await badRequest({
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: null, tool_calls: [call] },
          { role: "user", content: "and?" },
        ],
      }),
    ).toEqual({
      message:
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: call_a",
      type: "invalid_request_error",
      param: "messages.[2].role",
      code: null,
    });
  });

  test("tools and tool_choice the real API refuses", async () => {
    expect(
      await badRequest({ tools: [weatherTool], tool_choice: { type: "function", function: { name: "nope" } } }),
    ).toEqual({
      message:
        "Invalid value for 'function_call': no function named 'nope' was specified in the 'functions' parameter.",
      type: "invalid_request_error",
      param: "function_call",
      code: null,
    });
    expect(await badRequest({ tool_choice: "auto" })).toMatchObject({
      message: "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      param: "tool_choice",
    });
    expect(await badRequest({ tools: [{ type: "function", function: { parameters: {} } }] })).toEqual({
      message: "Missing required parameter: 'tools[0].function.name'.",
      type: "invalid_request_error",
      param: "tools[0].function.name",
      code: "missing_required_parameter",
    });
    expect(await badRequest({ tools: [{ type: "function", function: { name: "get weather" } }] })).toMatchObject({
      message:
        "Invalid 'tools[0].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
      code: "invalid_value",
    });
    expect(await badRequest({ tools: [] })).toMatchObject({ param: "tools", code: "empty_array" });
  });
});

describe("structured output", () => {
  test("json_object answers a JSON object, streamed in several chunks; content parts and a developer message count", async () => {
    const messages = [
      { role: "developer", content: "Answer in JSON." },
      {
        role: "user",
        content: [
          { type: "text", text: "Describe " },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
          { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
          { type: "text", text: "this picture" },
        ],
      },
    ];
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      messages,
      response_format: { type: "json_object" },
    } as never);
    const content = (completion as OpenAI.ChatCompletion).choices[0]!.message.content!;
    expect(JSON.parse(content)).toEqual({ reply: expect.stringContaining("Describe this picture") });

    const chunks = await chunksOf({ messages, response_format: { type: "json_object" } });
    const pieces = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").filter(Boolean);
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join("")).toBe(content);
  });

  test("json_object without the word json in the messages is refused", async () => {
    expect(await badRequest({ response_format: { type: "json_object" } })).toEqual({
      message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      type: "invalid_request_error",
      param: "messages",
      code: null,
    });
  });

  const Person = z.object({
    name: z.string(),
    age: z.number().int().min(0).max(150),
    height: z.number(),
    member: z.boolean(),
    role: z.enum(["admin", "guest"]),
    tags: z.array(z.string()),
    address: z.object({ city: z.string(), zip: z.string().nullable() }),
    manager: z.object({ name: z.string() }).nullable(),
  });

  test("parse() with a zod schema gets JSON that the schema parses", async () => {
    const completion = await client.chat.completions.parse({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Who is it?" }],
      response_format: zodResponseFormat(Person, "person"),
    });
    const message = completion.choices[0]!.message;
    expect(message.refusal).toBeNull();
    expect(message.parsed).toEqual({
      name: "Ada Lovelace",
      age: 42,
      height: 3.14,
      member: true,
      role: "admin",
      tags: ["example tags"],
      address: { city: "Paris", zip: "example zip" },
      manager: { name: "Ada Lovelace" },
    });
  });

  test("stream() with a zod schema assembles the JSON from several chunks", async () => {
    const stream = client.chat.completions.stream({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Who is it?" }],
      response_format: zodResponseFormat(Person, "person"),
    });
    let deltas = 0;
    stream.on("content.delta", () => deltas++);
    const completion = await stream.finalChatCompletion();
    expect(deltas).toBeGreaterThan(10);
    expect(Person.parse(completion.choices[0]!.message.parsed)).toMatchObject({ role: "admin" });
  });

  test("a JSON schema with $defs, anyOf and bounds is followed", async () => {
    const schema = {
      type: "object",
      properties: {
        items: { type: "array", items: { $ref: "#/$defs/item" }, minItems: 2 },
        total: { type: "number", minimum: 100 },
        note: { anyOf: [{ type: "null" }, { type: "string", format: "date" }] },
        optional: { type: "string" },
      },
      required: ["items", "total", "note"],
      $defs: { item: { type: "object", properties: { sku: { type: "string", maxLength: 3 } }, required: ["sku"] } },
    };
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "order" }],
      response_format: { type: "json_schema", json_schema: { name: "order", schema } },
    });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({
      items: [{ sku: "exa" }, { sku: "exa" }],
      total: 100,
      note: "2024-01-01",
    });
  });

  test("a strict schema must close every object and require every property", async () => {
    const strict = (schema: Record<string, unknown>) => ({
      response_format: { type: "json_schema", json_schema: { name: "thing", strict: true, schema } },
    });
    expect(
      await badRequest(strict({ type: "object", properties: { a: { type: "string" } }, required: ["a"] })),
    ).toEqual({
      message:
        "Invalid schema for response_format 'thing': In context=(), 'additionalProperties' is required to be supplied and to be false.",
      type: "invalid_request_error",
      param: "response_format",
      code: null,
    });
    const nested = {
      type: "object",
      additionalProperties: false,
      required: ["rows"],
      properties: {
        rows: {
          type: "array",
          items: { type: "object", additionalProperties: false, properties: { a: {}, b: {} }, required: ["a"] },
        },
      },
    };
    expect(await badRequest(strict(nested))).toMatchObject({
      message:
        "Invalid schema for response_format 'thing': In context=('properties', 'rows', 'items'), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.",
    });
  });
});

describe("the other parameters", () => {
  test("n choices come back with their own index, streamed in turns", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
      n: 3,
    });
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);

    const chunks = await chunksOf({ n: 2 });
    const order = chunks.map((chunk) => chunk.choices[0]!.index);
    expect(order.slice(0, 4)).toEqual([0, 1, 0, 1]);
    const texts = [0, 1].map((index) =>
      chunks
        .flatMap((chunk) => chunk.choices)
        .filter((choice) => choice.index === index)
        .map((choice) => choice.delta.content ?? "")
        .join(""),
    );
    expect(texts).toEqual([completion.choices[0]!.message.content, completion.choices[0]!.message.content]);
    expect(chunks.filter((chunk) => chunk.choices[0]?.finish_reason === "stop")).toHaveLength(2);
    expect(await badRequest({ n: 0 })).toMatchObject({
      message: "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.",
      code: "integer_below_min_value",
    });
  });

  test("logprobs come per token with bytes and top_logprobs, whole and streamed", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
      logprobs: true,
      top_logprobs: 2,
    });
    const { content, refusal } = completion.choices[0]!.logprobs!;
    expect(refusal).toBeNull();
    expect(content!.map((entry) => entry.token).join("")).toBe(completion.choices[0]!.message.content);
    for (const entry of content!) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.bytes).toEqual([...Buffer.from(entry.token)]);
      expect(entry.top_logprobs).toHaveLength(2);
      expect(entry.top_logprobs[0]).toEqual({ token: entry.token, logprob: entry.logprob, bytes: entry.bytes });
      expect(entry.top_logprobs[1]!.logprob).toBeLessThan(entry.logprob);
    }

    const chunks = await chunksOf({ logprobs: true, top_logprobs: 1 });
    expect(chunks[0]!.choices[0]!.logprobs).toEqual({ content: [], refusal: null });
    for (const chunk of chunks.slice(1, -1)) {
      const choice = chunk.choices[0]!;
      expect(choice.logprobs!.content!.map((entry) => entry.token).join("")).toBe(choice.delta.content);
    }
    expect(chunks.at(-1)!.choices[0]!.logprobs).toBeNull();
  });

  test("top_logprobs needs logprobs, and at most 20", async () => {
    expect(await badRequest({ top_logprobs: 2 })).toEqual({
      message: "The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.",
      type: "invalid_request_error",
      param: "top_logprobs",
      code: null,
    });
    expect(await badRequest({ logprobs: true, top_logprobs: 21 })).toMatchObject({
      code: "integer_above_max_value",
      param: "top_logprobs",
    });
  });

  test("a stop sequence ends the reply before it; seed, user and max_completion_tokens reach the provider", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
      stop: ["2.", "never"],
      seed: 7,
      user: "person-1",
      max_completion_tokens: 500,
    });
    const content = completion.choices[0]!.message.content!;
    expect(content).toContain("1. Break the problem");
    expect(content).not.toContain("2.");
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(fake.requests.at(-1)!.body).toMatchObject({ stop: ["2.", "never"], seed: 7, user: "person-1" });
    expect(await badRequest({ seed: 1.5 })).toMatchObject({
      message: "Invalid type for 'seed': expected an integer, but got a decimal number instead.",
    });
  });

  test("reasoning models refuse logprobs, and o3 refuses stop while o3-mini takes it", async () => {
    const refused = await refusal({ logprobs: true });
    expect(refused.message).toContain("Unsupported parameter: 'logprobs' is not supported with this model.");
    const ask = (model: string) =>
      client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }], stop: ["\n"] }).then(
        () => null,
        (error: InstanceType<typeof OpenAI.APIError>) => error.error,
      );
    expect(await ask("o3")).toEqual({
      message: "Unsupported parameter: 'stop' is not supported with this model.",
      type: "invalid_request_error",
      param: "stop",
      code: "unsupported_parameter",
    });
    expect(await ask("o3-mini")).toBeNull();
  });

  test("messages are checked as the real API checks them", async () => {
    expect(await badRequest({ messages: [] })).toEqual({
      message:
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      type: "invalid_request_error",
      param: "messages",
      code: "empty_array",
    });
    expect(await badRequest({ messages: [{ role: "robot", content: "hi" }] })).toMatchObject({
      message:
        "Invalid value: 'robot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
      param: "messages[0].role",
    });
    expect(await badRequest({ messages: [{ role: "user", content: null }] })).toMatchObject({
      message: "Invalid value for 'content': expected a string, got null.",
      param: "messages.[0].content",
    });
  });
});
