import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FAKE_CHAT_MODELS, startFakeProvider, type FakeProvider } from "../../tests/fakes/openai-server";
import { checkApiKey, type ProviderConfig } from "./client.server";

let fake: FakeProvider;
let config: ProviderConfig;

beforeAll(async () => {
  fake = await startFakeProvider();
  config = { baseURL: fake.url, timeoutMs: 1_000 };
});
afterAll(() => fake.close());

describe("checkApiKey", () => {
  test("a working key lists only its chat models", async () => {
    const result = await checkApiKey("sk-test-good", config);
    expect(result).toEqual({ ok: true, chatModels: [...FAKE_CHAT_MODELS].sort() });
  });

  test("sends the key it was given, and only that key", async () => {
    await Promise.all([checkApiKey("sk-test-one", config), checkApiKey("sk-test-two", config)]);
    const keys = fake.requests.filter((request) => request.path === "/v1/models").map((request) => request.apiKey);
    expect(keys).toEqual(expect.arrayContaining(["sk-test-one", "sk-test-two"]));
  });

  test("a rejected key is reported as rejected", async () => {
    expect(await checkApiKey("sk-fake-rejected-1", config)).toMatchObject({
      ok: false,
      reason: "provider",
      failure: { kind: "key_rejected", status: 401 },
    });
  });

  test("a key with no chat models is told apart from a rejected one", async () => {
    expect(await checkApiKey("sk-fake-nochat-1", config)).toEqual({ ok: false, reason: "no-chat-models" });
  });

  test("a provider that does not answer times out instead of hanging", async () => {
    const started = Date.now();
    const result = await checkApiKey("sk-fake-stall-1", { ...config, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, reason: "provider", failure: { kind: "timeout" } });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("a provider nobody listens on is unreachable", async () => {
    const result = await checkApiKey("sk-test-good", { baseURL: "http://127.0.0.1:9/v1", timeoutMs: 1_000 });
    expect(result).toMatchObject({ ok: false, reason: "provider", failure: { kind: "unreachable" } });
  });

  test("a provider error is neither a rejection nor unreachable", async () => {
    expect(await checkApiKey("sk-fake-error-1", config)).toMatchObject({
      ok: false,
      reason: "provider",
      failure: { kind: "provider_error", status: 500 },
    });
  });
});
