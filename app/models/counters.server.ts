import { randomInt } from "node:crypto";
import { FieldValue, type DocumentData, type DocumentReference, type SetOptions } from "firebase-admin/firestore";
import { db, withDeadline } from "~/utils/db.server";

// Distributed counters for documents many people count at once (docs/decisions/029).
// Firestore sustains about one write per second to a single document, and a
// showcased assistant that thousands start at once would make its bot and its
// active prompt such documents. So a start is added to one of SHARDS shard
// documents (`{document}/counter_shards/{n}`), chosen at random, in the same
// batch as the session it counts; and the shards are folded into the
// document's own field (what the gallery orders by, and what GPT Lab's code
// reads) at most every FOLD_EVERY_MS per document and instance, off the
// request's path. The exact count is the field plus its shards.

/** Shards per counted document: 10 sustain about 10 starts a second on one assistant, 100 times GPT Lab's peak. */
export const SHARDS = 10;
export const FOLD_EVERY_MS = 5_000;

const shardsOf = (counted: DocumentReference) => counted.collection("counter_shards");
const shardRefs = (counted: DocumentReference) =>
  Array.from({ length: SHARDS }, (_, index) => shardsOf(counted).doc(String(index)));

/** A batch or a transaction. */
type Writer = { set(ref: DocumentReference, data: DocumentData, options: SetOptions): unknown };

export type CounterField = "sessions_started" | "sessions_ended";

/** Adds one to `field` of `counted`, through one of its shards, in the caller's batch or transaction. */
export function countOnShard(writer: Writer, counted: DocumentReference, field: CounterField) {
  writer.set(shardsOf(counted).doc(String(randomInt(SHARDS))), { [field]: FieldValue.increment(1) }, { merge: true });
}

/** When this instance last folded each document's shards. */
const lastFolds = new Map<string, number>();

/**
 * Folds the shards of `counted` into its own fields soon, unless this
 * instance did so within FOLD_EVERY_MS: call once the counting write is
 * committed. Never delays the caller, never fails it.
 */
export function foldSoon(counted: DocumentReference) {
  const now = Date.now();
  if (now - (lastFolds.get(counted.path) ?? 0) < FOLD_EVERY_MS) return;
  lastFolds.set(counted.path, now);
  if (lastFolds.size > 10_000) lastFolds.clear();
  void foldShards(counted).catch((error: unknown) => {
    console.error(`Folding the counters of ${counted.path} failed: ${(error as Error).message?.split("\n")[0]}`);
  });
}

/**
 * Moves what the shards hold into the document's own fields, in one
 * transaction: the fields grow by the shards' sums and the shards go back to
 * zero, so the field plus the shards stays the exact count throughout.
 */
export async function foldShards(counted: DocumentReference): Promise<void> {
  await withDeadline(
    db().runTransaction(async (tx) => {
      // The shards by their ids, not by a query: a query's read would lock the whole subcollection.
      const [document, ...read] = await tx.getAll(counted, ...shardRefs(counted));
      const shards = read.filter((shard) => shard.exists);
      if (!document!.exists || shards.length === 0) return;
      const sums: Partial<Record<CounterField, number>> = {};
      for (const shard of shards) {
        for (const field of ["sessions_started", "sessions_ended"] as const) {
          const value = shard.get(field);
          if (typeof value === "number" && value !== 0) sums[field] = (sums[field] ?? 0) + value;
        }
      }
      if (Object.keys(sums).length === 0) return;
      tx.update(
        counted,
        Object.fromEntries(Object.entries(sums).map(([field, sum]) => [field, FieldValue.increment(sum)])),
      );
      for (const shard of shards) tx.delete(shard.ref);
    }),
  );
}

/** The exact count: the document's own field and what its shards hold that is not folded yet. */
export async function exactCount(counted: DocumentReference, field: CounterField): Promise<number> {
  const [document, ...shards] = await withDeadline(db().getAll(counted, ...shardRefs(counted)));
  const countOf = (snapshot: { get: (field: string) => unknown } | undefined) =>
    (snapshot?.get(field) as number | undefined) ?? 0;
  return shards.reduce((sum, shard) => sum + countOf(shard), countOf(document));
}
