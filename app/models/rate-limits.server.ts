import { createHash } from "node:crypto";
import { FieldValue, Timestamp, type DocumentReference, type DocumentSnapshot } from "firebase-admin/firestore";
import { LRUCache } from "lru-cache";
import { db, withDeadline } from "~/utils/db.server";
import { slidingCount, waitUntilUnder } from "./sliding-window";

// `rate_limits`: counters per limit, client and time window, shared by every
// app instance (docs/decisions/012). The document id is a hash, so the
// collection holds no client address or key hash in the clear; `expires_at`
// carries a TTL policy (firebase/firestore.indexes.json) that deletes spent
// windows.

export type Window = { name: string; points: number; windowSeconds: number };

export type Consumed = { allowed: true; id: string } | { allowed: false; retryAfterSeconds: number };

const rateLimits = () => db().collection("rate_limits");

function bucketId(rule: Window, key: string, index: number): string {
  return createHash("sha256").update(`${rule.name}\n${key}\n${index}`).digest("base64url");
}

/**
 * Takes one point from the client's budget: an atomic increment of the
 * current window's counter, then one read of it and the previous window's.
 * The count is a sliding window's (the previous window weighted by how much of
 * it still overlaps), so a client cannot spend the limit twice across a
 * window's end. The n-th increment to land makes the counter n, so no more
 * than the limit can read a count within it, whichever instance they reach.
 * No transaction: a burst on one client's counter never waits on a lock. In a
 * burst a request may read a count raised by later ones and be refused
 * although its own point was within the limit; refusing early is the safe side.
 */
export async function consumePoint(rule: Window, key: string, now = Date.now()): Promise<Consumed> {
  const windowMs = rule.windowSeconds * 1000;
  const index = Math.floor(now / windowMs);
  const current = rateLimits().doc(bucketId(rule, key, index));
  const previous = rateLimits().doc(bucketId(rule, key, index - 1));
  // Kept for the window after this one, which still counts part of it.
  const expires = Timestamp.fromMillis((index + 2) * windowMs);
  await withDeadline(current.set({ count: FieldValue.increment(1), expires_at: expires }, { merge: true }));
  const counts = await windowCounts(current, previous);
  const elapsed = (now - index * windowMs) / windowMs;
  if (slidingCount(counts, elapsed) <= rule.points) return { allowed: true, id: current.id };
  return {
    allowed: false,
    retryAfterSeconds: Math.max(1, Math.ceil((waitUntilUnder(rule.points, counts, elapsed) * windowMs) / 1000)),
  };
}

/**
 * Counts of windows that have ended, as read once they had: an ended window
 * takes no more points, so a client's later requests read the current window
 * alone. (A point that lands a few milliseconds late, or a sign-in's given
 * back, can move it by one: a rate limit, not an exact quota.)
 */
const endedWindows = new LRUCache<string, number>({ max: 50_000, ttl: 2 * 60 * 60_000 });

function countIn(snapshot: DocumentSnapshot | undefined): number {
  return (snapshot?.get("count") as number | undefined) ?? 0;
}

async function windowCounts(current: DocumentReference, previous: DocumentReference) {
  const ended = endedWindows.get(previous.id);
  if (ended !== undefined) return { current: countIn(await withDeadline(current.get())), previous: ended };
  const [thisWindow, lastWindow] = await withDeadline(db().getAll(current, previous));
  endedWindows.set(previous.id, countIn(lastWindow));
  return { current: countIn(thisWindow), previous: countIn(lastWindow) };
}

/** Gives a point back (a sign-in that succeeded), so only failures use up the budget. */
export async function returnPoint(id: string): Promise<void> {
  await withDeadline(
    rateLimits()
      .doc(id)
      .update({ count: FieldValue.increment(-1) }),
  );
}
