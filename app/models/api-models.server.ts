import type { Caller } from "./caller";
import { getOpenableProfile, listOwnBots, listShowcasedBots, type Bot } from "./bots.server";

// Assistants as the OpenAI-compatible API shows them: OpenAI model objects
// (`GET /v1/models` and `GET /v1/models/{id}`), with the assistant's name and
// tag line added. The models are exactly the assistants a chat completion accepts.

export type ModelObject = ReturnType<typeof modelObject>;

function modelObject(bot: Bot) {
  return {
    id: bot.id,
    object: "model" as const,
    created: Math.floor((bot.created_date?.toMillis() ?? 0) / 1000),
    owned_by: "assistant-lab",
    name: bot.name,
    tag_line: bot.tag_line,
  };
}

/** The caller's own active assistants, then the showcased ones: each once. */
export async function listModels(caller: Caller): Promise<ModelObject[]> {
  const [showcased, own] = await Promise.all([listShowcasedBots({ sort: "popular", limit: 100 }), listOwnBots(caller)]);
  const seen = new Set<string>();
  return [...own.filter((bot) => bot.is_active), ...showcased.bots]
    .filter((bot) => !seen.has(bot.id) && seen.add(bot.id))
    .map(modelObject);
}

/** Any assistant a link opens (own, shared or showcased, and active); null for the rest, alike. */
export async function findModel(botId: string): Promise<ModelObject | null> {
  const bot = await getOpenableProfile(botId);
  return bot ? modelObject(bot) : null;
}
