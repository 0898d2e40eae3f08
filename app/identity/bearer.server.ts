import OpenAI from "openai";
import { getUserIdForHash, signInUser, getUser } from "~/models/users.server";
import { userHashFor } from "./sign-in.server";
import { checkApiKey } from "~/provider/client.server";
import { beginSignInAttempt, countKeyAttempt } from "./rate-limit.server";
import { describeWait } from "~/utils/format";

// The OpenAI-compatible API speaks OpenAI's dialect: bearer keys, its error
// shape and status codes, so the SDKs' typed errors work unchanged.

export type ErrorType =
  "invalid_request_error" | "authentication_error" | "rate_limit_error" | "server_error" | "api_error";

export function openAiError(
  status: number,
  message: string,
  type: ErrorType,
  code: string | null,
  options: { param?: string | null; headers?: HeadersInit } = {},
): Response {
  return Response.json(
    { error: { message, type, param: options.param ?? null, code } },
    { status, headers: options.headers },
  );
}

export type ApiCaller = { userId: string; apiKey: string; chatModels: string[] };

function bearer(request: Request): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get("Authorization") ?? "");
  return match?.[1] ?? null;
}

/**
 * The caller behind a bearer key. A key seen before is known by its hash; a
 * new one is checked with the provider once (rate-limited like web sign-in)
 * and becomes a user, exactly as signing in on the web would.
 */
export async function authenticate(request: Request, clientAddress: string): Promise<ApiCaller | Response> {
  const apiKey = bearer(request);
  if (!apiKey) {
    return openAiError(
      401,
      "You didn't provide an API key. Send your provider key as 'Authorization: Bearer <key>'.",
      "invalid_request_error",
      "missing_api_key",
    );
  }
  const userHash = userHashFor(apiKey);
  const knownId = await getUserIdForHash(userHash);
  const known = knownId ? await getUser(knownId) : null;
  if (known) return { userId: known.id, apiKey, chatModels: known.chat_models };

  const attempt = await countKeyAttempt(await beginSignInAttempt(clientAddress), userHash);
  if (!attempt.allowed) {
    return openAiError(
      429,
      `Too many new keys tried. Try again in ${describeWait(attempt.retryAfterSeconds)}.`,
      "rate_limit_error",
      "rate_limit_exceeded",
      {
        headers: { "Retry-After": String(attempt.retryAfterSeconds) },
      },
    );
  }
  const check = await checkApiKey(apiKey);
  if (!check.ok) {
    if (check.reason === "rejected")
      return openAiError(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
    if (check.reason === "no-chat-models")
      return openAiError(403, "This key cannot use any chat model.", "invalid_request_error", "no_chat_models");
    return openAiError(
      502,
      "The model provider could not check your key. Try again in a moment.",
      "api_error",
      "provider_unavailable",
    );
  }
  const { userId } = await signInUser(userHash, check.chatModels);
  await attempt.succeeded();
  return { userId, apiKey, chatModels: check.chatModels };
}

/** A provider failure in OpenAI's shape: its own status for auth and rate limits, 502 for the rest. */
export function providerFailure(error: unknown, headers: HeadersInit = {}): Response {
  if (error instanceof OpenAI.AuthenticationError) {
    return openAiError(401, "The provider rejected your API key.", "invalid_request_error", "invalid_api_key", {
      headers,
    });
  }
  if (error instanceof OpenAI.RateLimitError) {
    const retryAfter = error.headers?.get("retry-after");
    return openAiError(429, error.message, "rate_limit_error", "rate_limit_exceeded", {
      headers: { ...Object.fromEntries(new Headers(headers)), ...(retryAfter ? { "Retry-After": retryAfter } : {}) },
    });
  }
  // Only the provider's own message is passed on; anything else may describe our internals.
  const detail = error instanceof OpenAI.APIError ? `: ${error.message}` : ".";
  return openAiError(502, `The model provider failed${detail}`, "api_error", "provider_error", { headers });
}
