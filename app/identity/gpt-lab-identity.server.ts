import crypto from "node:crypto";
import { promisify } from "node:util";

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
