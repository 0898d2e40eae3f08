import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

// AES-256-GCM with a fresh 96-bit IV for every message. Tokens are
// "v1.<iv>.<ciphertext>.<tag>" in base64url so they fit in cookies and strings.

const VERSION = "v1";
const IV_BYTES = 12;
const KEY_BYTES = 32;
const TAG_BYTES = 16;

export function hashApiKey(apiKey: string, secret: string): string {
  return createHmac("sha256", secret).update(apiKey, "utf8").digest("hex");
}

export function deriveKey(inputKeyMaterial: string | Buffer, salt: string, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", inputKeyMaterial, salt, info, KEY_BYTES));
}

export function encrypt(key: Buffer, plaintext: string, associatedData: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/** Returns null for anything that is not a token sealed with this key and data. */
export function decrypt(key: Buffer, token: string, associatedData: string): string | null {
  const [version, iv, ciphertext, tag, ...rest] = token.split(".");
  if (version !== VERSION || !iv || ciphertext === undefined || !tag || rest.length > 0) {
    return null;
  }
  try {
    // A fixed tag length stops a forger from trying truncated tags.
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(associatedData, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
