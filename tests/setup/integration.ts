// Every integration test file gets its own fake provider and test secrets,
// set before any app module reads the environment.
import { afterAll } from "vitest";
import { startFakeProvider } from "../fakes/openai-server";

if (!process.env.FIRESTORE_EMULATOR_HOST) {
  throw new Error("Integration tests need the Firestore emulator: run them with `npm test`.");
}

export const fakeProvider = await startFakeProvider({ chunkDelayMs: 1 });

Object.assign(process.env, {
  NODE_ENV: "test",
  OPENAI_BASE_URL: fakeProvider.url,
  PROVIDER_TIMEOUT_MS: "1500",
  // Long conversations in tests send far more than a person would.
  CHAT_TURNS_PER_MINUTE: "100000",
  SESSION_SECRETS: "integration-session-secret-0123456789abcdef",
  USER_HASH_SECRET: "integration-user-hash-secret-0123456789abcdef",
  ENCRYPTION_SECRET: "integration-encryption-secret-0123456789abcdef",
});

afterAll(() => fakeProvider.close());

/** A Chat Completions request as the provider received it. */
export type SentToProvider = {
  messages: { role: string; content: unknown; tool_calls?: unknown; tool_call_id?: string }[];
  [key: string]: unknown;
};

/** The last chat completion the provider received with this key. */
export function lastSentWith(apiKey: string): SentToProvider {
  const found = fakeProvider.requests.findLast(
    (request) => request.apiKey === apiKey && request.path === "/v1/chat/completions",
  );
  if (!found) throw new Error("The provider received no chat completion with this key.");
  return found.body as SentToProvider;
}
