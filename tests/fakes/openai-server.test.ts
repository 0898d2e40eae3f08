import OpenAI from "openai";
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
