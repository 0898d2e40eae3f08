// The Content-Security-Policy header, built per request around that request's
// nonce. Pure, so it is tested on its own; scripts/server.ts sends it.

export type ServerMode = "production" | "development";

/**
 * Vite's HMR WebSocket port in development. In middleware mode Vite listens on
 * its own port rather than ours, so the page's `connect-src 'self'` does not
 * cover it; scripts/server.ts gives Vite this port and the policy allows it.
 */
export const DEV_HMR_PORT = 24678;

export function contentSecurityPolicy(nonce: string, mode: ServerMode): string {
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    // Only scripts carrying this response's nonce run, and the modules they
    // import ('strict-dynamic'); injected inline scripts and event handler
    // attributes do not. Hosts and 'self' are ignored next to 'strict-dynamic'.
    "script-src": [`'nonce-${nonce}'`, "'strict-dynamic'"],
    "connect-src": ["'self'"],
    // Data URLs for small inline images; no remote images, so a reply cannot load a tracking pixel.
    "img-src": ["'self'", "data:"],
    // React renders style attributes (widths, positions), which count as inline styles.
    "style-src": ["'self'", "'unsafe-inline'"],
    "font-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "object-src": ["'none'"],
  };
  if (mode === "development") {
    // Vite's client connects to ws://<page host>:<HMR port> for hot updates. Its
    // modules, the HMR runtime and React Refresh are imported by Remix's nonced
    // module script, so 'strict-dynamic' already lets them run; the styles it
    // injects are inline <style> elements, which style-src already allows.
    directives["connect-src"]!.push(`ws://*:${DEV_HMR_PORT}`);
  }
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(" ")}`)
    .join("; ");
}
