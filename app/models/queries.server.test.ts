import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { QUERIES, type QueryShape } from "./queries.server";

// The emulator does not enforce composite indexes; production does. Every
// composite query is built from a shape in QUERIES, so checking the shapes
// against firebase/firestore.indexes.json checks the code.

type IndexField = { fieldPath: string; order?: "ASCENDING" | "DESCENDING"; arrayConfig?: "CONTAINS" };
type Index = { collectionGroup: string; queryScope: string; fields: IndexField[] };

const { indexes } = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, "../../firebase/firestore.indexes.json"), "utf8"),
) as { indexes: Index[] };

function serves(index: Index, shape: QueryShape): boolean {
  if (index.collectionGroup !== shape.collectionGroup || index.queryScope !== "COLLECTION") return false;
  const fields = [...index.fields];
  const equality = fields.splice(0, shape.equality.length);
  if (equality.some((field) => !shape.equality.includes(field.fieldPath) || !field.order)) return false;
  if (shape.arrayContains) {
    const contains = fields.shift();
    if (contains?.fieldPath !== shape.arrayContains || contains.arrayConfig !== "CONTAINS") return false;
  }
  return (
    fields.length === shape.orderBy.length &&
    shape.orderBy.every(
      ({ field, direction }, i) =>
        fields[i]?.fieldPath === field && fields[i]?.order === (direction === "desc" ? "DESCENDING" : "ASCENDING"),
    )
  );
}

test.each(Object.entries(QUERIES))("the %s query has a composite index", (_, shape) => {
  expect(indexes.some((index) => serves(index, shape))).toBe(true);
});

test("no index is left over from a query that no longer exists", () => {
  for (const index of indexes) {
    expect(Object.values(QUERIES).some((shape) => serves(index, shape))).toBe(true);
  }
});
