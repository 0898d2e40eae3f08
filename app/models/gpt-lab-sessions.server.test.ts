import { describe, expect, test } from "vitest";
import { gptLabContext, gptLabFernetKey } from "./gpt-lab-sessions.server";

// GPT Lab's messages_str as its code wrote it: json.dumps of
// [{role, message, created_date}], where a coaching session it condensed
// starts with its summary stamped `current_date` (api_util_openai).

describe("GPT Lab's saved context", () => {
  test("a brainstorming context: its turns in order, with GPT Lab's times", () => {
    const text =
      '[{"role": "assistant", "message": "Hi! \\u2600\\ufe0f", "created_date": "2023-05-02T03:20:00.100000-07:00"}, ' +
      '{"role": "user", "message": "Why?", "created_date": "2023-05-02T03:20:30.100001-07:00"}]';
    expect(gptLabContext(text)).toEqual({
      summary: null,
      turns: [
        { role: "assistant", content: "Hi! ☀️" },
        { role: "user", content: "Why?" },
      ],
      times: ["2023-05-02T03:20:00.100000-07:00", "2023-05-02T03:20:30.100001-07:00"],
    });
  });

  test("a condensed coaching context: the summary GPT Lab made, then the turns it kept", () => {
    const text = JSON.stringify([
      { role: "assistant", message: "They have three deadlines.", current_date: "2023-05-02T04:00:00.000001-07:00" },
      { role: "user", message: "And Friday?", created_date: "2023-05-02T04:00:01.000001-07:00" },
    ]);
    expect(gptLabContext(text)).toMatchObject({
      summary: "They have three deadlines.",
      turns: [{ role: "user", content: "And Friday?" }],
    });
  });

  test("an assistant greeting first is a turn, not a summary; `content` is read where `message` is absent", () => {
    const text = JSON.stringify([
      { role: "assistant", message: "Hello.", created_date: "2023-05-02T04:00:00-07:00" },
      { role: "system", content: "ignored" },
      { role: "user", content: "Hi." },
    ]);
    expect(gptLabContext(text)).toMatchObject({
      summary: null,
      turns: [
        { role: "assistant", content: "Hello." },
        { role: "user", content: "Hi." },
      ],
      times: ["2023-05-02T04:00:00-07:00", null],
    });
  });

  test("an entry GPT Lab did not write as expected is skipped; the rest of the conversation stays", () => {
    const text = JSON.stringify([
      { role: "user", message: "Kept." },
      { role: "tool", message: "x" },
      { role: "assistant", message: 42 },
      "not an entry",
      { role: "assistant", message: "Also kept." },
    ]);
    expect(gptLabContext(text)?.turns).toEqual([
      { role: "user", content: "Kept." },
      { role: "assistant", content: "Also kept." },
    ]);
  });

  test("nothing saved, or something that is not a list, reads as none", () => {
    expect(gptLabContext(null)).toBeNull();
    expect(gptLabContext("not json")).toBeNull();
    expect(gptLabContext('{"role": "user"}')).toBeNull();
  });
});

test("GPT Lab's Fernet key is urlsafe_b64(bytes.fromhex(user_hash)): 32 bytes", () => {
  const hash = "00ff".repeat(16);
  expect(Buffer.from(gptLabFernetKey(hash), "base64url")).toEqual(Buffer.from(hash, "hex"));
});
