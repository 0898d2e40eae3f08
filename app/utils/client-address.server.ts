import type { AppLoadContext } from "@remix-run/node";

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** The client's address as the HTTP server sees it, after its trusted-proxy setting. */
    clientAddress?: string;
    /** Aborted when the server shuts down: a reply still streaming then is cut and saved. */
    shutdownSignal?: AbortSignal;
  }
}

export function clientAddress(context: AppLoadContext): string {
  return context.clientAddress ?? "unknown";
}
