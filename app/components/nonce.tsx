import { createContext, useContext } from "react";

// The server renders each page inside a provider holding its response's CSP
// nonce (app/entry.server.tsx). In the browser there is none to provide, and
// none is needed: browsers hide the nonce once the page loads, and the scripts
// Remix adds later are trusted through 'strict-dynamic'.
const NonceContext = createContext<string | undefined>(undefined);

export const NonceProvider = NonceContext.Provider;

export function useNonce(): string | undefined {
  return useContext(NonceContext);
}
