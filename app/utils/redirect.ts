// A same-site path: one slash, then only visible ASCII, and never a second slash or
// backslash right after it. Browsers drop tabs and newlines from URLs, so
// "/\t/evil.example" would otherwise become "//evil.example".
const SAME_SITE_PATH = /^\/(?![/\\])[\x21-\x7e]*$/;

/** Only same-site paths: an open redirect would let a link send people anywhere after sign-in. */
export function safeRedirect(to: string | null | undefined, fallback = "/assistants"): string {
  return to && SAME_SITE_PATH.test(to) ? to : fallback;
}
