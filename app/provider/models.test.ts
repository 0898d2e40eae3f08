import { describe, expect, test } from "vitest";
import {
  buildChatRequest,
  costFor,
  describeModel,
  fallbackModel,
  leftOutNote,
  leftOutSettings,
  mergeTables,
  MODEL_TABLE,
  settingsSummary,
} from "./models";

const settings = { max_tokens: 500, temperature: 0.7, top_p: 0.9, frequency_penalty: 0.5, presence_penalty: 0.6 };
const sampling = { temperature: 0.7, top_p: 0.9, frequency_penalty: 0.5, presence_penalty: 0.6 };
const messages = [
  { role: "system" as const, content: "Be brief." },
  { role: "user" as const, content: "Hi" },
];
const asSystem = messages;
const asDeveloper = [{ role: "developer", content: "Be brief." }, messages[1]];
const asUser = [{ role: "user", content: "Be brief." }, messages[1]];

const request = (model: string, extra: Record<string, unknown> = {}) =>
  buildChatRequest(describeModel(model), { model, messages, ...settings, ...extra });

describe("the request each model family takes", () => {
  test.each([
    // Standard chat models: max_tokens, every sampling setting, a system message, no reasoning effort.
    ["gpt-4o-mini", { max_tokens: 500, ...sampling, messages: asSystem }],
    ["gpt-4o-mini-2024-07-18", { max_tokens: 500, ...sampling, messages: asSystem }],
    ["gpt-4o", { max_tokens: 500, ...sampling, messages: asSystem }],
    ["gpt-4.1-mini", { max_tokens: 500, ...sampling, messages: asSystem }],
    ["gpt-4-turbo", { max_tokens: 500, ...sampling, messages: asSystem }],
    ["gpt-3.5-turbo", { max_tokens: 500, ...sampling, messages: asSystem }],
    ["gpt-5-chat-latest", { max_tokens: 500, ...sampling, messages: asSystem }],
    ["llama3.1:8b", { max_tokens: 500, ...sampling, messages: asSystem }],
    // The first o1 releases: no sampling, no reasoning effort, and the instructions as a user message.
    ["o1-mini", { max_completion_tokens: 500, messages: asUser }],
    ["o1-preview-2024-09-12", { max_completion_tokens: 500, messages: asUser }],
    // Reasoning models: max_completion_tokens, no sampling, the effort, a developer message.
    ["o1", { max_completion_tokens: 500, reasoning_effort: "high", messages: asDeveloper }],
    ["o3", { max_completion_tokens: 500, reasoning_effort: "high", messages: asDeveloper }],
    ["o3-mini", { max_completion_tokens: 500, reasoning_effort: "high", messages: asDeveloper }],
    ["o4-mini", { max_completion_tokens: 500, reasoning_effort: "high", messages: asDeveloper }],
    ["gpt-5", { max_completion_tokens: 500, reasoning_effort: "high", messages: asDeveloper }],
    ["gpt-5-mini", { max_completion_tokens: 500, reasoning_effort: "high", messages: asDeveloper }],
    ["gpt-5-nano", { max_completion_tokens: 500, reasoning_effort: "high", messages: asDeveloper }],
    ["gpt-5-2025-08-07", { max_completion_tokens: 500, reasoning_effort: "high", messages: asDeveloper }],
    ["gpt-5.1", { max_completion_tokens: 500, reasoning_effort: "high", messages: asDeveloper }],
    ["gpt-5.2", { max_completion_tokens: 500, reasoning_effort: "high", messages: asDeveloper }],
    ["gpt-5.4-mini", { max_completion_tokens: 500, reasoning_effort: "high", messages: asDeveloper }],
    ["gpt-5.5", { max_completion_tokens: 500, reasoning_effort: "high", messages: asDeveloper }],
  ])("%s, with every setting stored and effort high", (model, expected) => {
    expect(request(model, { reasoning_effort: "high" })).toEqual({ model, ...expected });
  });

  test.each([
    ["gpt-5-mini", "minimal", "minimal"],
    ["gpt-5", "none", undefined],
    ["o3", "minimal", undefined],
    ["o4-mini", "low", "low"],
    ["gpt-5.1", "none", "none"],
    ["gpt-5.1", "minimal", undefined],
    ["gpt-5.2", "xhigh", "xhigh"],
    ["gpt-5-mini", undefined, undefined],
    ["gpt-4o", "low", undefined],
    ["o1-mini", "high", undefined],
    ["o3", "extreme", undefined],
  ])("%s with reasoning effort %s sends %s", (model, effort, sent) => {
    expect(request(model, { reasoning_effort: effort }).reasoning_effort).toBe(sent);
  });

  test("a sampling setting that is not stored is not sent", () => {
    const body = buildChatRequest(describeModel("gpt-4o"), { model: "gpt-4o", messages, max_tokens: 10 });
    expect(body).toEqual({ model: "gpt-4o", max_tokens: 10, messages });
  });

  test("every system message travels as a developer message to a reasoning model, the others as they are", () => {
    const context = [
      { role: "system" as const, content: "Be brief." },
      { role: "system" as const, content: "Summary of the conversation so far: …" },
      { role: "user" as const, content: "Hi" },
      { role: "assistant" as const, content: "Hello" },
    ];
    expect(buildChatRequest(describeModel("o3"), { model: "o3", messages: context, max_tokens: 5 }).messages).toEqual([
      { role: "developer", content: "Be brief." },
      { role: "developer", content: "Summary of the conversation so far: …" },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello" },
    ]);
  });
});

