import { describe, expect, test } from "vitest";
import { describeModel } from "./models";
import { configuredEntries, modelTable } from "./models.server";
import { parseEnv } from "~/utils/env.server";

const secrets = {
  SESSION_SECRETS: "unit-session-secret-0123456789abcdef0123",
  USER_HASH_SECRET: "unit-user-hash-secret-0123456789abcdef0123",
  ENCRYPTION_SECRET: "unit-encryption-secret-0123456789abcdef0123",
};

describe("the model table as configured", () => {
  test("MODEL_TABLE's partial entries change only the facts they state", () => {
    const env = parseEnv({
      ...secrets,
      MODEL_TABLE: JSON.stringify({
        o3: { price: { input: 1, output: 4 } },
        "deepseek-r1": { tokenLimit: "max_completion_tokens", sampling: ["temperature"], contextWindow: 65_536 },
      }),
    });
    const table = modelTable(env);
    expect(describeModel("o3", table)).toMatchObject({
      price: { input: 1, output: 4 },
      contextWindow: 200_000,
      reasoningEfforts: ["low", "medium", "high"],
    });
    expect(describeModel("deepseek-r1:14b", table)).toMatchObject({
      tokenLimit: "max_completion_tokens",
      sampling: ["temperature"],
      contextWindow: 65_536,
      price: null,
    });
  });

  test("the older MODEL_CONTEXT_WINDOWS and MODEL_PRICES still count, under MODEL_TABLE", () => {
    const env = parseEnv({
      ...secrets,
      MODEL_CONTEXT_WINDOWS: JSON.stringify({ "llama3.1": 131_072 }),
      MODEL_PRICES: JSON.stringify({ "llama3.1": { input: 0, output: 0 }, "gpt-4o": { input: 3, output: 12 } }),
      MODEL_TABLE: JSON.stringify({ "gpt-4o": { price: { input: 2, output: 9 } } }),
    });
    expect(configuredEntries(env)).toEqual({
      "llama3.1": { contextWindow: 131_072, price: { input: 0, output: 0 } },
      "gpt-4o": { price: { input: 2, output: 9 } },
    });
    expect(describeModel("llama3.1:8b", modelTable(env))).toMatchObject({
      contextWindow: 131_072,
      price: { input: 0, output: 0 },
    });
  });

  test("a price of null says a model's cost is unknown, over a built-in price", () => {
    const env = parseEnv({ ...secrets, MODEL_TABLE: JSON.stringify({ "gpt-4o": { price: null } }) });
    expect(describeModel("gpt-4o", modelTable(env)).price).toBeNull();
  });

  test("a mistyped entry stops the server with a message naming it", () => {
    expect(() => parseEnv({ ...secrets, MODEL_TABLE: JSON.stringify({ o3: { contextWindw: 1 } }) })).toThrow(
      /MODEL_TABLE\.o3: Unrecognized key: "contextWindw"/,
    );
    expect(() => parseEnv({ ...secrets, MODEL_TABLE: JSON.stringify({ o3: { reasoningEfforts: ["huge"] } }) })).toThrow(
      /MODEL_TABLE\.o3\.reasoningEfforts\.0/,
    );
    expect(() => parseEnv({ ...secrets, MODEL_TABLE: "[not json" })).toThrow(/MODEL_TABLE must be a JSON object/);
  });
});
