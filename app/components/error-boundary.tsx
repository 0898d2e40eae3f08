import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

type StatusHandler = (error: { status: number; data: unknown }) => React.ReactNode;

const defaultMessages: Record<number, string> = {
  400: "That request was not understood.",
  403: "You are not allowed to do that.",
  404: "We could not find that page. It may have been removed, or the link may be wrong.",
  405: "That page does not accept this kind of request.",
  413: "That was more than this page accepts. Nothing was saved.",
  415: "This page accepts only its own forms. Nothing was saved.",
  429: "Too many requests. Wait a moment and try again.",
  503: "The database did not answer in time. Nothing is lost: try again in a few seconds.",
};

/** Statuses whose refusals say precisely what was wrong with the request (request-body.server.ts). */
const SAYS_WHY = new Set([400, 413, 415]);

function ownWords(error: { status: number; data: unknown }): string | null {
  return SAYS_WHY.has(error.status) && typeof error.data === "string" && error.data.trim() ? error.data : null;
}

/** One error page for every route, with per-status messages that routes may override. */
export function GeneralErrorBoundary({ statusHandlers = {} }: { statusHandlers?: Record<number, StatusHandler> }) {
  const error = useRouteError();
  if (typeof document !== "undefined" && !isRouteErrorResponse(error)) console.error(error);

  const [title, body] = isRouteErrorResponse(error)
    ? [
        error.status === 404 ? "Not found" : `Error ${error.status}`,
        statusHandlers[error.status]?.(error) ??
          ownWords(error) ??
          defaultMessages[error.status] ??
          "Something went wrong with that request.",
      ]
    : ["Something went wrong", "An unexpected error happened on our side. Try again in a moment."];

  return (
    <main className="mx-auto max-w-xl px-4 py-16 text-center">
      <h1 className="text-2xl font-semibold">{title}</h1>
      <div className="mt-4 text-slate-600 dark:text-slate-300">{body}</div>
      <Link to="/" className="mt-8 inline-block text-indigo-600 underline dark:text-indigo-400">
        Back to the home page
      </Link>
    </main>
  );
}