describe("the table", () => {
  test("each fact comes from the longest prefix that states it", () => {
    expect(describeModel("gpt-4o-mini-2024-07-18")).toMatchObject({
      contextWindow: 128_000,
      price: { input: 0.15, output: 0.6 },
      tokenLimit: "max_tokens",
    });
    expect(describeModel("o3-mini")).toMatchObject({
      contextWindow: 200_000,
      price: { input: 1.1, output: 4.4 },
      reasoningEfforts: ["low", "medium", "high"],
      instructionsRole: "developer",
    });
  });

  test("a model nobody told us about is a standard model with a small window and no price", () => {
    expect(describeModel("mistral:7b")).toEqual({
      contextWindow: 8_192,
      price: null,
      tokenLimit: "max_tokens",
      sampling: ["temperature", "top_p", "frequency_penalty", "presence_penalty"],
      reasoningEfforts: [],
      instructionsRole: "system",
    });
  });

  test("an id is matched at a dash or a colon, not inside a word", () => {
    expect(describeModel("o3x").tokenLimit).toBe("max_tokens");
    expect(describeModel("gpt-4ox").price).toBeNull();
  });

  test("merged entries change only the facts they state", () => {
    const table = mergeTables(MODEL_TABLE, {
      o3: { price: { input: 1, output: 2 } },
      "my-r1": { tokenLimit: "max_completion_tokens", sampling: [] },
    });
    expect(describeModel("o3", table)).toMatchObject({ price: { input: 1, output: 2 }, contextWindow: 200_000 });
    expect(describeModel("my-r1", table)).toMatchObject({
      tokenLimit: "max_completion_tokens",
      sampling: [],
      contextWindow: 8_192,
    });
  });
});

describe("prices", () => {
  // Pinned: a change to the table that moves one of these is a change people pay for.
  test.each([
    ["gpt-4o-mini", 0.00075],
    ["gpt-4o", 0.0125],
    ["o3", 0.01],
    ["gpt-5-mini", 0.00225],
  ])("1,000 prompt and 1,000 completion tokens of %s cost $%s", (model, dollars) => {
    expect(costFor(describeModel(model), { prompt_tokens: 1_000, completion_tokens: 1_000 })).toBeCloseTo(dollars, 12);
  });

  test("a model without a known price costs null, not a guess", () => {
    expect(costFor(describeModel("llama3.1:8b"), { prompt_tokens: 1_000, completion_tokens: 1_000 })).toBeNull();
    // A smaller model's row states its own price, or none, rather than take the larger one's.
    expect(describeModel("gpt-5.4-nano").price).toBeNull();
    expect(describeModel("gpt-5.4-mini").price).toEqual({ input: 0.75, output: 4.5 });
  });
});

