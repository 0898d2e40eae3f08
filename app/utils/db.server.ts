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

export function db(): Firestore {
  return getFirestore(firebaseApp());
}

/**
 * Ids that come from URLs and request bodies must name one document: a "/"
 * would reach into another collection, and Firestore throws on empty segments.
 * Auto ids and the seed's ids are letters, digits, "_" and "-".
 */
export function isDocId(id: string | undefined | null): id is string {
  return typeof id === "string" && /^[\w-]{1,100}$/.test(id);
}
