import { Link, NavLink } from "@remix-run/react";
import type { SessionView } from "~/chat/session-view.server";

export type RecentChat = Pick<SessionView, "id" | "title" | "botName">;

/** The person's latest chats beside the open one, on screens wide enough for both. */
export function RecentChats({ chats }: { chats: RecentChat[] }) {
  return (
    <nav
      aria-label="Recent chats"
      className="sticky top-0 hidden max-h-screen w-60 shrink-0 overflow-y-auto py-6 pl-4 lg:block"
    >
      <h2 className="px-2 text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">
        Recent chats
      </h2>
      <ul className="mt-2 space-y-1">
        {chats.map((chat) => (
          <li key={chat.id}>
            <NavLink
              to={`/sessions/${chat.id}`}
              className={({ isActive }) =>
                `block rounded-md px-2 py-1.5 text-sm ${
                  isActive
                    ? "bg-indigo-100 font-medium text-indigo-900 dark:bg-indigo-900 dark:text-indigo-100"
                    : "text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800"
                }`
              }
            >
              <span className="block truncate">{chat.title}</span>
              <span className="block truncate text-xs text-slate-600 dark:text-slate-300">{chat.botName}</span>
            </NavLink>
          </li>
        ))}
      </ul>
      <Link to="/sessions" className="mt-3 block px-2 text-sm text-indigo-700 underline dark:text-indigo-300">
        All chats
      </Link>
    </nav>
  );
}
