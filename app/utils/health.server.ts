import type { Firestore } from "firebase-admin/firestore";

export type FirestoreHealth = { ok: true; latency_ms: number } | { ok: false; error: string };

// The client retries an unreachable backend for a long time; a health check
// must answer quickly either way.
export async function firestoreHealth(firestore: Firestore, timeoutMs = 3_000): Promise<FirestoreHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([firestore.collection("users").limit(1).get(), timeout]);
    return { ok: true, latency_ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message.split("\n")[0]! : "unreachable" };
  } finally {
    clearTimeout(timer);
  }
}
