/** Only same-site paths: an open redirect would let a link send people anywhere after sign-in. */
export function safeRedirect(to: string | null | undefined, fallback = "/assistants"): string {
  if (!to || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}
