import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext, HandleErrorFunction } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { NonceProvider } from "./components/nonce";
import { stopShowcaseIndex } from "./models/bots.server";
import { DatabaseUnavailable } from "./utils/db.server";
import { getEnv } from "./utils/env.server";

// Fail at boot, naming the missing setting, rather than on the first request.
getEnv();

const ABORT_DELAY_MS = 5_000;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  // Every script this page renders (Remix's, React's streaming ones) carries the response's nonce.
  const nonce = loadContext.cspNonce;
  // An error page for a database outage says when to try again, as the outage's own response does.
  if (responseStatusCode === 503 && !responseHeaders.has("Retry-After")) {
    responseHeaders.set("Retry-After", String(DatabaseUnavailable.RETRY_AFTER_SECONDS));
  }
  // Crawlers get the whole page at once; browsers get the shell as soon as it is ready.
  const readyEvent = isbot(request.headers.get("user-agent") ?? "") ? "onAllReady" : "onShellReady";
  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY_MS} nonce={nonce} />
      </NonceProvider>,
      {
        nonce,
        [readyEvent]() {
          shellRendered = true;
          const body = new PassThrough();
          responseHeaders.set("Content-Type", "text/html");
          resolve(
            new Response(createReadableStreamFromReadable(body), {
              headers: responseHeaders,
              status: responseStatusCode,
            }),
          );
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered) console.error(error);
        },
      },
    );
    setTimeout(abort, ABORT_DELAY_MS + 1_000);
  });
}

export const handleError: HandleErrorFunction = (error, { request }) => {
  // Remix reports aborted requests and unknown URLs too; neither is a fault of ours.
  if (request.signal.aborted || isNotFound(error)) return;
  console.error(error instanceof Error ? error.stack : error);
};

function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && "status" in error && error.status === 404;
}

/**
 * Ends what the app keeps open between requests, the showcase's Firestore
 * listener: the server calls it (through the build's entry module) once it
 * has stopped serving, so the listener closes its stream rather than being
 * cut by the process's exit.
 */
export function stopBackgroundWork() {
  stopShowcaseIndex();
}
