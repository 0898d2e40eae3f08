// How many bytes a request body may have, by path. Shared by the HTTP server,
// which refuses a larger declared Content-Length before the app sees it, and
// by the app, which stops reading a body (chunked, or lying about its length)
// once it passes the same limit. Imports nothing: scripts/server.ts runs it
// without a bundler.
import { isApiPath } from "./api-paths.ts";

const KB = 1024;

export const BODY_LIMITS = {
  /** The largest form (the lab, every field at its limit in four-byte characters) is about 70 KB. */
  form: 128 * KB,
  /** A chat turn or test drive: 40 messages of 8,000 characters would be ~1.3 MB; the draft limit keeps it far below. */
  chat: 512 * KB,
  /** The OpenAI-compatible API: whole conversations sent by other programs. */
  api: 2 * 1024 * KB,
} as const;

export function bodyLimitFor(pathname: string): number {
  if (isApiPath(pathname)) return BODY_LIMITS.api;
  if (pathname === "/api/chat") return BODY_LIMITS.chat;
  return BODY_LIMITS.form;
}

function describeBytes(bytes: number): string {
  return bytes >= 1024 * KB ? `${bytes / (1024 * KB)} MB` : `${bytes / KB} KB`;
}

/** The one wording of a 413, whether the server or the app refuses the body. */
export function tooLargeMessage(limit: number): string {
  return `The request is larger than the ${describeBytes(limit)} this address accepts. Nothing was saved.`;
}
