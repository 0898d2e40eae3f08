import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData, useSearchParams } from "@remix-run/react";
import { useState } from "react";
import { z } from "zod";
import { ChatView } from "~/components/chat-view";
import { labelText } from "~/schemas/text";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { ModelNotes } from "~/components/model-notes";
import { RecentChats } from "~/components/recent-chats";
import { starterPromptsOf } from "~/models/bots.server";
import { fallbackNote, leftOutNote, leftOutSettings } from "~/provider/models";
import { modelFacts } from "~/provider/models.server";
import {
  deleteSession,
  getOwnSession,
  listMessages,
  listOwnSessions,
  rateSession,
  renameSession,
  STATUS,
  TITLE_MAX,
  type ChatSession,
} from "~/models/sessions.server";
import { concludeWithRecap } from "~/chat/conclude.server";
import { messageView, sessionView } from "~/chat/session-view.server";
import { readForm } from "~/utils/request-body.server";
import { requireCaller } from "~/identity/caller.server";
import { signOutCookie } from "~/identity/cookie.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.session.title} · ${data.session.botName} · Assistant Lab` : "Not found · Assistant Lab" },
];

async function ownSession(request: Request, sessionId: string) {
  const caller = await requireCaller(request);
  const session = await getOwnSession(caller, sessionId);
  // Someone else's session and a missing one answer the same.
  if (!session) throw new Response("Not found", { status: 404 });
  return { caller, session };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { caller, session } = await ownSession(request, params.sessionId!);
  const [messages, starterPrompts, recent] = await Promise.all([
    listMessages(caller, session),
    starterPromptsOf(session.bot_id),
    listOwnSessions(caller, { limit: RECENT_CHATS }),
  ]);
  return {
    session: sessionView(session),
    recentChats: recent.sessions.map(sessionView).map(({ id, title, botName }) => ({ id, title, botName })),
    messages: messages.map(messageView),
    starterPrompts,
    modelNotes: modelNotes(session.bot_model_config, session.model_fallback_from),
  };
}

// As many as a sidebar shows without feeling like the history page, which lists them all.
const RECENT_CHATS = 15;

/** The chat's model, when it is not the assistant's own, and the assistant's settings it does not take. */
function modelNotes(config: ChatSession["bot_model_config"], fallbackFrom: string | null): string[] {
  const leftOut = leftOutNote(config.model, leftOutSettings(config, modelFacts(config.model)));
  return [fallbackFrom ? fallbackNote(fallbackFrom, config.model) : null, leftOut].filter((note) => note !== null);
}

const Intent = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("rename"), title: labelText("a title", TITLE_MAX) }),
  z.object({ intent: z.literal("delete") }),
  z.object({ intent: z.literal("rate"), rating: z.enum(["up", "down"]) }),
  z.object({ intent: z.literal("conclude") }),
]);

export async function action({ request, params }: ActionFunctionArgs) {
  const { caller, session } = await ownSession(request, params.sessionId!);
  const parsed = Intent.safeParse(
    Object.fromEntries(await readForm(request, { fields: ["intent", "title", "rating"] })),
  );
  if (!parsed.success)
    return data({ error: parsed.error.issues[0]?.message ?? "That request was not understood." }, { status: 400 });
  switch (parsed.data.intent) {
    case "rename":
      await renameSession(caller, session, parsed.data.title);
      return { error: null };
    case "delete":
      await deleteSession(session);
      throw redirect("/sessions");
    case "rate":
      await rateSession(session, session.rating === parsed.data.rating ? null : parsed.data.rating);
      return { error: null };
    case "conclude": {
      if (session.status === STATUS.completed) return { error: null };
      const result = await concludeWithRecap(caller, session, request.signal);
      if (result.ok) return { error: null };
      if (result.error.code === "key_rejected") {
        throw redirect("/?signedOut=key_rejected", { headers: { "Set-Cookie": await signOutCookie() } });
      }
      return data({ error: result.error.message }, { status: 502 });
    }
  }
}

export default function SessionPage() {
  const { session, messages, starterPrompts, modelNotes, recentChats } = useLoaderData<typeof loader>();
  // A starter prompt picked on the assistant's page, to send as the chat's first message.
  const [searchParams] = useSearchParams();
  // The chat's first message names it; the sidebar says so at once, as the page does not reload for it.
  const [named, setNamed] = useState<{ id: string; title: string } | null>(null);
  const chats = recentChats.map((chat) => (chat.id === named?.id ? { ...chat, title: named.title } : chat));
  return (
    <div className="mx-auto flex max-w-6xl items-start">
      <RecentChats chats={chats} />
      <div className="min-w-0 flex-1">
        {modelNotes.length > 0 ? (
          <div className="mx-auto max-w-3xl px-4 pt-6">
            <ModelNotes notes={modelNotes} />
          </div>
        ) : null}
        <ChatView
          key={session.id}
          session={session}
          messages={messages}
          starterPrompts={starterPrompts}
          ask={searchParams.get("ask")}
          onTitle={(title) => setNamed({ id: session.id, title })}
        />
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary statusHandlers={{ 404: () => "There is no chat of yours at this address." }} />;
}
