import crypto from "node:crypto";
import { promisify } from "node:util";
import { carryOverGptLabSessions, gptLabFernetKey } from "~/models/gpt-lab-sessions.server";
import { findGptLabUserId, isKnownHash, type GptLabPerson } from "~/models/users.server";
import { transcriptKey } from "~/utils/transcript-crypto.server";

// GPT Lab's identity for a key: hex(PBKDF2-HMAC-SHA256(password = key,
// salt = key, 200,000 iterations, 32 bytes)), with GPT Lab's global salt empty
// (as it must be for its Fernet keys to work). Only a key's first sign-in here
// computes it, to find the GPT Lab person it belongs to; it runs on libuv's
// thread pool, never on the event loop, and is never stored.

const ITERATIONS = 200_000;
const KEY_BYTES = 32;

export async function gptLabUserHash(apiKey: string): Promise<string> {
  // Looked up at each call, so a test can watch it being paid.
  const derived = await promisify(crypto.pbkdf2)(apiKey, apiKey, ITERATIONS, KEY_BYTES, "sha256");
  return derived.toString("hex");
}

/**
 * At a key's first sign-in here (no identity for it yet): GPT Lab's identity
 * for the key when GPT Lab knew its person, for the sign-in to adopt them.
 * Their GPT Lab conversations are re-encrypted first, while GPT Lab's identity
 * still names them: should that fail half-way, nothing is adopted and the
 * next sign-in carries over the rest (docs/decisions/033). Called only once
 * the provider has accepted the key, so PBKDF2 is not spent on keys that do
 * not work.
 */
export async function gptLabPersonAtFirstSignIn(
  apiKey: string,
  userHash: string,
  chatModels: readonly string[],
): Promise<GptLabPerson | undefined> {
  if (await isKnownHash(userHash)) return undefined;
  const gptLabHash = await gptLabUserHash(apiKey);
  const userId = await findGptLabUserId(gptLabHash);
  if (!userId) return undefined;
  const carried = await carryOverGptLabSessions({
    userId,
    fernetKey: gptLabFernetKey(gptLabHash),
    key: transcriptKey(apiKey),
    chatModels,
  });
  // Counts only: for an operator watching the move, nothing that names the person or their key.
  const { sessions, messages, unreadable } = carried;
  console.info(
    `GPT Lab person adopted; carried over: ${sessions} sessions, ${messages} messages, ${unreadable} unreadable.`,
  );
  return { hash: gptLabHash, userId };
}