describe("settings a model does not take", () => {
  const stored = { max_tokens: 800, temperature: 0.7, top_p: 0.9, frequency_penalty: 0, presence_penalty: 0 };

  test("an assistant moved to a reasoning model is told which of its settings are left out", () => {
    const leftOut = leftOutSettings(stored, describeModel("o3"));
    expect(leftOut).toEqual(["temperature 0.7", "top P 0.9"]);
    expect(leftOutNote("o3", leftOut)).toBe("o3 does not take temperature 0.7 or top P 0.9: they are left out.");
  });

  test("a reasoning effort on a model that takes none, or not that one, is left out", () => {
    const effort = { ...stored, temperature: 1, top_p: 1, reasoning_effort: "minimal" };
    expect(leftOutNote("gpt-4o", leftOutSettings(effort, describeModel("gpt-4o")))).toBe(
      "gpt-4o does not take reasoning effort minimal: it is left out.",
    );
    expect(leftOutSettings(effort, describeModel("o3"))).toEqual(["reasoning effort minimal"]);
    expect(leftOutSettings(effort, describeModel("gpt-5"))).toEqual([]);
  });

  test("settings at the API's defaults change nothing, so they need no note", () => {
    const neutral = { max_tokens: 800, temperature: 1, top_p: 1, frequency_penalty: 0, presence_penalty: 0 };
    expect(leftOutNote("o3", leftOutSettings(neutral, describeModel("o3")))).toBeNull();
  });

  test("the summary names what the model runs with", () => {
    expect(settingsSummary({ ...stored, reasoning_effort: "high" }, describeModel("o3"))).toBe(
      "max 800 completion tokens · reasoning effort high",
    );
    expect(settingsSummary(stored, describeModel("gpt-5-mini"))).toBe(
      "max 800 completion tokens · default reasoning effort",
    );
    expect(settingsSummary({ ...stored, max_tokens: 1_000 }, describeModel("gpt-4o"))).toBe(
      "max 1,000 tokens · temperature 0.7 · top P 0.9 · frequency penalty 0 · presence penalty 0",
    );
  });
});

describe("falling back from a model the key cannot use", () => {
  const key = ["gpt-4o", "gpt-4o-mini", "gpt-4.1-mini", "o3", "o3-mini", "gpt-5-mini"];

  test("a model the key has is kept", () => {
    expect(fallbackModel("o3", key)).toBe("o3");
  });

  test.each([
    ["a snapshot, to its own model", "gpt-4o-2024-05-13", "gpt-4o"],
    ["a retired standard model, to a standard one", "gpt-4-32k", "gpt-4.1-mini"],
    ["a retired reasoning model, to a reasoning one", "o1-preview", "gpt-5-mini"],
    ["an unknown model, to a standard one", "llama3.1:8b", "gpt-4.1-mini"],
  ])("%s", (_, wanted, expected) => {
    expect(fallbackModel(wanted, key)).toBe(expected);
  });

  test("a key that lists only dated snapshots still has the model", () => {
    expect(fallbackModel("gpt-4o", ["gpt-4o-2024-08-06", "gpt-4o-2024-11-20", "gpt-4o-mini"])).toBe(
      "gpt-4o-2024-11-20",
    );
  });

  test("with nothing of the same family, any model the key has; with no model, none", () => {
    expect(fallbackModel("o3", ["gpt-4o-mini", "gpt-4o"])).toBe("gpt-4o-mini");
    expect(fallbackModel("o3", ["llama3.1:8b"])).toBe("llama3.1:8b");
    expect(fallbackModel("o3", [])).toBeNull();
  });
});
