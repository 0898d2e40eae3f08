import { getApps, initializeApp, type App } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { getEnv } from "./env.server";

// The Admin SDK reads FIRESTORE_EMULATOR_HOST by itself; without it, it uses
// Application Default Credentials against the real project. Security rules do
// not apply to it, so every query in the data layer is scoped by owner.

const APP_NAME = "assistant-lab";

function firebaseApp(): App {
  const existing = getApps().find((app) => app.name === APP_NAME);
  if (existing) return existing;
  const env = getEnv();
  // On the emulator no credentials are used; stop the auth library from probing
  // for a cloud metadata server that is not there.
  if (env.FIRESTORE_EMULATOR_HOST) process.env.METADATA_SERVER_DETECTION ??= "none";
  return initializeApp({ projectId: env.projectId }, APP_NAME);
}

let configured: Firestore | undefined;

export function db(): Firestore {
  const firestore = getFirestore(firebaseApp());
  if (configured !== firestore) {
    // gRPC waits up to two minutes between reconnection attempts by default; a
    // database that comes back should be used again within seconds.
    firestore.settings({ "grpc.initial_reconnect_backoff_ms": 250, "grpc.max_reconnect_backoff_ms": 2_000 });
    configured = firestore;
  }
  return firestore;
}

/**
 * Thrown when Firestore does not answer within the deadline. It is a Response
 * (503, Retry-After) so that whatever reaches Remix answers rightly: a page
 * shows the error page for 503, a resource route returns it as it is, and its
 * JSON body reads as an error both to the app's own API and to OpenAI clients.
 */
export class DatabaseUnavailable extends Response {
  static readonly RETRY_AFTER_SECONDS = 5;
  static readonly MESSAGE = "The database did not answer in time. Nothing is lost: try again in a few seconds.";

  constructor() {
    super(
      JSON.stringify({
        error: {
          code: "database_unavailable",
          message: DatabaseUnavailable.MESSAGE,
          type: "server_error",
          param: null,
        },
      }),
      {
        status: 503,
        headers: { "Content-Type": "application/json", "Retry-After": String(DatabaseUnavailable.RETRY_AFTER_SECONDS) },
      },
    );
  }
}

/**
 * Bounds a Firestore call. The client library retries an unreachable or
 * frozen backend for up to ten minutes; no request should wait that long.
 * The call itself may still finish later, which is why every write the app
 * makes is one that can safely land late (a transaction or a single write).
 */
export async function withDeadline<T>(work: Promise<T>, deadlineMs = getEnv().FIRESTORE_DEADLINE_MS): Promise<T> {
  const startedAt = callObserver ? performance.now() : 0;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailable()), deadlineMs);
  });
  try {
    const result = await Promise.race([work, expired]);
    if (addedLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, addedLatencyMs));
    return result;
  } finally {
    clearTimeout(timer);
    callObserver?.({ startedAt, endedAt: performance.now() });
  }
}

/** One Firestore call as the data layer made it: when it started and when its answer (or deadline) came. */
export type FirestoreCall = { startedAt: number; endedAt: number };

let callObserver: ((call: FirestoreCall) => void) | null = null;
let addedLatencyMs = 0;

/**
 * Hands every Firestore call the data layer makes to `observe` until the
 * returned function is called, each made `latencyMs` slower: how the tests
 * count a turn's round trips, and how many of them it waits for one after
 * another (each of those adds the latency once; calls made together, once).
 */
export function observeFirestoreCalls(observe: (call: FirestoreCall) => void, latencyMs = 0): () => void {
  callObserver = observe;
  addedLatencyMs = latencyMs;
  return () => {
    callObserver = null;
    addedLatencyMs = 0;
  };
}

/** A failure the person can do something about by trying again: a deadline, or an unreachable database. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailable) return true;
  // gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4), raised once the client gives up by itself.
  const code = (error as { code?: unknown } | null)?.code;
  return code === 14 || code === 4;
}

/**
 * Ids that come from URLs and request bodies must name one document: a "/"
 * would reach into another collection, Firestore throws on empty segments,
 * and it reserves ids of the form __name__ (refusing them only after seconds).
 * Auto ids and the seed's ids are letters, digits, "_" and "-".
 */
export function isDocId(id: string | undefined | null): id is string {
  return typeof id === "string" && /^[\w-]{1,100}$/.test(id) && !/^__.*__$/.test(id);
}
