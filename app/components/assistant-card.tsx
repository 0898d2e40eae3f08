import { Link } from "@remix-run/react";
import { Avatar } from "./avatar";

import type { BotSummary } from "~/models/bots.server";

/** What a card shows of an assistant. */
export type CardBot = Pick<BotSummary, "id" | "name" | "tag_line" | "description" | "sessions_started">;

export function sessionsLabel(count: number): string {
  return `${count.toLocaleString("en-US")} session${count === 1 ? "" : "s"}`;
}

/** A gallery card; without an id it is the lab's live preview. `footer` spans the card under its action. */
export function AssistantCard({
  bot,
  action,
  footer,
}: {
  bot: CardBot;
  action?: React.ReactNode;
  footer?: React.ReactNode;
}) {
  return (
    <article className="flex h-full flex-col rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <div className="flex items-start gap-3">
        <Avatar name={bot.name || "?"} seed={bot.id} />
        <div className="min-w-0">
          <h3 className="truncate text-base font-semibold">
            {bot.id ? (
              <Link to={`/assistants/${bot.id}`} className="hover:underline">
                {bot.name}
              </Link>
            ) : (
              bot.name || "Your assistant's name"
            )}
          </h3>
          <p className="text-sm text-slate-600 dark:text-slate-300">
            {bot.tag_line || "A tag line that says what it is for"}
          </p>
        </div>
      </div>
      <p className="mt-3 line-clamp-4 flex-1 text-sm text-slate-700 dark:text-slate-300">{bot.description}</p>
      <div className="mt-4 flex items-center justify-between gap-2">
        <span className="text-xs text-slate-500 dark:text-slate-400">{sessionsLabel(bot.sessions_started)}</span>
        {action}
      </div>
      {footer ? <div className="mt-4 border-t border-slate-200 pt-4 dark:border-slate-800">{footer}</div> : null}
    </article>
  );
}
