// `npm run dev`: the app with hot reload, on the embedded emulator unless one
// is configured. `--offline` puts the project's fake provider behind it, so no
// key or network is needed (any key starting with "sk-" signs in).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { LOCAL_PROJECT_ID } from "../app/utils/env.server.ts";
import { startFakeProvider } from "../tests/fakes/openai-server.ts";
import { startEmulator, type Emulator } from "./emulator.ts";
import { ensureLocalSecrets, firestoreTarget, loadEnvFile } from "./local-env.ts";
import { startServer } from "./server.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { offline: { type: "boolean", default: false } } });

loadEnvFile();
process.env.NODE_ENV = "development";
let emulator: Emulator | undefined;
if (firestoreTarget() !== "production") ensureLocalSecrets();
if (firestoreTarget() === "embedded-emulator") {
  emulator = await startEmulator({ dataDir: path.join(root, ".data/firestore"), project: LOCAL_PROJECT_ID });
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  console.log(`Firestore emulator on ${emulator.host}`);
}
const fake = values.offline ? await startFakeProvider({ port: 4010 }) : undefined;
if (fake) {
  process.env.OPENAI_BASE_URL = fake.url;
  console.log(`Offline: the fake provider on ${fake.url} answers every chat. Sign in with any key starting with "sk-".`);
}

const server = await startServer({ mode: "development" });
console.log(`Assistant Lab (development) on ${server.url}`);

const stop = async () => {
  await server.close();
  await fake?.close();
  if (emulator) {
    await emulator.save().catch(() => undefined);
    await emulator.stop();
  }
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
