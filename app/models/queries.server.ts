import type { Query } from "firebase-admin/firestore";

// Every query that needs a composite index is built from one of these shapes,
// and tests/integration/indexes.test.ts checks each against
// firebase/firestore.indexes.json. The emulator does not enforce indexes;
// production does, so a missing one would only fail there.

export type QueryShape = {
  collectionGroup: string;
  equality: readonly string[];
  arrayContains?: string;
  orderBy: readonly { field: string; direction: "asc" | "desc" }[];
};

export const QUERIES = {
  showcasedByPopularity: {
    collectionGroup: "bots",
    equality: ["showcased", "is_active"],
    orderBy: [{ field: "sessions_started", direction: "desc" }],
  },
  showcasedByNewest: {
    collectionGroup: "bots",
    equality: ["showcased", "is_active"],
    orderBy: [{ field: "created_date", direction: "desc" }],
  },
  showcasedSearchByPopularity: {
    collectionGroup: "bots",
    equality: ["showcased", "is_active"],
    arrayContains: "search_terms",
    orderBy: [{ field: "sessions_started", direction: "desc" }],
  },
  showcasedSearchByNewest: {
    collectionGroup: "bots",
    equality: ["showcased", "is_active"],
    arrayContains: "search_terms",
    orderBy: [{ field: "created_date", direction: "desc" }],
  },
  botsOfCreator: {
    collectionGroup: "bots",
    equality: ["creator_user_id"],
    orderBy: [{ field: "last_modified_date", direction: "desc" }],
  },
  promptVersions: {
    collectionGroup: "prompts",
    equality: ["message_type"],
    orderBy: [{ field: "created_date", direction: "desc" }],
  },
  sessionsOfUser: {
    collectionGroup: "sessions",
    equality: ["user_id"],
    orderBy: [{ field: "created_date", direction: "desc" }],
  },
  /** Also filtered by a range on `date`, the field it is ordered by. */
  usageDaysOfUser: {
    collectionGroup: "usage_daily",
    equality: ["user_id"],
    orderBy: [{ field: "date", direction: "asc" }],
  },
} as const satisfies Record<string, QueryShape>;

/** Applies a shape's filters and order to a collection, with a value for each filtered field. */
export function shapedQuery(base: Query, shape: QueryShape, values: Record<string, unknown>): Query {
  let query = base;
  for (const field of shape.equality) query = query.where(field, "==", required(values, field));
  if (shape.arrayContains) {
    query = query.where(shape.arrayContains, "array-contains", required(values, shape.arrayContains));
  }
  for (const { field, direction } of shape.orderBy) query = query.orderBy(field, direction);
  return query;
}

function required(values: Record<string, unknown>, field: string): unknown {
  if (!(field in values)) throw new Error(`The query needs a value for ${field}`);
  return values[field];
}
