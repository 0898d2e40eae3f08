import { consumePoint, returnPoint, type Window } from "~/models/rate-limits.server";
import { getEnv } from "~/utils/env.server";

// The limits, counted in Firestore so that every instance shares them
// (docs/decisions/012). Sign-in is limited per client address and per key,
// and what a successful sign-in used is given back: only failures count.

export type LimitResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const signInByAddress = (): Window => ({
  name: "sign-in:address",
  points: getEnv().SIGN_IN_ATTEMPTS,
  windowSeconds: getEnv().SIGN_IN_WINDOW_SECONDS,
});
const signInByKey = (): Window => ({
  name: "sign-in:key",
  points: getEnv().SIGN_IN_ATTEMPTS_PER_KEY,
  windowSeconds: getEnv().SIGN_IN_WINDOW_SECONDS,
});
const chatTurns = (): Window => ({ name: "chat-turns", points: getEnv().CHAT_TURNS_PER_MINUTE, windowSeconds: 60 });

/** A sign-in attempt under way: refused, or allowed with a way to give its points back once it succeeds. */
export type SignInAttempt = LimitResult & { succeeded: () => Promise<void> };

/** A refused attempt: nothing to give back. */
const refused = (result: Extract<LimitResult, { allowed: false }>): SignInAttempt => ({
  ...result,
  succeeded: async () => undefined,
});

/**
 * Counts a sign-in attempt against the client's address and, once the key is
 * known, against the key's hash. The address is counted before the form is
 * even read, so malformed floods are limited too.
 */
export async function beginSignInAttempt(clientAddress: string): Promise<SignInAttempt> {
  const byAddress = await consumePoint(signInByAddress(), clientAddress);
  if (!byAddress.allowed) return refused(byAddress);
  return { allowed: true, succeeded: () => returnPoint(byAddress.id) };
}

/** The second half of a sign-in attempt: the same key tried from anywhere. */
export async function countKeyAttempt(attempt: SignInAttempt, userHash: string): Promise<SignInAttempt> {
  if (!attempt.allowed) return attempt;
  const byKey = await consumePoint(signInByKey(), userHash);
  if (!byKey.allowed) return refused(byKey);
  return {
    allowed: true,
    succeeded: async () => {
      await Promise.all([attempt.succeeded(), returnPoint(byKey.id)]);
    },
  };
}

export function consumeChatTurn(userId: string): Promise<LimitResult> {
  return consumePoint(chatTurns(), userId);
}
