import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { getOpenableBot } from "~/models/bots.server";
import { startSession } from "~/models/sessions.server";
import { requireAccount } from "~/identity/sign-in.server";
import { fallbackModel } from "~/provider/models";
import { modelTable } from "~/provider/models.server";
import { readForm } from "~/utils/request-body.server";

/** Starts a chat: a new session snapshotting the assistant, then its page. */
export async function action({ request, params }: ActionFunctionArgs) {
  const account = await requireAccount(request);
  const bot = await getOpenableBot(params.botId!);
  if (!bot) throw new Response("Not found", { status: 404 });
  const picked = (await readForm(request, { fields: ["model"] })).get("model");
  const botModel = bot.modelConfig.config.model;
  const model = chooseModel(typeof picked === "string" ? picked : null, botModel, account.chat_models);
  if (!model) throw new Response("Your API key cannot use any chat model.", { status: 400 });
  // Whatever model the chat runs, the person is told when the assistant's own was out of reach.
  const modelFallbackFrom = account.chat_models.includes(botModel) ? undefined : botModel;
  const sessionId = await startSession({ userId: account.id, bot, model, modelFallbackFrom });
  throw redirect(`/sessions/${sessionId}`);
}

/** The person's pick when their key can use it, else the assistant's model or the closest one the key has. */
function chooseModel(picked: string | null, botModel: string, usable: string[]): string | null {
  if (picked && usable.includes(picked)) return picked;
  return fallbackModel(botModel, usable, modelTable());
}

export function loader({ params }: { params: { botId?: string } }) {
  return redirect(`/assistants/${params.botId}`);
}
