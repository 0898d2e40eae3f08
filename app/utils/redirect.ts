// A same-site path: one slash, then only visible ASCII, and never a second slash or
// backslash right after it. Browsers drop tabs and newlines from URLs, so
// "/\t/evil.example" would otherwise become "//evil.example".
const SAME_SITE_PATH = /^\/(?![/\\])[\x21-\x7e]*$/;

/** Only same-site paths: an open redirect would let a link send people anywhere after sign-in. */
export function safeRedirect(to: string | null | undefined, fallback = "/assistants"): string {
  return to && SAME_SITE_PATH.test(to) ? to : fallback;
}

const DESTINATIONS: [RegExp, string][] = [
  [/^\/assistants\/new\/?$/, "the lab, to build an assistant"],
  [/^\/assistants\/[^/?#]+\/edit\/?$/, "an assistant's edit page"],
  [/^\/assistants\/[^/?#]+\/?$/, "an assistant someone shared with you"],
  [/^\/sessions\/?$/, "your chat history"],
  [/^\/sessions\/[^/?#]+\/?$/, "a chat (only the key that started it can open it)"],
  [/^\/usage\/?$/, "your usage"],
];

/** What a sign-in's redirect opens, in words; null when it goes nowhere a person asked for. */
export function describeDestination(to: string | null | undefined): string | null {
  const path = safeRedirect(to, "");
  if (!path) return null;
  const pathname = path.replace(/[?#].*$/, "");
  return DESTINATIONS.find(([pattern]) => pattern.test(pathname))?.[1] ?? "the page you followed a link to";
}
