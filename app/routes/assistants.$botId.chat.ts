import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { requireAccount } from "~/identity/sign-in.server";
import { getOpenableBot } from "~/models/bots.server";
import { startSession } from "~/models/sessions.server";
import { chatModelFor } from "~/provider/models.server";
import { readForm } from "~/utils/request-body.server";

/** Starts a chat: a new session snapshotting the assistant, then its page. */
export async function action({ request, params }: ActionFunctionArgs) {
  const account = await requireAccount(request);
  const bot = await getOpenableBot(params.botId!);
  if (!bot) throw new Response("Not found", { status: 404 });
  const form = await readForm(request, { fields: ["model", "starter"] });
  const picked = form.get("model");
  const starter = form.get("starter");
  const choice = chatModelFor(
    bot.modelConfig.config.model,
    account.user.chat_models,
    typeof picked === "string" ? picked : null,
  );
  if (!choice) throw new Response("Your API key cannot use any chat model.", { status: 400 });
  const sessionId = await startSession({
    userId: account.caller.userId,
    bot,
    model: choice.model,
    modelFallbackFrom: choice.fallbackFrom,
  });
  // A starter prompt picked on the assistant's page is the chat's first message (the chat page sends it).
  const ask = typeof starter === "string" && bot.starter_prompts.includes(starter) ? starter : null;
  throw redirect(ask ? `/sessions/${sessionId}?ask=${encodeURIComponent(ask)}` : `/sessions/${sessionId}`);
}

export function loader({ params }: { params: { botId?: string } }) {
  return redirect(`/assistants/${params.botId}`);
}
