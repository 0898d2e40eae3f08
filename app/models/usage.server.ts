import { FieldValue, type DocumentData, type DocumentReference, type SetOptions } from "firebase-admin/firestore";
import { db, withDeadline } from "~/utils/db.server";
import { isoDay, type UsageAmount, type UsageDay } from "./usage-summary";
import type { Caller } from "./caller";
import { QUERIES, shapedQuery } from "./queries.server";

// `usage_daily/{userId}_{YYYY-MM-DD}`: tokens and dollars per person per day,
// with the same split by assistant and by model, kept with atomic increments
// in the batch that records each reply. The usage page reads at most 31 of them.

export type { UsageAmount, UsageDay };

const usageDays = () => db().collection("usage_daily");

function increments(tokens: number, cost: number | null) {
  return {
    tokens: FieldValue.increment(tokens),
    cost_usd: FieldValue.increment(cost ?? 0),
    unpriced_tokens: FieldValue.increment(cost === null ? tokens : 0),
  };
}

/** A batch or a transaction: whatever the caller is already writing with. */
type Writer = { set(ref: DocumentReference, data: DocumentData, options: SetOptions): unknown };

/** Adds one reply's usage to the person's day, inside the caller's batch or transaction. */
export function addUsage(
  batch: Writer,
  entry: {
    userId: string;
    /** Null for a test drive carried over from GPT Lab's lab: its usage is counted under "lab". */
    botId: string | null;
    botName: string;
    model: string;
    tokens: number;
    cost: number | null;
    at?: Date;
  },
) {
  const date = isoDay(entry.at ?? new Date());
  batch.set(
    usageDays().doc(`${entry.userId}_${date}`),
    {
      user_id: entry.userId,
      date,
      ...increments(entry.tokens, entry.cost),
      by_bot: { [entry.botId ?? "lab"]: { name: entry.botName, ...increments(entry.tokens, entry.cost) } },
      by_model: { [entry.model]: increments(entry.tokens, entry.cost) },
    },
    { merge: true },
  );
}

export async function listUsageDays(caller: Caller, since: string): Promise<UsageDay[]> {
  const snapshot = await withDeadline(
    shapedQuery(usageDays(), QUERIES.usageDaysOfUser, { user_id: caller.userId }).where("date", ">=", since).get(),
  );
  return snapshot.docs.map((doc) => {
    const data = doc.data();
    return {
      date: data.date,
      tokens: data.tokens ?? 0,
      cost_usd: data.cost_usd ?? 0,
      unpriced_tokens: data.unpriced_tokens ?? 0,
      by_bot: data.by_bot ?? {},
      by_model: data.by_model ?? {},
    };
  });
}
