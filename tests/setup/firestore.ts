// Reads the emulator directly, as an attacker with a database dump would.
import type { DocumentReference, Firestore } from "firebase-admin/firestore";

export type StoredDocument = { path: string; data: Record<string, unknown> };

// The database the whole suite leaves grows to tens of thousands of documents:
// they are read a level at a time, many per call, rather than one by one.
const CHUNK = 300;

function chunks<T>(items: T[]): T[][] {
  return Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, index) =>
    items.slice(index * CHUNK, (index + 1) * CHUNK),
  );
}

async function inChunks<T, R>(items: T[], each: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const chunk of chunks(items)) out.push(...(await Promise.all(chunk.map(each))));
  return out;
}

/** Every document in every collection and subcollection. */
export async function allDocuments(firestore: Firestore): Promise<StoredDocument[]> {
  const found: StoredDocument[] = [];
  let level: DocumentReference[] = (
    await Promise.all((await firestore.listCollections()).map((collection) => collection.listDocuments()))
  ).flat();
  while (level.length > 0) {
    for (const chunk of chunks(level)) {
      for (const snapshot of await firestore.getAll(...chunk)) {
        if (snapshot.exists) found.push({ path: snapshot.ref.path, data: snapshot.data() ?? {} });
      }
    }
    const subcollections = (await inChunks(level, (ref) => ref.listCollections())).flat();
    level = (await inChunks(subcollections, (collection) => collection.listDocuments())).flat();
  }
  return found;
}
