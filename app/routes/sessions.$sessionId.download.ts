import type { LoaderFunctionArgs } from "@remix-run/node";
import { getOwnSession, listMessages } from "~/models/sessions.server";
import { messageView, sessionView, transcriptMarkdown } from "~/chat/session-view.server";
import { requireUser } from "~/identity/cookie.server";
import { transcriptKey } from "~/utils/transcript-crypto.server";

/** The transcript as a file: ?format=md (default) or ?format=json. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const key = transcriptKey(user.apiKey);
  const session = await getOwnSession(params.sessionId!, user.userId, key);
  if (!session) throw new Response("Not found", { status: 404 });
  const view = sessionView(session);
  const messages = (await listMessages(session.id, key)).map(messageView);
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
