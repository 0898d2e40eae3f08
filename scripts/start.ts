// `npm start`: the production build, on the embedded Firestore emulator unless
// an emulator or Google credentials are configured.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LOCAL_PROJECT_ID } from "../app/utils/env.server.ts";
import { startEmulator, type Emulator } from "./emulator.ts";
import { ensureLocalSecrets, firestoreTarget, loadEnvFile } from "./local-env.ts";
import { startServer } from "./server.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SAVE_EVERY_MS = 60_000;

export async function start() {
  loadEnvFile();
  process.env.NODE_ENV = "production";
  const target = firestoreTarget();
  let emulator: Emulator | undefined;

  if (target !== "production") ensureLocalSecrets();
  if (target === "embedded-emulator") {
    console.log("Starting the Firestore emulator (data kept in .data/firestore)…");
    emulator = await startEmulator({ dataDir: path.join(root, ".data/firestore"), project: LOCAL_PROJECT_ID });
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    // Plain http on localhost: browsers other than Chromium drop Secure cookies there.
    process.env.COOKIE_SECURE ??= "false";
    console.log(`Firestore emulator on ${emulator.host}`);
  }

  const server = await startServer({ mode: "production" }).catch(async (error: unknown) => {
    await emulator?.stop();
    throw error;
  });
  console.log(`Assistant Lab is ready on ${server.url}`);

  const timer = emulator && setInterval(() => void emulator.save().catch(reportSaveError), SAVE_EVERY_MS);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    await server.close();
    if (emulator) {
      await emulator.save().catch(reportSaveError);
      await emulator.stop();
    }
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

function reportSaveError(error: unknown) {
  console.error(`Could not save the emulator's data: ${error instanceof Error ? error.message : error}`);
}

if (import.meta.main) {
  await start().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
