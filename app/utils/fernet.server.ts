import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

// Fernet (github.com/fernet/spec), the symmetric token format GPT Lab encrypted
// its conversations with (Python's cryptography.fernet). This product reads
// GPT Lab's tokens once, to re-encrypt them under its own scheme; `encrypt`
// exists for tests that write documents exactly as GPT Lab did.
//
// Token: 0x80 | 8-byte big-endian timestamp | 16-byte IV | AES-128-CBC
// ciphertext (PKCS#7) | HMAC-SHA256 of all of that, under a 32-byte key whose
// first half signs and second half encrypts, all in URL-safe base64.

const VERSION = 0x80;
const HEADER_BYTES = 1 + 8 + 16;
const MAC_BYTES = 32;

function keyParts(key: string): { signing: Buffer; encryption: Buffer } {
  const bytes = Buffer.from(key, "base64url");
  if (bytes.length !== 32) throw new Error("A Fernet key is 32 bytes in URL-safe base64.");
  return { signing: bytes.subarray(0, 16), encryption: bytes.subarray(16) };
}

/** The plaintext of a Fernet token, or null when the token is malformed or was not made with this key. */
export function fernetDecrypt(key: string, token: string): Buffer | null {
  const { signing, encryption } = keyParts(key);
  const bytes = Buffer.from(token, "base64url");
  if (bytes.length < HEADER_BYTES + 16 + MAC_BYTES || bytes[0] !== VERSION) return null;
  const signed = bytes.subarray(0, bytes.length - MAC_BYTES);
  const mac = createHmac("sha256", signing).update(signed).digest();
  if (!timingSafeEqual(mac, bytes.subarray(bytes.length - MAC_BYTES))) return null;
  try {
    const decipher = createDecipheriv("aes-128-cbc", encryption, bytes.subarray(9, HEADER_BYTES));
    return Buffer.concat([decipher.update(signed.subarray(HEADER_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}

/** A Fernet token of `plaintext`; the time and IV may be given (test vectors), else now and random. */
export function fernetEncrypt(
  key: string,
  plaintext: Buffer | string,
  options: { at?: Date; iv?: Buffer } = {},
): string {
  const { signing, encryption } = keyParts(key);
  const iv = options.iv ?? randomBytes(16);
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(Math.floor((options.at ?? new Date()).getTime() / 1000)));
  const cipher = createCipheriv("aes-128-cbc", encryption, iv);
  const body = Buffer.concat([Buffer.from([VERSION]), time, iv, cipher.update(plaintext), cipher.final()]);
  const mac = createHmac("sha256", signing).update(body).digest();
  // Python's cryptography writes the padded URL-safe alphabet.
  return Buffer.concat([body, mac]).toString("base64").replaceAll("+", "-").replaceAll("/", "_");
}
