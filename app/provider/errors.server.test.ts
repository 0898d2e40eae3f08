import OpenAI from "openai";
import { describe, expect, test } from "vitest";
import {
  apiFailure,
  chatFailure,
  classifyProviderError,
  PROVIDER_ERROR_KINDS,
  signInFailure,
  StallError,
  type ProviderErrorKind,
} from "./errors.server";

// One row per kind of provider failure: how it arrives, and what the chat, the
// API and sign-in each make of it. A kind added to errors.server.ts without a
// row here fails the first test.

function apiError(status: number, message: string, code: string | null = null, headers: Record<string, string> = {}) {
  return OpenAI.APIError.generate(status, { error: { message, type: "x", code } }, undefined, new Headers(headers));
}

type Row = {
  error: unknown;
  partial?: boolean;
  chat: { retryable: boolean; says: string };
  api: { status: number; code: string; says?: string };
  signIn: { status: number; says: string };
};

const ROWS: Record<ProviderErrorKind, Row> = {
  key_rejected: {
    error: apiError(401, "Incorrect API key provided: sk-abc***", "invalid_api_key"),
    chat: { retryable: false, says: "rejected your API key" },
    api: { status: 401, code: "invalid_api_key" },
    signIn: { status: 401, says: "rejected this API key" },
  },
  rate_limited: {
    error: apiError(429, "Rate limit reached for requests", "rate_limit_exceeded", { "retry-after": "12" }),
    chat: { retryable: true, says: "Try again in 12 seconds" },
    api: { status: 429, code: "rate_limit_exceeded", says: "Try again in 12 seconds" },
    signIn: { status: 429, says: "Try again in 12 seconds" },
  },
  model_unavailable: {
    error: apiError(404, "The model `gpt-9` does not exist", "model_not_found"),
    chat: { retryable: false, says: "cannot use this assistant's model" },
    api: { status: 404, code: "model_not_found" },
    signIn: { status: 502, says: "could not list" },
  },
  bad_request: {
    error: apiError(
      400,
      "Unsupported parameter: 'max_tokens' is not supported with this model.",
      "unsupported_parameter",
    ),
    chat: { retryable: false, says: "Unsupported parameter: 'max_tokens'" },
    api: { status: 400, code: "unsupported_parameter", says: "Unsupported parameter: 'max_tokens'" },
    signIn: { status: 502, says: "refused" },
  },
  timeout: {
    error: new StallError(1000),
    chat: { retryable: true, says: "did not answer in time" },
    api: { status: 504, code: "provider_timeout" },
    signIn: { status: 503, says: "did not answer within 10 seconds" },
  },
  stream_interrupted: {
    error: new OpenAI.APIConnectionError({ message: "socket hang up" }),
    partial: true,
    chat: { retryable: true, says: "What arrived is kept" },
    api: { status: 502, code: "stream_interrupted" },
    signIn: { status: 503, says: "stopped answering" },
  },
  unreachable: {
    error: new OpenAI.APIConnectionError({ message: "ECONNREFUSED" }),
    chat: { retryable: true, says: "could not be reached" },
    api: { status: 502, code: "provider_unreachable" },
    signIn: { status: 503, says: "could not be reached" },
  },
  provider_error: {
    error: apiError(500, "The server had an error while processing your request."),
    chat: { retryable: true, says: "error 500" },
    api: { status: 502, code: "provider_error", says: "The server had an error" },
    signIn: { status: 502, says: "error 500" },
  },
};

test("every kind of provider failure has its row here", () => {
  expect(Object.keys(ROWS).sort()).toEqual([...PROVIDER_ERROR_KINDS].sort());
});

describe.each(Object.entries(ROWS) as [ProviderErrorKind, Row][])("%s", (kind, row) => {
  const failure = classifyProviderError(row.error, row.partial ?? false);

  test("is recognised", () => {
    expect(failure.kind).toBe(kind);
  });

  test("reads in the chat", () => {
    const chat = chatFailure(failure);
    expect(chat.retryable).toBe(row.chat.retryable);
    expect(chat.message).toContain(row.chat.says);
  });

  test("answers the API in OpenAI's shape", () => {
    const api = apiFailure(failure);
    expect(api).toMatchObject({ status: row.api.status, code: row.api.code });
    if (row.api.says) expect(api.message).toContain(row.api.says);
    expect(api.message).not.toMatch(/^\d{3} /);
  });

  test("reads at sign-in", () => {
    const signIn = signInFailure(failure, 10);
    expect(signIn.status).toBe(row.signIn.status);
    expect(signIn.message).toContain(row.signIn.says);
  });
});

test("a 429 without a message of its own does not read as '429 429'", () => {
  const bare = OpenAI.APIError.generate(429, undefined, undefined, new Headers());
  const failure = classifyProviderError(bare);
  expect(failure.providerMessage).toBeNull();
  expect(apiFailure(failure).message).not.toContain("429");
});

test("a timeout after text arrived says what arrived is kept", () => {
  expect(chatFailure(classifyProviderError(new StallError(1000), true)).message).toContain("What arrived is kept");
});
