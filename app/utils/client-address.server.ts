import type { AppLoadContext } from "@remix-run/node";

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** The client's address as the HTTP server sees it, after its trusted-proxy setting. */
    clientAddress?: string;
  }
}

export function clientAddress(context: AppLoadContext): string {
  return context.clientAddress ?? "unknown";
}
