import { createHash } from "node:crypto";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { db, withDeadline } from "~/utils/db.server";

// `rate_limits`: one counter per limit, client and time window, shared by
// every app instance (docs/decisions/011). The document id is a hash, so the
// collection holds no client address or key hash in the clear; `expires_at`
// carries a TTL policy (firebase/firestore.indexes.json) that deletes spent
// windows.

export type Window = { name: string; points: number; windowSeconds: number };

export type Consumed = { allowed: true; id: string } | { allowed: false; retryAfterSeconds: number };

const rateLimits = () => db().collection("rate_limits");

function windowOf(rule: Window, key: string, now: number) {
  const index = Math.floor(now / 1000 / rule.windowSeconds);
  const endsAt = (index + 1) * rule.windowSeconds * 1000;
  const id = createHash("sha256").update(`${rule.name}\n${key}\n${index}`).digest("base64url");
  return { id, endsAt };
}

/**
 * Takes one point from the client's budget in the current window: an atomic
 * increment, then a read of the count. The n-th increment to land makes the
 * count n, so at most `points` requests can read a count within the budget,
 * whichever instance they reach. No transaction: a burst on one client's
 * counter (a flood, an office behind one address) never waits on a lock. Under
 * such a burst a request may read a count raised by later ones and be refused
 * although its own point was within the budget; refusing early is the safe side.
 */
export async function consumePoint(rule: Window, key: string, now = Date.now()): Promise<Consumed> {
  const { id, endsAt } = windowOf(rule, key, now);
  const ref = rateLimits().doc(id);
  await withDeadline(ref.set({ count: FieldValue.increment(1), expires_at: Timestamp.fromMillis(endsAt) }, { merge: true }));
  const used = ((await withDeadline(ref.get())).get("count") as number | undefined) ?? 0;
  return used <= rule.points ? { allowed: true, id } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - now) / 1000)) };
}

/** Gives a point back (a sign-in that succeeded), so only failures use up the budget. */
export async function returnPoint(id: string): Promise<void> {
  await withDeadline(rateLimits().doc(id).update({ count: FieldValue.increment(-1) }));
}
