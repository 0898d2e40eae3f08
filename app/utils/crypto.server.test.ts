import { createHmac, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { decrypt, deriveKey, encrypt, hashApiKey } from "./crypto.server";

const SECRET = "a-server-secret-that-is-long-enough-0123";

describe("hashApiKey", () => {
  test("is HMAC-SHA256 of the key under the server secret, in hex", () => {
    const expected = createHmac("sha256", SECRET).update("sk-example").digest("hex");
    expect(hashApiKey("sk-example", SECRET)).toBe(expected);
    expect(hashApiKey("sk-example", SECRET)).toMatch(/^[0-9a-f]{64}$/);
  });

  test("the same key gives the same hash and different keys give different hashes", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        expect(hashApiKey(a, SECRET)).toBe(hashApiKey(a, SECRET));
        if (a !== b) expect(hashApiKey(a, SECRET)).not.toBe(hashApiKey(b, SECRET));
      }),
    );
  });

  test("a different server secret gives a different hash, so a key cannot be confirmed without it", () => {
    expect(hashApiKey("sk-example", SECRET)).not.toBe(hashApiKey("sk-example", `${SECRET}x`));
  });
});

describe("encrypt and decrypt", () => {
  const key = deriveKey(SECRET, "salt", "test");

  test("round-trips any text", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (plaintext, aad) => {
        expect(decrypt(key, encrypt(key, plaintext, aad), aad)).toBe(plaintext);
      }),
    );
  });

  test("uses a fresh IV each time, so equal texts give different tokens", () => {
    expect(encrypt(key, "same", "doc")).not.toBe(encrypt(key, "same", "doc"));
  });

  test("the token does not contain the plaintext", () => {
    const token = encrypt(key, "sk-secret-key-material", "doc");
    expect(token).not.toContain("sk-secret-key-material");
    expect(token).not.toContain(Buffer.from("sk-secret-key-material").toString("base64url"));
  });

  test("fails with another key, other associated data, or any tampering", () => {
    const token = encrypt(key, "hello", "doc-1");
    expect(decrypt(deriveKey(SECRET, "salt", "other"), token, "doc-1")).toBeNull();
    expect(decrypt(key, token, "doc-2")).toBeNull();
    const [version, iv, ciphertext, tag] = token.split(".");
    const flipped = Buffer.from(ciphertext!, "base64url");
    flipped[0] = flipped[0]! ^ 1;
    expect(decrypt(key, [version, iv, flipped.toString("base64url"), tag].join("."), "doc-1")).toBeNull();
    expect(decrypt(key, [version, iv, ciphertext, tag!.slice(0, 8)].join("."), "doc-1")).toBeNull();
    expect(decrypt(key, "not a token", "doc-1")).toBeNull();
    expect(decrypt(key, `${token}.extra`, "doc-1")).toBeNull();
  });

  test("derived keys are 32 bytes and depend on every input", () => {
    const base = deriveKey("ikm", "salt", "info");
    expect(base).toHaveLength(32);
    expect(deriveKey("ikm2", "salt", "info").equals(base)).toBe(false);
    expect(deriveKey("ikm", "salt2", "info").equals(base)).toBe(false);
    expect(deriveKey("ikm", "salt", "info2").equals(base)).toBe(false);
    expect(deriveKey(randomBytes(32), "salt", "info")).toHaveLength(32);
  });
});
