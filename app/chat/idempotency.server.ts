import { createHash } from "node:crypto";
import type { ApiCaller } from "~/identity/bearer.server";
import { claimIdempotencyKey, type Claim } from "~/models/idempotent-requests.server";
import { openAiError } from "~/utils/openai-error";

// Idempotency-Key on /v1 (the IETF draft's header, as Stripe and others use
// it): a call repeated with the same key and the same request gets the first
// call's stored answer, and the provider is not called again. Only a call
// that succeeded is kept; a failed one frees its key, and its retry runs as
// if it were the first (a failed call leaves nothing behind anyway).

/** What an answered call keeps: enough to answer its repeat the same way. */
export type StoredAnswer = { headers: Record<string, string>; body: unknown };

/** The adapter's report of how the call ended: its answer, or null when it failed or was cut off. */
export type Settle = (answer: StoredAnswer | null) => Promise<void>;

const MAX_KEY_LENGTH = 255;

/** The request's Idempotency-Key, if it sent one; a 400 when it is not a usable key. */
export function idempotencyKeyOf(request: Request): string | null | Response {
  const key = request.headers.get("Idempotency-Key");
  if (key === null) return null;
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    return openAiError(
      400,
      `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} visible ASCII characters.`,
      "invalid_request_error",
      "invalid_idempotency_key",
    );
  }
  return key;
}

/** What makes two requests the same request: the path, the session continued, and the parsed body. */
export function fingerprintOf(path: string, sessionId: string | null, body: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify([path, sessionId, body]))
    .digest("hex");
}

/** Claims the key once the caller is known (null when no key was sent or no caller was found). */
export async function claimFor(
  caller: Promise<ApiCaller | null>,
  key: string | null,
  fingerprint: string,
): Promise<Claim | null> {
  if (key === null) return null;
  const found = await caller;
  return found ? claimIdempotencyKey(found, key, fingerprint) : null;
}

/**
 * Runs a call under its claim: a key already answered is replayed, one in use
 * or used for another request is refused, and a new one is kept or freed as
 * the call ends. `run` gets the function the adapter calls once the turn ends;
 * a call refused before its turn ran (any error response) frees the key here.
 */
export async function underClaim(
  claim: Claim | null,
  run: (settle: Settle | undefined) => Promise<Response>,
  replay: (answer: StoredAnswer) => Response,
): Promise<Response> {
  if (claim === null) return run(undefined);
  if (claim.kind === "done") return replay(claim.result as StoredAnswer);
  if (claim.kind === "running") {
    return openAiError(
      409,
      "A request with this Idempotency-Key is still being answered. Retry when it has finished.",
      "invalid_request_error",
      "idempotency_key_in_use",
      { headers: { "Retry-After": String(claim.retryAfterSeconds) } },
    );
  }
  if (claim.kind === "mismatch") {
    return openAiError(
      422,
      "This Idempotency-Key was used for a different request. Use a new key for a new request.",
      "invalid_request_error",
      "idempotency_key_reused",
    );
  }
  let settled = false;
  const settle: Settle = async (answer) => {
    if (settled) return;
    settled = true;
    // A key that could not be kept or freed runs out by itself (CLAIM_HELD_MS); the call's answer stands.
    await (answer ? claim.keep(answer) : claim.release()).catch(() => undefined);
  };
  const response = await run(settle).catch(async (error: unknown) => {
    await settle(null);
    throw error;
  });
  if (!response.ok) await settle(null);
  return response;
}

/** The header a replayed answer carries, so a client can tell it from a fresh one. */
export const REPLAYED_HEADER = { "Idempotent-Replayed": "true" };
