import { createCookieSessionStorage, redirect } from "@remix-run/node";
import { z } from "zod";
import { decrypt, deriveKey, encrypt } from "~/utils/crypto.server";
import { getEnv } from "~/utils/env.server";

// Remix signs cookie sessions but does not encrypt them, and the cookie holds
// the person's API key. So the key travels sealed (AES-256-GCM) inside the
// signed cookie, together with the user id and an expiry the server enforces
// even if a browser keeps the cookie longer than asked.

const SEAL_INFO = "assistant-lab/session-cookie/v1";
const SEAL_AAD = "session";

const sealedAuthSchema = z.object({
  apiKey: z.string().min(1),
  userId: z.string().min(1),
  expiresAt: z.number(),
});

export type SignedInUser = { userId: string; apiKey: string };

let storage: ReturnType<typeof createStorage> | undefined;

function createStorage() {
  const env = getEnv();
  return createCookieSessionStorage<{ auth: string }>({
    cookie: {
      name: "al_session",
      httpOnly: true,
      sameSite: "lax",
      secure: env.cookieSecure,
      path: "/",
      secrets: env.SESSION_SECRETS,
      maxAge: maxAgeMs() / 1000,
    },
  });
}

function sessionStorage() {
  storage ??= createStorage();
  return storage;
}

function sealKeys(secrets: string[]): Buffer[] {
  return secrets.map((secret) => deriveKey(secret, "", SEAL_INFO));
}

/** Seals with the first secret; `openAuth` accepts any of them, so secrets can rotate. */
export function sealAuth(user: SignedInUser, secrets: string[], maxAgeMs: number, now = Date.now()): string {
  const [current] = sealKeys(secrets);
  if (!current) throw new Error("No secret to seal with");
  return encrypt(current, JSON.stringify({ ...user, expiresAt: now + maxAgeMs }), SEAL_AAD);
}

export function openAuth(token: string, secrets: string[], now = Date.now()): SignedInUser | null {
  for (const key of sealKeys(secrets)) {
    const plaintext = decrypt(key, token, SEAL_AAD);
    if (plaintext === null) continue;
    const parsed = sealedAuthSchema.safeParse(safeJson(plaintext));
    if (!parsed.success || parsed.data.expiresAt <= now) return null;
    return { userId: parsed.data.userId, apiKey: parsed.data.apiKey };
  }
  return null;
}

function maxAgeMs(): number {
  return getEnv().SESSION_MAX_AGE_DAYS * 24 * 60 * 60 * 1000;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The signed-in person, or null for no cookie, a tampered one, or an expired one. */
export async function getSignedInUser(request: Request): Promise<SignedInUser | null> {
  const session = await sessionStorage().getSession(request.headers.get("Cookie"));
  const token = session.get("auth");
  return typeof token === "string" ? openAuth(token, getEnv().SESSION_SECRETS) : null;
}

/** Throws a redirect to the sign-in page (clearing any dead cookie) when nobody is signed in. */
export async function requireUser(request: Request): Promise<SignedInUser> {
  const user = await getSignedInUser(request);
  if (user) return user;
  const url = new URL(request.url);
  const params = new URLSearchParams({ redirectTo: `${url.pathname}${url.search}` });
  throw redirect(`/?${params}`, { headers: { "Set-Cookie": await signOutCookie() } });
}

export async function signInCookie(user: SignedInUser): Promise<string> {
  const session = await sessionStorage().getSession();
  session.set("auth", sealAuth(user, getEnv().SESSION_SECRETS, maxAgeMs()));
  return sessionStorage().commitSession(session);
}

export async function signOutCookie(): Promise<string> {
  return sessionStorage().destroySession(await sessionStorage().getSession());
}
