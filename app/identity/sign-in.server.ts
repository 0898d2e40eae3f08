import { redirect } from "@remix-run/node";
import { getUser, signInUser, type User } from "~/models/users.server";
import { getEnv } from "~/utils/env.server";
import { checkApiKey, type KeyProblem } from "~/provider/client.server";
import { signInFailure } from "~/provider/errors.server";
import type { Caller } from "~/models/caller";
import { requireCaller, userHashFor } from "./caller.server";
import { gptLabPersonAtFirstSignIn } from "./gpt-lab-identity.server";
import { countKeyAttempt, type SignInAttempt } from "./rate-limit.server";
import { describeWait } from "~/utils/format";
import { signInCookie, signOutCookie } from "./cookie.server";

export type SignInRefusal = { ok: false; status: number; message: string; retryAfterSeconds?: number };
export type SignInResult = { ok: true; userId: string; cookie: string } | SignInRefusal;

export { userHashFor };

export function tooManySignIns(retryAfterSeconds: number): SignInRefusal {
  return {
    ok: false,
    status: 429,
    message: `Too many sign-in attempts. Try again in ${describeWait(retryAfterSeconds)}.`,
    retryAfterSeconds,
  };
}

/**
 * Checks the key with the provider and signs its user in. The attempt was
 * counted against the client's address already; here it is counted against the
 * key too, and given back when the key works.
 */
export async function signIn(apiKey: string, addressAttempt: SignInAttempt): Promise<SignInResult> {
  const userHash = userHashFor(apiKey);
  const attempt = await countKeyAttempt(addressAttempt, userHash);
  if (!attempt.allowed) return tooManySignIns(attempt.retryAfterSeconds);

  const check = await checkApiKey(apiKey);
  if (!check.ok) return { ok: false, ...keyProblemMessage(check) };

  const { userId } = await personForKey(apiKey, userHash, check.chatModels);
  await attempt.succeeded();
  return { ok: true, userId, cookie: await signInCookie({ userId, apiKey }) };
}

const signingIn = new Map<string, Promise<{ userId: string }>>();

/**
 * The person behind a key the provider accepted: found, adopted from GPT Lab
 * (its first sign-in here), or made. Sign-ins of one key at once in this
 * process share the work, so a double submit pays PBKDF2 and carries GPT
 * Lab's conversations over once, and does not contend with itself.
 */
export function personForKey(apiKey: string, userHash: string, chatModels: string[]): Promise<{ userId: string }> {
  const pending = signingIn.get(userHash);
  if (pending) return pending;
  const work = (async () => {
    const gptLab = await gptLabPersonAtFirstSignIn(apiKey, userHash, chatModels);
    return signInUser(userHash, chatModels, gptLab);
  })().finally(() => signingIn.delete(userHash));
  signingIn.set(userHash, work);
  return work;
}

function keyProblemMessage(problem: KeyProblem): { status: number; message: string } {
  if (problem.reason === "no-chat-models") {
    return {
      status: 403,
      message:
        "This key works, but it cannot use any chat model. Give its project access to a chat model, or use another key.",
    };
  }
  return signInFailure(problem.failure, Math.round(getEnv().PROVIDER_TIMEOUT_MS / 1000));
}

/** The signed-in caller with their user document: for pages that need what their key may use. */
export type Account = { caller: Caller; user: User };

/**
 * The signed-in caller and their user document. A cookie for a user that no
 * longer exists is a dead session: sign out rather than fail.
 */
export async function requireAccount(request: Request): Promise<Account> {
  const caller = await requireCaller(request);
  const user = await getUser(caller.userId);
  if (!user) throw redirect("/", { headers: { "Set-Cookie": await signOutCookie() } });
  return { caller, user };
}
