import type { LoaderFunctionArgs } from "@remix-run/node";
import { listOwnBots, listShowcasedBots, type Bot } from "~/models/bots.server";
import { clientAddress } from "~/utils/client-address.server";
import { authenticate } from "~/identity/bearer.server";

// GET /v1/models: the assistants the caller may use, as OpenAI models.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const caller = await authenticate(request, clientAddress(context));
  if (caller instanceof Response) return caller;
  const [showcased, own] = await Promise.all([listShowcasedBots({ sort: "popular", limit: 100 }), listOwnBots(caller)]);
  const seen = new Set<string>();
  const data = [...own.filter((bot) => bot.is_active), ...showcased.bots]
    .filter((bot) => !seen.has(bot.id) && seen.add(bot.id))
    .map(asModel);
  return Response.json({ object: "list", data });
}

function asModel(bot: Bot) {
  return {
    id: bot.id,
    object: "model",
    created: Math.floor((bot.created_date?.toMillis() ?? 0) / 1000),
    owned_by: "assistant-lab",
    name: bot.name,
    tag_line: bot.tag_line,
  };
}
