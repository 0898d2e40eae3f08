import type { Caller } from "~/models/caller";
import { concludeSession, type ChatSession } from "~/models/sessions.server";
import { completeOnce } from "~/provider/client.server";
import { classifyProviderError } from "~/provider/errors.server";
import { costOf } from "~/provider/models.server";
import { buildMessages } from "./context.server";
import type { ChatError } from "./events";
import { chatError } from "./turn.server";

/** Asks the assistant for a recap with the session's summary prompt, then ends the session. */
export async function concludeWithRecap(
  caller: Caller,
  session: ChatSession,
  signal?: AbortSignal,
): Promise<{ ok: true } | { ok: false; error: ChatError }> {
  const { model, max_tokens: maxTokens } = session.bot_model_config;
  const messages = [
    ...buildMessages({ instructions: session.bot_initial_prompt_msg, context: session.context, model, maxTokens }),
    { role: "user" as const, content: session.bot_summary_prompt_msg },
  ];
  let completion;
  try {
    completion = await completeOnce(
      caller.apiKey,
      { model, messages, max_tokens: Math.min(maxTokens, 800), temperature: 0.3 },
      signal,
    );
  } catch (error) {
    return { ok: false, error: chatError(classifyProviderError(error)) };
  }
  // A database that does not answer is not the provider's failure: it surfaces as the 503 it is.
  await concludeSession(caller, session, {
    text: completion.text.trim(),
    model,
    usage: completion.usage,
    cost: costOf(model, completion.usage),
  });
  return { ok: true };
}
