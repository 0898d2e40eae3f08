import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { buttonSecondary } from "~/components/ui";
import { listOwnSessions } from "~/models/sessions.server";
import { formatCost, formatDate } from "~/utils/format";
import { sessionView } from "~/chat/session-view.server";
import { requireCaller } from "~/identity/caller.server";

export const meta: MetaFunction = () => [{ title: "History · Assistant Lab" }];

const PAGE_SIZE = 20;
const Params = z.object({
  after: z
    .string()
    .regex(/^[\w-]{1,100}$/)
    .optional()
    .catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const caller = await requireCaller(request);
  const { after } = Params.parse(Object.fromEntries(new URL(request.url).searchParams));
  const page = await listOwnSessions(caller, { after, limit: PAGE_SIZE });
  return { sessions: page.sessions.map(sessionView), nextCursor: page.nextCursor };
}

export default function History() {
  const { sessions, nextCursor } = useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  return (
    <main className="mx-auto max-w-5xl px-4 py-8">
      <h1 className="text-2xl font-semibold">History</h1>
      {sessions.length === 0 ? (
        <p className="mt-8 text-slate-600 dark:text-slate-300">
          No chats yet.{" "}
          <Link to="/assistants" className="text-indigo-600 underline dark:text-indigo-400">
            Pick an assistant
          </Link>{" "}
          to start one.
        </p>
      ) : (
        <>
          {/* A phone has no room for six columns: there each chat is a short card. */}
          <ul aria-label="Chats" className="mt-6 divide-y divide-slate-200 sm:hidden dark:divide-slate-800">
            {sessions.map((session) => (
              <li key={session.id} className="py-3">
                <ChatLink session={session} />
                <p className="mt-1 text-sm">
                  {session.botName} · {formatCost(session.cost, session.unpricedTokens)}
                </p>
                <p className="mt-0.5 text-xs text-slate-600 dark:text-slate-400">
                  {formatDate(session.created)} · {session.model} · {session.messageCount} message
                  {session.messageCount === 1 ? "" : "s"} · {session.statusLabel}
                  {session.source === "api" ? " · API" : ""}
                </p>
              </li>
            ))}
          </ul>
          <div className="mt-6 hidden overflow-x-auto sm:block">
            <table className="w-full text-left text-sm">
              <thead className="text-xs uppercase text-slate-600 dark:text-slate-400">
                <tr>
                  <th className="py-2 pr-4">Chat</th>
                  <th className="py-2 pr-4">Assistant</th>
                  <th className="py-2 pr-4">Started</th>
                  <th className="py-2 pr-4">Model</th>
                  <th className="py-2 pr-4 text-right">Messages</th>
                  <th className="py-2 text-right">Cost</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
                {sessions.map((session) => (
                  <tr key={session.id}>
                    <td className="py-2 pr-4">
                      <ChatLink session={session} />
                      <span className="ml-2 text-xs text-slate-600 dark:text-slate-400">
                        {session.statusLabel}
                        {session.source === "api" ? " · API" : ""}
                      </span>
                    </td>
                    <td className="py-2 pr-4">{session.botName}</td>
                    <td className="py-2 pr-4 whitespace-nowrap">{formatDate(session.created)}</td>
                    <td className="py-2 pr-4">{session.model}</td>
                    <td className="py-2 pr-4 text-right">{session.messageCount}</td>
                    <td className="py-2 text-right whitespace-nowrap">
                      {formatCost(session.cost, session.unpricedTokens)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <div className="mt-6 flex justify-between">
        {searchParams.get("after") ? (
          <Link to="/sessions" className={buttonSecondary}>
            Newest
          </Link>
        ) : (
          <span />
        )}
        {nextCursor ? (
          <Link to={`/sessions?after=${nextCursor}`} className={buttonSecondary}>
            Older
          </Link>
        ) : null}
      </div>
    </main>
  );
}

function ChatLink({ session }: { session: { id: string; title: string } }) {
  return (
    <Link
      to={`/sessions/${session.id}`}
      className="font-medium break-words text-indigo-700 hover:underline dark:text-indigo-300"
    >
      {session.title}
    </Link>
  );
}
