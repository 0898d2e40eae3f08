import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { ChatOpenAI } from "@langchain/openai";
import { Agent, OpenAIChatCompletionsModel, run, setTracingDisabled } from "@openai/agents";
import { APICallError, generateText } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startFakeProvider, type FakeProvider } from "./openai-server";

// The clients people build assistants with, each making one plain chat call
// against the fake: proof that they install, import and talk to it, for the
// tests that will drive them further.

const apiKey = "sk-test-clients";
let fake: FakeProvider;

beforeAll(async () => {
  fake = await startFakeProvider({ chunkDelayMs: 0 });
  // The Agents SDK exports traces to OpenAI by default; a test must not try to reach it.
  setTracingDisabled(true);
});
afterAll(() => fake.close());

/** The last request that reached the fake. */
const lastRequest = () => fake.requests.at(-1)!;

describe("clients of the Chat Completions API", () => {
  test("the Vercel AI SDK's OpenAI provider, through .chat()", async () => {
    const openai = createOpenAI({ baseURL: fake.url, apiKey });
    const { text } = await generateText({ model: openai.chat("gpt-4o-mini"), prompt: "vercel chat" });
    expect(text).toContain("Thanks for asking about **vercel chat**");
    expect(lastRequest().path).toBe("/v1/chat/completions");
  });

  test("the Vercel AI SDK's default model calls the Responses API, which the fake does not have", async () => {
    const openai = createOpenAI({ baseURL: fake.url, apiKey });
    const error = await generateText({ model: openai("gpt-4o-mini"), prompt: "vercel responses" }).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 404, url: `${fake.url}/responses` });
    expect(lastRequest().path).toBe("/v1/responses");
  });

  test("the Vercel AI SDK's OpenAI-compatible provider", async () => {
    const provider = createOpenAICompatible({ name: "fake", baseURL: fake.url, apiKey });
    const { text } = await generateText({ model: provider("gpt-4o-mini"), prompt: "compatible" });
    expect(text).toContain("Thanks for asking about **compatible**");
    expect(lastRequest().path).toBe("/v1/chat/completions");
  });

  test("LangChain's ChatOpenAI", async () => {
    const chat = new ChatOpenAI({ model: "gpt-4o-mini", apiKey, configuration: { baseURL: fake.url }, maxRetries: 0 });
    const message = await chat.invoke("langchain");
    expect(message.content).toContain("Thanks for asking about **langchain**");
    expect(lastRequest().path).toBe("/v1/chat/completions");
  });

  test("the OpenAI Agents SDK, on its Chat Completions model", async () => {
    const client = new OpenAI({ apiKey, baseURL: fake.url, maxRetries: 0 });
    const agent = new Agent({
      name: "Helper",
      instructions: "Help.",
      model: new OpenAIChatCompletionsModel(client, "gpt-4o-mini"),
    });
    const result = await run(agent, "agents");
    expect(result.finalOutput).toContain("Thanks for asking about **agents**");
    expect(lastRequest().path).toBe("/v1/chat/completions");
  });
});
