import { LRUCache } from "lru-cache";
import type { Caller } from "~/models/caller";
import { findUserByHash } from "~/models/users.server";
import { checkApiKey } from "~/provider/client.server";
import { apiFailure } from "~/provider/errors.server";
import { describeWait } from "~/utils/format";
import { openAiError } from "~/utils/openai-error";
import { callerFor, userHashFor } from "./caller.server";
import { beginSignInAttempt, countKeyAttempt } from "./rate-limit.server";
import { personForKey } from "./sign-in.server";

// The OpenAI-compatible API's identity: the provider key as a bearer token.

/** A caller of the API, with the chat models their key could use at its last check. */
export type ApiCaller = Caller & { chatModels: string[] };

function bearer(request: Request): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get("Authorization") ?? "");
  return match?.[1] ?? null;
}

/** A bearer key read from a request: its hash at once, and the caller behind it once known. */
export type Bearer = { userHash: string; caller: Promise<ApiCaller | Response> };

/**
 * Reads the bearer key and starts finding its caller; the hash (what limits
 * count against) is known at once, so a request can start its own reads
 * while the caller is being found.
 */
export function bearerOf(request: Request, clientAddress: string): Bearer | Response {
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
  return { userHash, caller: callerOfKey(apiKey, userHash, clientAddress) };
}

export async function authenticate(request: Request, clientAddress: string): Promise<ApiCaller | Response> {
  const found = bearerOf(request, clientAddress);
  return found instanceof Response ? found : found.caller;
}

/**
 * The people behind key hashes this instance has seen lately: which user a
 * hash belongs to never changes, so a call from a known key starts without
 * reading it. The chat models a key can use are kept a minute at most, as the
 * last check found them (a web sign-in checks them again).
 */
const knownUsers = new LRUCache<string, { id: string; chatModels: string[] }>({ max: 10_000, ttl: 60_000 });

async function findKnownUser(userHash: string) {
  const cached = knownUsers.get(userHash);
  if (cached) return cached;
  const found = await findUserByHash(userHash);
  if (!found) return null;
  const known = { id: found.id, chatModels: found.chat_models };
  knownUsers.set(userHash, known);
  return known;
}

/**
 * The caller behind a bearer key. A key seen before is known by its hash (one
 * read, or none when seen lately); a new one is checked with the provider once
 * (rate-limited like web sign-in) and becomes a user, exactly as signing in on
 * the web would.
 */
async function callerOfKey(apiKey: string, userHash: string, clientAddress: string): Promise<ApiCaller | Response> {
  const known = await findKnownUser(userHash);
  if (known) return { ...callerFor({ userId: known.id, apiKey }, userHash), chatModels: known.chatModels };

  const attempt = await countKeyAttempt(await beginSignInAttempt(clientAddress), userHash);
  if (!attempt.allowed) {
    return openAiError(
      429,
      `Too many new keys tried. Try again in ${describeWait(attempt.retryAfterSeconds)}.`,
      "rate_limit_error",
      "rate_limit_exceeded",
      { headers: { "Retry-After": String(attempt.retryAfterSeconds) } },
    );
  }
  const check = await checkApiKey(apiKey);
  if (!check.ok) {
    if (check.reason === "no-chat-models") {
      return openAiError(403, "This key cannot use any chat model.", "invalid_request_error", "no_chat_models");
    }
    const failure = apiFailure(check.failure);
    return openAiError(failure.status, failure.message, failure.type, failure.code);
  }
  const { userId } = await personForKey(apiKey, userHash, check.chatModels);
  await attempt.succeeded();
  return { ...callerFor({ userId, apiKey }, userHash), chatModels: check.chatModels };
}
