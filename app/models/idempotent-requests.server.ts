import { createHash } from "node:crypto";
import { Timestamp, type DocumentReference, type DocumentSnapshot, type WriteResult } from "firebase-admin/firestore";
import { db, withDeadline } from "~/utils/db.server";
import { open, seal } from "~/utils/transcript-crypto.server";
import type { Caller } from "./caller";

// `idempotent_requests/{sha256(user id, Idempotency-Key)}`: an API call sent
// with an Idempotency-Key, claimed while it runs and then holding its result
// (sealed with the caller's transcript key, as a reply is) for a day, so that
// a client repeating the call gets the same answer without paying again.
// Production can let Firestore's TTL policy on `expires_at` delete old ones;
// an expired one is treated as absent either way.

const requests = () => db().collection("idempotent_requests");

/** A result is kept this long, as long as clients are expected to retry. */
export const RESULT_KEPT_MS = 24 * 60 * 60_000;
/** A claim whose call never finished (its server died) frees the key after this. */
export const CLAIM_HELD_MS = 10 * 60_000;

/** A call still running is usually a reply still streaming: seconds, not minutes. */
const RUNNING_RETRY_SECONDS = 2;

/** gRPC's ALREADY_EXISTS. */
const ALREADY_EXISTS = 6;

export type Claim =
  /** The key is this call's now: run it, then `keep` its result or `release` the key. */
  | { kind: "claimed"; keep: (result: unknown) => Promise<void>; release: () => Promise<void> }
  /** A call with this key succeeded: here is what it answered. */
  | { kind: "done"; result: unknown }
  /** A call with this key is still running. */
  | { kind: "running"; retryAfterSeconds: number }
  /** This key was used for a different request. */
  | { kind: "mismatch" };

/**
 * Claims an Idempotency-Key for one request (`fingerprint` tells requests
 * apart): one write when the key is new, a read when it is not.
 */
export async function claimIdempotencyKey(caller: Caller, key: string, fingerprint: string): Promise<Claim> {
  const ref = requests().doc(createHash("sha256").update(`${caller.userId}\0${key}`).digest("hex"));
  for (let attempt = 1; ; attempt += 1) {
    const created = await withDeadline(
      ref.create({ user_id: caller.userId, fingerprint, result: null, expires_at: expiresIn(CLAIM_HELD_MS) }),
    ).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === ALREADY_EXISTS) return null;
      throw error;
    });
    if (created) return claimed(caller, ref, created);

    const found = await withDeadline(ref.get());
    const expires = found.get("expires_at") as Timestamp | undefined;
    if (found.exists && expires && expires.toMillis() > Date.now()) return existing(caller, found, fingerprint);
    // Gone or expired: take it over, unless another call does first.
    if (found.exists) await withDeadline(ref.delete({ lastUpdateTime: found.updateTime! })).catch(() => undefined);
    if (attempt >= 2) return { kind: "running", retryAfterSeconds: RUNNING_RETRY_SECONDS };
  }
}

function claimed(caller: Caller, ref: DocumentReference, created: WriteResult): Claim {
  const unchanged = { lastUpdateTime: created.writeTime };
  return {
    kind: "claimed",
    keep: async (result) => {
      const sealed = seal(caller.key, JSON.stringify(result), ref.path, "result");
      await withDeadline(ref.update({ result: sealed, expires_at: expiresIn(RESULT_KEPT_MS) }, unchanged));
    },
    release: async () => {
      await withDeadline(ref.delete(unchanged));
    },
  };
}

function existing(caller: Caller, found: DocumentSnapshot, fingerprint: string): Claim {
  if (found.get("user_id") !== caller.userId || found.get("fingerprint") !== fingerprint) return { kind: "mismatch" };
  const sealed = found.get("result") as string | null;
  if (sealed === null) return { kind: "running", retryAfterSeconds: RUNNING_RETRY_SECONDS };
  const text = open(caller.key, sealed, found.ref.path, "result");
  // A result this key cannot open (another key of the same person) is not replayed; the key is in use.
  return text === null ? { kind: "mismatch" } : { kind: "done", result: JSON.parse(text) as unknown };
}

function expiresIn(ms: number): Timestamp {
  return Timestamp.fromMillis(Date.now() + ms);
}
