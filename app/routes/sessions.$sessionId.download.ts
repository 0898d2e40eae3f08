import type { LoaderFunctionArgs } from "@remix-run/node";
import { getOwnSession, listMessages } from "~/models/sessions.server";
import { messageView, sessionView, transcriptMarkdown } from "~/chat/session-view.server";
import { requireCaller } from "~/identity/caller.server";

/** The transcript as a file: ?format=md (default) or ?format=json. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const caller = await requireCaller(request);
  const session = await getOwnSession(caller, params.sessionId!);
  if (!session) throw new Response("Not found", { status: 404 });
  const view = sessionView(session);
  const messages = (await listMessages(caller, session)).map(messageView);
  const format = new URL(request.url).searchParams.get("format") === "json" ? "json" : "md";
  const filename = `${
    view.title
      .replace(/[^\w -]+/g, "")
      .trim()
      .replace(/\s+/g, "-")
      .slice(0, 60) || "chat"
  }.${format}`;
  const body =
    format === "json" ? JSON.stringify({ session: view, messages }, null, 2) : transcriptMarkdown(view, messages);
  return new Response(body, {
    headers: {
      "Content-Type": format === "json" ? "application/json; charset=utf-8" : "text/markdown; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "private, no-store",
    },
  });
}
