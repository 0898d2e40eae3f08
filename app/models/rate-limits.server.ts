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
 * Takes one point from the client's budget in the current window, in one
 * transaction, so instances racing for the last point admit exactly one. A
 * refusal says how long until the window ends.
 */
export async function consumePoint(rule: Window, key: string, now = Date.now()): Promise<Consumed> {
  const { id, endsAt } = windowOf(rule, key, now);
  const ref = rateLimits().doc(id);
  const allowed = await withDeadline(
    db().runTransaction(async (tx) => {
      const used = ((await tx.get(ref)).get("count") as number | undefined) ?? 0;
      if (used >= rule.points) return false;
      tx.set(ref, { count: used + 1, expires_at: Timestamp.fromMillis(endsAt) });
      return true;
    }),
  );
  return allowed ? { allowed: true, id } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - now) / 1000)) };
}

/** Gives a point back (a sign-in that succeeded), so only failures use up the budget. */
export async function returnPoint(id: string): Promise<void> {
  await withDeadline(rateLimits().doc(id).update({ count: FieldValue.increment(-1) }));
}
