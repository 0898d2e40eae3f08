// Which of a provider's models can hold a chat. Providers list everything a key
// may call; the ones below cannot take chat completions, so pickers never offer them.
const NOT_FOR_CHAT = [
  /embed/i,
  /whisper/i,
  /transcribe/i,
  /\btts\b|-tts/i,
  /dall-e/i,
  /gpt-image|image-/i,
  /moderation/i,
  /audio/i,
  /realtime/i,
  /speech/i,
  /^(babbage|davinci)(-\d+)?$/i,
  /^sora/i,
];

export function isChatModel(id: string): boolean {
  return !NOT_FOR_CHAT.some((pattern) => pattern.test(id));
}

export function chatModelIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].filter(isChatModel).sort((a, b) => a.localeCompare(b));
}
