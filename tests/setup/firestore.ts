// Reads the emulator directly, as an attacker with a database dump would.
import type { DocumentReference, Firestore } from "firebase-admin/firestore";

export type StoredDocument = { path: string; data: Record<string, unknown> };

/** Every document in every collection and subcollection. */
export async function allDocuments(firestore: Firestore): Promise<StoredDocument[]> {
  const found: StoredDocument[] = [];
  const visit = async (refs: DocumentReference[]) => {
    for (const ref of refs) {
      const snapshot = await ref.get();
      if (snapshot.exists) found.push({ path: ref.path, data: snapshot.data() ?? {} });
      for (const sub of await ref.listCollections()) await visit(await sub.listDocuments());
    }
  };
  for (const collection of await firestore.listCollections()) await visit(await collection.listDocuments());
  return found;
}
