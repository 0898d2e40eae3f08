import {
  FieldValue,
  type DocumentData,
  type FirestoreDataConverter,
  type QueryDocumentSnapshot,
  type Timestamp,
  type Transaction,
} from "firebase-admin/firestore";
import { db, withDeadline } from "~/utils/db.server";

// `users` and its lookup index `user_hash` (document id = the keyed hash of an
// API key) live together: sign-in is the only writer of the index and must
// write both in one transaction.

export type User = {
  id: string;
  user_hash: string;
  created_date: Timestamp;
  last_modified_date: Timestamp;
  sessions_started: number;
  sessions_ended: number;
  bots_created: number;
  /** Chat models the key could use at its last sign-in. */
  chat_models: string[];
};

/** A person GPT Lab knew: its identity for their key, and their users document. */
export type GptLabPerson = { hash: string; userId: string };

type UserHashDoc = {
  user_hash_type: "open_ai_key";
  created_date: Timestamp;
  user_id?: string;
};

const userConverter: FirestoreDataConverter<User> = {
  toFirestore: (user) => user as DocumentData,
  fromFirestore: (snapshot: QueryDocumentSnapshot) => {
    const data = snapshot.data();
    return {
      id: snapshot.id,
      user_hash: data.user_hash,
      created_date: data.created_date,
      last_modified_date: data.last_modified_date,
      sessions_started: data.sessions_started ?? 0,
      sessions_ended: data.sessions_ended ?? 0,
      bots_created: data.bots_created ?? 0,
      chat_models: data.chat_models ?? [],
    };
  },
};

export const usersCollection = () => db().collection("users").withConverter(userConverter);
const userHashes = () => db().collection("user_hash");

/**
 * Finds or creates the user behind a key hash and records the models the key
 * may use. One transaction, so two first sign-ins with the same key at once
 * still make one user.
 */
export async function signInUser(
  userHash: string,
  chatModels: string[],
  /** GPT Lab's person for the same key, given at a key's first sign-in: they are adopted. */
  gptLab?: GptLabPerson,
): Promise<{ userId: string; created: boolean; adopted?: boolean }> {
  const firestore = db();
  return withDeadline(
    firestore.runTransaction(async (tx) => {
      const hashRef = userHashes().doc(userHash);
      const hashSnap = await tx.get(hashRef);
      const existingId = hashSnap.exists
        ? ((hashSnap.data() as UserHashDoc).user_id ?? (await findLegacyUserId(tx, userHash)))
        : undefined;
      const now = FieldValue.serverTimestamp();

      if (existingId) {
        tx.update(firestore.collection("users").doc(existingId), {
          last_modified_date: now,
          chat_models: chatModels,
        });
        // GPT Lab's index documents had no user_id; add it so the next sign-in is one read.
        if (!(hashSnap.data() as UserHashDoc).user_id) tx.update(hashRef, { user_id: existingId });
        return { userId: existingId, created: false };
      }

      const adopted = gptLab ? await adoptGptLabUser(tx, gptLab, userHash, chatModels) : null;
      if (adopted) return { userId: adopted, created: false, adopted: true };

      const userRef = firestore.collection("users").doc();
      tx.create(userRef, {
        user_hash: userHash,
        created_date: now,
        last_modified_date: now,
        sessions_started: 0,
        sessions_ended: 0,
        bots_created: 0,
        chat_models: chatModels,
      });
      tx.set(hashRef, { user_hash_type: "open_ai_key", created_date: now, user_id: userRef.id });
      return { userId: userRef.id, created: true };
    }),
  );
}

/**
 * Makes GPT Lab's person for this key this product's, in the sign-in's
 * transaction: their `users` document takes the new hash (their assistants
 * and sessions already point at it by id), the new hash's index names them,
 * and GPT Lab's index document goes, so the old identity signs in no one
 * else. Null when GPT Lab knew no one by that hash.
 */
async function adoptGptLabUser(
  tx: Transaction,
  gptLab: GptLabPerson,
  userHash: string,
  chatModels: string[],
): Promise<string | null> {
  // Read again in the transaction: the index is gone once someone adopted them.
  const oldRef = userHashes().doc(gptLab.hash);
  if (!(await tx.get(oldRef)).exists) return null;
  const { userId } = gptLab;
  const now = FieldValue.serverTimestamp();
  tx.update(db().collection("users").doc(userId), {
    user_hash: userHash,
    last_modified_date: now,
    chat_models: chatModels,
  });
  tx.set(userHashes().doc(userHash), { user_hash_type: "open_ai_key", created_date: now, user_id: userId });
  tx.delete(oldRef);
  return userId;
}

async function findLegacyUserId(tx: Transaction, userHash: string): Promise<string | undefined> {
  const snapshot = await tx.get(usersWithHash(userHash));
  return snapshot.docs[0]?.id;
}

const usersWithHash = (userHash: string) => db().collection("users").where("user_hash", "==", userHash).limit(1);

/**
 * The person GPT Lab knew by this hash, when its index still names them
 * (adoption deletes it): GPT Lab's index has no user_id, so their users
 * document is found by its hash. Null when there is none.
 */
export async function findGptLabUserId(gptLabHash: string): Promise<string | null> {
  const [index, users] = await Promise.all([
    withDeadline(userHashes().doc(gptLabHash).get()),
    withDeadline(usersWithHash(gptLabHash).get()),
  ]);
  if (!index.exists) return null;
  return (index.data() as UserHashDoc).user_id ?? users.docs[0]?.id ?? null;
}

export async function getUser(userId: string): Promise<User | null> {
  const snapshot = await withDeadline(usersCollection().doc(userId).get());
  return snapshot.data() ?? null;
}

/** True when a key hash already names a person here (one read). */
export async function isKnownHash(userHash: string): Promise<boolean> {
  return (await withDeadline(userHashes().doc(userHash).get())).exists;
}

/**
 * The user a key hash belongs to, in one read: sign-in writes the hash on the
 * user document and its index together, so a query on the user's own field
 * finds it without first reading the index (GPT Lab's users have it too).
 */
export async function findUserByHash(userHash: string): Promise<User | null> {
  const snapshot = await withDeadline(usersCollection().where("user_hash", "==", userHash).limit(1).get());
  return snapshot.docs[0]?.data() ?? null;
}
