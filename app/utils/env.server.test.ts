import { expect, test } from "vitest";
import { parseEnv } from "./env.server";

const secrets = {
  SESSION_SECRETS: "a".repeat(32),
  USER_HASH_SECRET: "b".repeat(32),
  ENCRYPTION_SECRET: "c".repeat(32),
};

test("a complete environment parses, with defaults filled in", () => {
  const env = parseEnv({ ...secrets, NODE_ENV: "production" });
  expect(env.OPENAI_BASE_URL).toBe("https://api.openai.com/v1");
  expect(env.PORT).toBe(3000);
  expect(env.SESSION_SECRETS).toEqual(["a".repeat(32)]);
  expect(env.cookieSecure).toBe(true);
  expect(env.projectId).toBe("demo-assistant-lab");
});

test.each(["SESSION_SECRETS", "USER_HASH_SECRET", "ENCRYPTION_SECRET"])(
  "a missing %s stops the server with its name",
  (name) => {
    const source: Record<string, string> = { ...secrets, NODE_ENV: "production" };
    delete source[name];
    expect(() => parseEnv(source)).toThrow(new RegExp(`${name}: ${name} is missing`));
  },
);

test("a short secret is refused with advice on making one", () => {
  expect(() => parseEnv({ ...secrets, USER_HASH_SECRET: "short" })).toThrow(/at least 32 characters/);
});

test("session secrets are a comma-separated list for rotation", () => {
  const env = parseEnv({ ...secrets, SESSION_SECRETS: `${"n".repeat(32)}, ${"o".repeat(32)}` });
  expect(env.SESSION_SECRETS).toEqual(["n".repeat(32), "o".repeat(32)]);
});

test("cookies are Secure in production unless COOKIE_SECURE says otherwise", () => {
  expect(parseEnv({ ...secrets, NODE_ENV: "development" }).cookieSecure).toBe(false);
  expect(parseEnv({ ...secrets, NODE_ENV: "production", COOKIE_SECURE: "false" }).cookieSecure).toBe(false);
});

test("a malformed provider URL is refused", () => {
  expect(() => parseEnv({ ...secrets, OPENAI_BASE_URL: "not a url" })).toThrow(/OPENAI_BASE_URL/);
});

test("model tables take JSON overrides, and refuse anything else", () => {
  const env = parseEnv({
    ...secrets,
    MODEL_PRICES: '{"local-llm":{"input":0,"output":0}}',
    MODEL_CONTEXT_WINDOWS: '{"local-llm":4096}',
  });
  expect(env.MODEL_PRICES).toEqual({ "local-llm": { input: 0, output: 0 } });
  expect(env.MODEL_CONTEXT_WINDOWS).toEqual({ "local-llm": 4096 });
  expect(() => parseEnv({ ...secrets, MODEL_PRICES: "not json" })).toThrow(/MODEL_PRICES must be a JSON object/);
  expect(() => parseEnv({ ...secrets, MODEL_CONTEXT_WINDOWS: '{"x":-1}' })).toThrow(/MODEL_CONTEXT_WINDOWS/);
});

test("the API's browser origins default to any, and take a list of origins", () => {
  expect(parseEnv(secrets).API_CORS_ORIGINS).toEqual(["*"]);
  expect(parseEnv({ ...secrets, API_CORS_ORIGINS: "" }).API_CORS_ORIGINS).toEqual([]);
  const env = parseEnv({ ...secrets, API_CORS_ORIGINS: "https://app.example.com/, http://localhost:5173" });
  expect(env.API_CORS_ORIGINS).toEqual(["https://app.example.com", "http://localhost:5173"]);
});

test.each(["https://app.example.com/chat", "app.example.com", "ftp://files.example.com", "https://a.example.com?x=1"])(
  "an API origin with more or less than scheme, host and port (%s) stops the server",
  (origin) => {
    expect(() => parseEnv({ ...secrets, API_CORS_ORIGINS: origin })).toThrow(
      new RegExp(`API_CORS_ORIGINS: .*is not an origin`),
    );
  },
);
