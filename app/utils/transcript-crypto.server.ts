import { decrypt, deriveKey, encrypt } from "./crypto.server";
import { getEnv } from "./env.server";

// Transcripts are encrypted under a key derived (HKDF-SHA256) from the person's
// API key, which only they can present, and a server secret, which a database
// dump does not contain. Each ciphertext is bound to its document and field,
// so it cannot be moved to another document and still decrypt.

const INFO = "assistant-lab/transcripts/v1";

export type TranscriptKey = { readonly key: Buffer };

export function transcriptKey(apiKey: string, serverSecret = getEnv().ENCRYPTION_SECRET): TranscriptKey {
  return { key: deriveKey(apiKey, serverSecret, INFO) };
}

export function seal(key: TranscriptKey, text: string, documentPath: string, field: string): string {
  return encrypt(key.key, text, `${documentPath}#${field}`);
}

/** The plaintext, or null when the token was made under another key, document or field. */
export function open(key: TranscriptKey, token: string, documentPath: string, field: string): string | null {
  return decrypt(key.key, token, `${documentPath}#${field}`);
}
