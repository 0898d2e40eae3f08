import { describe, expect, test } from "vitest";
import { chatModelIds, isChatModel } from "./chat-models";

describe("isChatModel", () => {
  test.each(["gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3-mini", "gpt-3.5-turbo", "llama3.1:8b", "mistral-large-latest"])(
    "keeps the chat model %s",
    (id) => {
      expect(isChatModel(id)).toBe(true);
    },
  );

  test.each([
    "text-embedding-3-small",
    "nomic-embed-text",
    "whisper-1",
    "gpt-4o-transcribe",
    "tts-1-hd",
    "gpt-4o-mini-tts",
    "dall-e-3",
    "gpt-image-1",
    "omni-moderation-latest",
    "gpt-4o-audio-preview",
    "gpt-4o-realtime-preview",
    "davinci-002",
    "babbage-002",
  ])("drops the non-chat model %s", (id) => {
    expect(isChatModel(id)).toBe(false);
  });
});

test("chatModelIds removes duplicates and sorts", () => {
  expect(chatModelIds(["gpt-4o", "whisper-1", "gpt-4o-mini", "gpt-4o"])).toEqual(["gpt-4o", "gpt-4o-mini"]);
});
