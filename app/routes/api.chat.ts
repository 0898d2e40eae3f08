import type { ActionFunctionArgs } from "@remix-run/node";
import { settleTurn, startWebTurn } from "~/chat/session-turn.server";
import { testDriveTurn } from "~/chat/test-drive.server";
import { runTurn } from "~/chat/turn.server";
import { webReply } from "~/chat/web-reply.server";
import { getCaller } from "~/identity/caller.server";
import { ChatRequestSchema } from "~/schemas/chat";
import { apiError, readJsonBody } from "~/utils/request-body.server";

// The web chat's one streaming route: a turn as Server-Sent Events (app/chat/events.ts).

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") throw apiError(405, "method_not_allowed", "Use POST.");
  const caller = await getCaller(request);
  if (!caller) throw apiError(401, "signed_out", "Your session has ended. Sign in again to keep chatting.");
  const body = await readJsonBody(request, ChatRequestSchema);
  const shutdown = context.shutdownSignal;

  if (body.mode === "settle") return settleTurn(caller, body);
  if (body.mode === "draft") {
    const turn = await testDriveTurn(caller, body, { signal: request.signal, shutdown });
    return webReply(request.signal, (signal) => runTurn({ ...turn, signal }));
  }
  const { title, turn } = await startWebTurn(caller, body, { shutdown });
  return webReply(request.signal, (signal) => runTurn({ ...turn, signal }), { title });
}

export function loader() {
  return apiError(405, "method_not_allowed", "Send messages with POST.", { headers: { Allow: "POST" } });
}
