// What the HTTP server (scripts/server.ts, `getLoadContext`) gives every loader,
// action and the document render. Optional, because tests call loaders and
// actions with an empty context.
declare module "@remix-run/node" {
  interface AppLoadContext {
    /** The client's address as the HTTP server sees it, after its trusted-proxy setting. */
    clientAddress?: string;
    /** This response's Content-Security-Policy nonce, for the scripts the page renders. */
    cspNonce?: string;
    /** Aborted when the server shuts down: a reply still streaming then is cut and saved. */
    shutdownSignal?: AbortSignal;
  }
}

export {};
