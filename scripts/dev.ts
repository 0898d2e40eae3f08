// `npm run dev`: the app with hot reload, on the embedded emulator unless one
// is configured. `--offline` puts the project's fake provider behind it, so no
// key or network is needed (any key starting with "sk-" signs in).
import { parseArgs } from "node:util";
import { startFakeProvider } from "../tests/fakes/openai-server.ts";
import { prepareLocalStore } from "./local-store.ts";
import { reportPendingMigration } from "./migration-check.ts";
import { seedIfEmpty } from "./seed-if-empty.ts";
import { startServer } from "./server.ts";

const { values } = parseArgs({ options: { offline: { type: "boolean", default: false } } });

process.env.NODE_ENV = "development";
const store = await prepareLocalStore({ autosave: true });
const fake = values.offline ? await startFakeProvider({ port: 4010 }) : undefined;
if (fake) {
  process.env.OPENAI_BASE_URL = fake.url;
  console.log(
    `Offline: the fake provider on ${fake.url} answers every chat. Sign in with any key starting with "sk-".`,
  );
}

await seedIfEmpty();
await reportPendingMigration();
const server = await startServer({ mode: "development" });
console.log(`Assistant Lab (development) on ${server.url}`);

const stop = async () => {
  await server.close();
  await fake?.close();
  await store.stop();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
