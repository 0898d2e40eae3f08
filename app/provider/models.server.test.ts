import { beforeAll, describe, expect, test } from "vitest";
import { costOf, isReasoningModel, requestSettings } from "./models.server";

const settings = { max_tokens: 500, temperature: 0.7, top_p: 0.9, frequency_penalty: 0.5, presence_penalty: 0.6 };

describe("the request each model family takes", () => {
  test.each(["gpt-4o", "gpt-4o-mini", "gpt-4.1-mini", "gpt-4o-mini-2024-07-18", "gpt-5-chat-latest", "llama3.1:8b"])(
    "%s takes max_tokens and every sampling setting",
    (model) => {
      expect(isReasoningModel(model)).toBe(false);
      expect(requestSettings(model, settings)).toEqual({ model, ...settings });
    },
  );

  test.each(["o1", "o3", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5-2025-08-07"])(
    "%s takes max_completion_tokens and no sampling setting",
    (model) => {
      expect(isReasoningModel(model)).toBe(true);
      expect(requestSettings(model, settings)).toEqual({ model, max_completion_tokens: 500 });
    },
  );
});

describe("prices", () => {
  // Prices may be overridden by the environment, which the server checks whole.
  beforeAll(() => {
    for (const name of ["SESSION_SECRETS", "USER_HASH_SECRET", "ENCRYPTION_SECRET"])
      process.env[name] ??= `unit-${name}-0123456789abcdef0123456789`;
  });

  test.each([
    ["gpt-4o-mini", 0.00075],
    ["gpt-4o", 0.0125],
    ["o3-mini", 0.0055],
  ])("1,000 prompt and 1,000 completion tokens of %s cost $%s", (model, dollars) => {
    expect(costOf(model, { prompt_tokens: 1_000, completion_tokens: 1_000 })).toBeCloseTo(dollars, 10);
  });
});
