import { describe, expect, test } from "vitest";
import { gptLabFernetKey } from "~/models/gpt-lab-sessions.server";
import { fernetDecrypt, fernetEncrypt } from "./fernet.server";

// The Fernet specification's published vector (fernet/spec, generate.json and verify.json).
const VECTOR = {
  token: "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==",
  now: "1985-10-26T01:20:00-07:00",
  iv: Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
  src: "hello",
  secret: "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=",
};

describe("Fernet", () => {
  test("makes the specification's token from its time, IV, key and message", () => {
    expect(fernetEncrypt(VECTOR.secret, VECTOR.src, { at: new Date(VECTOR.now), iv: VECTOR.iv })).toBe(VECTOR.token);
  });

  test("reads the specification's token", () => {
    expect(fernetDecrypt(VECTOR.secret, VECTOR.token)?.toString()).toBe("hello");
  });

  test("refuses a token made with another key, a tampered one, and garbage", () => {
    const other = Buffer.alloc(32, 7).toString("base64url");
    expect(fernetDecrypt(other, VECTOR.token)).toBeNull();
    const tampered = Buffer.from(VECTOR.token, "base64url");
    tampered[30] = tampered[30]! ^ 1;
    expect(fernetDecrypt(VECTOR.secret, tampered.toString("base64url"))).toBeNull();
    expect(fernetDecrypt(VECTOR.secret, "not a token")).toBeNull();
  });

  // Made by Python's cryptography (48.0) as GPT Lab made its tokens: the key is
  // urlsafe_b64encode(bytes.fromhex(hash_user_string(key))) for the key "sk-gptlab-vector-0001".
  test("reads a token Python's cryptography made under a GPT Lab key", () => {
    const hash = "d1a7f93e21dc753ab51b9d5b2b40965795f261c97d5b65b21176e85397e99dab";
    const key = gptLabFernetKey(hash);
    expect(Buffer.from(key, "base64url").toString("base64").replaceAll("+", "-").replaceAll("/", "_")).toBe(
      "0af5PiHcdTq1G51bK0CWV5XyYcl9W2WyEXboU5fpnas=",
    );
    const token =
      "gAAAAABrFLtrmxu8BH__cFqcZdmjOzubdLeTFsBswuUp6TdmbJWctGkeJbEWYcX6IZyn1qM44lUnaRzBViUE7NQrA_DJ80i6XFBNf3SZt0C1Gpbb5sMqkfk=";
    expect(fernetDecrypt(key, token)?.toString("utf8")).toBe("Hello, it's GPT Lab: café ☕");
  });

  test("round-trips text of any length with a random IV", () => {
    const text = "Ünïcode and a long line ".repeat(40);
    const token = fernetEncrypt(VECTOR.secret, text);
    expect(token).not.toBe(fernetEncrypt(VECTOR.secret, text));
    expect(fernetDecrypt(VECTOR.secret, token)?.toString()).toBe(text);
  });
});
