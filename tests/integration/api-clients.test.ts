import { createOpenAI } from "@ai-sdk/openai";
import { ChatOpenAI } from "@langchain/openai";
import {
  Agent,
  OpenAIChatCompletionsModel,
  run,
  setDefaultOpenAIClient,
  setTracingDisabled,
  tool as agentTool,
} from "@openai/agents";
import { generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { startAppServer, type AppServer, thisProcessSecrets } from "../setup/app-server";
import { createTestBot } from "../setup/chat";
import { fakeProvider } from "../setup/integration";
import { signedInPerson, type Person } from "../setup/people";

// The client libraries people build agents and apps with, pointed at an
// assistant through /v1, by Chat Completions and by the Responses API (the
// default of the AI SDK's provider and of the Agents SDK): each gets its tool
// call and has its result answered, parses its structured output, sees
// usage, and the assistant's instructions reach the provider first.

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

const AI_SDK_PROVIDERS = [
  { label: "its Chat Completions provider", model: (apiKey: string) => createOpenAI({ baseURL, apiKey }).chat(botId) },
  {
    label: "its default provider, the Responses API",
    model: (apiKey: string) => createOpenAI({ baseURL, apiKey })(botId),
  },
];

describe.each(AI_SDK_PROVIDERS)("the Vercel AI SDK, $label", ({ model: modelFor }) => {
  const model = () => modelFor(person.apiKey);

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
    expect(result.steps[0]!.finishReason).toBe("tool-calls");
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
    expect((await result.steps)[0]!.toolCalls).toHaveLength(1);
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

describe("the Vercel AI SDK's default provider", () => {
  const model = () => createOpenAI({ baseURL, apiKey: person.apiKey })(botId);

  test("a follow-up that refers to the earlier reply by its item id gets that reply's text into the context", async () => {
    const since = sentToProvider().length;
    const first = await generateText({ model: model(), prompt: "Name a mountain" });
    await generateText({
      model: model(),
      messages: [
        { role: "user", content: "Name a mountain" },
        ...first.response.messages,
        { role: "user", content: "Another" },
      ],
    });
    // The AI SDK sends the earlier reply as {type: "item_reference", id}: the app looked its text up.
    const sent = sentToProvider().slice(since).at(-1)!;
    expect(sent.messages.slice(-2)).toMatchObject([
      { role: "assistant", content: first.text },
      { role: "user", content: [{ type: "text", text: "Another" }] },
    ]);
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
  /** An agent whose one tool tells the weather, and the cities it was called for. */
  function forecaster(model: Agent["model"]) {
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
    const agent = new Agent({
      name: "Forecaster",
      instructions: "Use get_weather, then answer.",
      model,
      tools: [getWeather],
    });
    return { agent, calls };
  }

  type Finished = { finalOutput?: unknown; state: { usage: { totalTokens: number } } };

  function answeredWithItsTool(result: Finished, calls: string[], since: number) {
    expect(calls).toHaveLength(1);
    expect(result.finalOutput).toContain("25 degrees");
    expect(result.state.usage.totalTokens).toBeGreaterThan(0);
    instructionsCameFirst(since);
    // The agent's own instructions follow the assistant's instead of replacing them.
    expect(sentToProvider().at(-1)!.messages[1]).toMatchObject({ content: "Use get_weather, then answer." });
  }

  const client = () => new OpenAI({ apiKey: person.apiKey, baseURL, maxRetries: 0 });

  test("an agent on Chat Completions calls its tool and answers with its result", async () => {
    const since = sentToProvider().length;
    const { agent, calls } = forecaster(new OpenAIChatCompletionsModel(client(), botId));
    answeredWithItsTool(await run(agent, "What is the weather? use get_weather"), calls, since);
  });

  test("in its default mode (the Responses API), an agent calls its tool and answers", async () => {
    const since = sentToProvider().length;
    setDefaultOpenAIClient(client());
    const { agent, calls } = forecaster(botId);
    answeredWithItsTool(await run(agent, "What is the weather? use get_weather"), calls, since);
  });

  test("in its default mode, streamed, an agent calls its tool and answers", async () => {
    const since = sentToProvider().length;
    setDefaultOpenAIClient(client());
    const { agent, calls } = forecaster(botId);
    const result = await run(agent, "What is the weather? use get_weather", { stream: true });
    await result.completed;
    answeredWithItsTool(result, calls, since);
  });
});
