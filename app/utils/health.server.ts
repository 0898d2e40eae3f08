import type { Firestore } from "firebase-admin/firestore";
import { DatabaseUnavailable, withDeadline } from "./db.server";

export type FirestoreHealth = { ok: true; latency_ms: number } | { ok: false; error: string };

// The client retries an unreachable backend for a long time; a health check
// must answer quickly either way.
export async function firestoreHealth(firestore: Firestore, timeoutMs = 3_000): Promise<FirestoreHealth> {
  const started = performance.now();
  try {
    await withDeadline(firestore.collection("users").limit(1).get(), timeoutMs);
    return { ok: true, latency_ms: Math.round(performance.now() - started) };
  } catch (error) {
    if (error instanceof DatabaseUnavailable) return { ok: false, error: `no answer within ${timeoutMs} ms` };
    return { ok: false, error: error instanceof Error ? error.message.split("\n")[0]! : "unreachable" };
  }
}
