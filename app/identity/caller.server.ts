import type { Caller } from "~/models/caller";
import { getEnv } from "~/utils/env.server";
import { hashApiKey } from "~/utils/crypto.server";
import { transcriptKey } from "~/utils/transcript-crypto.server";
import { getSignedInUser, requireUser, type SignedInUser } from "./cookie.server";

// Every request's identity, derived once from the key it carries (a sealed
// cookie on the web, a bearer key on the API): its user, the hash its limits
// count against, the key that opens its transcripts, and whether it operates
// the showcase.

export function userHashFor(apiKey: string): string {
  return hashApiKey(apiKey, getEnv().USER_HASH_SECRET);
}

export function callerFor(user: SignedInUser, userHash = userHashFor(user.apiKey)): Caller {
  return {
    userId: user.userId,
    apiKey: user.apiKey,
    userHash,
    key: transcriptKey(user.apiKey),
    isOperator: getEnv().OPERATOR_USER_HASHES.includes(userHash),
  };
}

/** The signed-in caller, or null: for routes that answer signed-out requests themselves. */
export async function getCaller(request: Request): Promise<Caller | null> {
  const user = await getSignedInUser(request);
  return user ? callerFor(user) : null;
}

/** The signed-in caller; redirects to sign-in otherwise. */
export async function requireCaller(request: Request): Promise<Caller> {
  return callerFor(await requireUser(request));
}
