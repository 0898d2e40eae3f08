// Which Firestore a command uses, and starting the embedded emulator when it
// is the one. A command that finds the embedded emulator already running (under
// `npm start` or `npm run dev`) uses it instead of starting a second one.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LOCAL_PROJECT_ID } from "../app/utils/env.server.ts";
import { startEmulator, type Emulator } from "./emulator.ts";
import { ensureLocalSecrets, firestoreTarget, loadEnvFile, type FirestoreTarget } from "./local-env.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DATA_DIR = path.join(root, ".data/firestore");
const HOST_FILE = path.join(DATA_DIR, "running-emulator");
const SAVE_EVERY_MS = 60_000;

export type LocalStore = { target: FirestoreTarget; stop: () => Promise<void> };

export async function prepareLocalStore(options: { autosave?: boolean } = {}): Promise<LocalStore> {
  loadEnvFile();
  const target = firestoreTarget();
  if (target !== "production") ensureLocalSecrets();
  if (target !== "embedded-emulator") return { target, stop: async () => {} };

  const running = await runningEmulatorHost();
  if (running) {
    process.env.FIRESTORE_EMULATOR_HOST = running;
    return { target, stop: async () => {} };
  }

  console.log("Starting the Firestore emulator (data kept in .data/firestore)…");
  const emulator = await startEmulator({ dataDir: DATA_DIR, project: LOCAL_PROJECT_ID });
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  mkdirSync(DATA_DIR, { recursive: true });
  writeFileSync(HOST_FILE, emulator.host);
  console.log(`Firestore emulator on ${emulator.host}`);
  const timer = options.autosave ? setInterval(() => void save(emulator), SAVE_EVERY_MS) : undefined;
  return {
    target,
    stop: async () => {
      clearInterval(timer);
      await save(emulator);
      rmSync(HOST_FILE, { force: true });
      await emulator.stop();
    },
  };
}

async function save(emulator: Emulator) {
  await emulator.save().catch((error: unknown) => {
    console.error(`Could not save the emulator's data: ${error instanceof Error ? error.message : error}`);
  });
}

async function runningEmulatorHost(): Promise<string | undefined> {
  if (!existsSync(HOST_FILE)) return undefined;
  const host = readFileSync(HOST_FILE, "utf8").trim();
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1_000) });
    if (response.ok) return host;
  } catch {
    // a file left by a process that died
  }
  rmSync(HOST_FILE, { force: true });
  return undefined;
}
