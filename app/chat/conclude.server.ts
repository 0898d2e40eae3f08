import { concludeSession, type ChatSession } from "~/models/sessions.server";
import type { ChatError } from "./events";
import { buildMessages } from "./context.server";
import { costOf } from "~/provider/models.server";
import { describeProviderError } from "~/provider/errors.server";
import { completeOnce } from "~/provider/client.server";
import type { TranscriptKey } from "~/utils/transcript-crypto.server";

/** Asks the assistant for a recap with the session's summary prompt, then ends the session. */
export async function concludeWithRecap(
  session: ChatSession,
  key: TranscriptKey,
  apiKey: string,
  signal?: AbortSignal,
): Promise<{ ok: true } | { ok: false; error: ChatError }> {
  const { model, max_tokens: maxTokens } = session.bot_model_config;
  const messages = [
    ...buildMessages({ instructions: session.bot_initial_prompt_msg, context: session.context, model, maxTokens }),
    { role: "user" as const, content: session.bot_summary_prompt_msg },
  ];
  try {
    const completion = await completeOnce(
      apiKey,
      { model, messages, max_tokens: Math.min(maxTokens, 800), temperature: 0.3 },
      signal,
    );
    await concludeSession(session, key, {
      text: completion.text.trim(),
      model,
      usage: completion.usage,
      cost: costOf(model, completion.usage),
    });
    return { ok: true };
  } catch (error) {
    return { ok: false, error: describeProviderError(error, false) };
  }
}
