import { createOpenAI } from "@ai-sdk/openai";
import { ChatOpenAI } from "@langchain/openai";
import { Agent, OpenAIChatCompletionsModel, run, setTracingDisabled, tool as agentTool } from "@openai/agents";
import { generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { startAppServer, type AppServer, thisProcessSecrets } from "../setup/app-server";
import { createTestBot } from "../setup/chat";
import { fakeProvider } from "../setup/integration";
import { signedInPerson, type Person } from "../setup/people";

// The client libraries people build agents and apps with, pointed at an
// assistant through /v1 (Chat Completions): each gets its tool call and has
// its result answered, parses its structured output, sees usage, and the
// assistant's instructions reach the provider first.

let server: AppServer;
let person: Person;
let botId: string;
let baseURL: string;

const INSTRUCTIONS = "You are the weather desk.";

type Sent = { messages: { role: string; content: unknown }[] };
const sentToProvider = (): Sent[] =>
  fakeProvider.requests
    .filter((request) => request.apiKey === person.apiKey && request.path === "/v1/chat/completions")
    .map((request) => request.body as Sent);

/** The assistant's instructions led every request this client's calls made. */
function instructionsCameFirst(since: number) {
  const sent = sentToProvider().slice(since);
  expect(sent.length).toBeGreaterThan(0);
  for (const body of sent) expect(body.messages[0]).toMatchObject({ role: "system", content: INSTRUCTIONS });
}

beforeAll(async () => {
  setTracingDisabled(true);
  server = await startAppServer({
    OPENAI_BASE_URL: fakeProvider.url,
    ...thisProcessSecrets(),
  });
  person = await signedInPerson();
  botId = (await createTestBot(person, { instructions: INSTRUCTIONS, model: "gpt-4o-mini", session_type: "2" })).id;
  baseURL = `${server.url}/v1`;
});

afterAll(() => server.stop());

const Forecast = z.object({ city: z.string(), celsius: z.number() });

describe("the Vercel AI SDK (Chat Completions provider)", () => {
  const model = () => createOpenAI({ baseURL, apiKey: person.apiKey }).chat(botId);

  test("generateText calls a tool and answers with its result", async () => {
    const since = sentToProvider().length;
    const calls: unknown[] = [];
    const result = await generateText({
      model: model(),
      prompt: "What is the weather? Use get_weather.",
      tools: {
        get_weather: tool({
          description: "The weather in a city",
          inputSchema: z.object({ city: z.string() }),
          execute: async (input) => {
            calls.push(input);
            return "It is 18 degrees in that city.";
          },
        }),
      },
      stopWhen: stepCountIs(3),
    });
    expect(calls).toHaveLength(1);
    expect(result.text).toContain("18 degrees");
    expect(result.totalUsage.totalTokens).toBeGreaterThan(0);
    instructionsCameFirst(since);
  });

  test("streamText with a tool streams the call and the answer", async () => {
    const since = sentToProvider().length;
    const result = streamText({
      model: model(),
      prompt: "Weather please, use get_weather",
      tools: {
        get_weather: tool({
          inputSchema: z.object({ city: z.string() }),
          execute: async () => "Cloudy, 12 degrees.",
        }),
      },
      stopWhen: stepCountIs(3),
    });
    let text = "";
    for await (const part of result.textStream) text += part;
    expect(text).toContain("12 degrees");
    expect((await result.totalUsage).totalTokens).toBeGreaterThan(0);
    instructionsCameFirst(since);
  });

  test("generateObject parses an object of its schema", async () => {
    const since = sentToProvider().length;
    const { object, usage } = await generateObject({ model: model(), schema: Forecast, prompt: "Forecast for Oslo" });
    expect(Forecast.parse(object)).toEqual(object);
    expect(usage.totalTokens).toBeGreaterThan(0);
    instructionsCameFirst(since);
  });
});

describe("LangChain", () => {
  const chat = () => new ChatOpenAI({ model: botId, apiKey: person.apiKey, configuration: { baseURL }, maxRetries: 0 });

  test("bindTools gets the tool call, and its result is answered", async () => {
    const since = sentToProvider().length;
    const getWeather = {
      type: "function" as const,
      function: {
        name: "get_weather",
        description: "The weather in a city",
        parameters: {
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
          additionalProperties: false,
        },
      },
    };
    const withTools = chat().bindTools([getWeather]);
    const asked = await withTools.invoke("What is the weather? use get_weather");
    expect(asked.tool_calls?.[0]).toMatchObject({ name: "get_weather", args: { city: expect.any(String) } });
    const answered = await withTools.invoke([
      { role: "user", content: "What is the weather? use get_weather" },
      asked,
      { role: "tool", tool_call_id: asked.tool_calls![0]!.id!, content: "Windy, 9 degrees." },
    ]);
    expect(String(answered.content)).toContain("9 degrees");
    expect(answered.usage_metadata?.total_tokens).toBeGreaterThan(0);
    instructionsCameFirst(since);
  });

  test("withStructuredOutput parses", async () => {
    const since = sentToProvider().length;
    const structured = chat().withStructuredOutput(Forecast);
    const forecast = await structured.invoke("Forecast for Lima");
    expect(Forecast.parse(forecast)).toEqual(forecast);
    instructionsCameFirst(since);
  });
});

describe("the OpenAI Agents SDK", () => {
  test("an agent with one function tool calls it and answers with its result", async () => {
    const since = sentToProvider().length;
    const calls: string[] = [];
    const getWeather = agentTool({
      name: "get_weather",
      description: "The weather in a city",
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        calls.push(city);
        return `Sunny in ${city}, 25 degrees.`;
      },
    });
    const client = new OpenAI({ apiKey: person.apiKey, baseURL, maxRetries: 0 });
    const agent = new Agent({
      name: "Forecaster",
      instructions: "Use get_weather, then answer.",
      model: new OpenAIChatCompletionsModel(client, botId),
      tools: [getWeather],
    });
    const result = await run(agent, "What is the weather? use get_weather");
    expect(calls).toHaveLength(1);
    expect(result.finalOutput).toContain("25 degrees");
    expect(result.state.usage.totalTokens).toBeGreaterThan(0);
    instructionsCameFirst(since);
    // The agent's own instructions follow the assistant's instead of replacing them.
    expect(sentToProvider().at(-1)!.messages[1]).toMatchObject({ content: "Use get_weather, then answer." });
  });
});
