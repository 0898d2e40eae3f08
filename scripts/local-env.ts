// Local runs get their secrets generated once into a gitignored .env. Real
// Firestore never does: there, a missing secret stops the server at boot.
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import dotenv from "dotenv";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ENV_FILE = path.join(root, ".env");
const LOCAL_SECRETS = ["SESSION_SECRETS", "USER_HASH_SECRET", "ENCRYPTION_SECRET"] as const;

/** Loads .env into process.env without overriding what the environment already says. */
export function loadEnvFile(file = ENV_FILE): void {
  if (existsSync(file)) dotenv.config({ path: file, quiet: true });
}

export function ensureLocalSecrets(file = ENV_FILE): string[] {
  const existing = existsSync(file) ? dotenv.parse(readFileSync(file)) : {};
  const missing = LOCAL_SECRETS.filter((name) => !process.env[name] && !existing[name]);
  if (missing.length === 0) return [];
  const lines = missing.map((name) => `${name}=${randomBytes(32).toString("hex")}`);
  const header = existsSync(file) ? "" : "# Local secrets, generated on first run. Keep this file private.\n";
  appendFileSync(file, `${header}${lines.join("\n")}\n`, { mode: 0o600 });
  console.log(`Generated local secrets (${missing.join(", ")}) into ${path.relative(process.cwd(), file) || file}.`);
  loadEnvFile(file);
  return missing;
}

export type FirestoreTarget = "embedded-emulator" | "external-emulator" | "production";

/** With no emulator named and no Google credentials, the embedded emulator is the store. */
export function firestoreTarget(env = process.env): FirestoreTarget {
  if (env.FIRESTORE_EMULATOR_HOST) return "external-emulator";
  if (env.GOOGLE_APPLICATION_CREDENTIALS || env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT) return "production";
  return "embedded-emulator";
}
