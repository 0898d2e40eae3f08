// The OpenAI-compatible API's paths: /v1 and everything under it. Remix matches
// routes whatever their case, so /V1/models is the API too. Imports nothing:
// scripts/server.ts runs it without a bundler.

export function isApiPath(pathname: string): boolean {
  return /^\/v1(\/|$)/i.test(pathname);
}
