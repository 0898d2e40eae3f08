// `npm start`: the production build, on the embedded Firestore emulator unless
// an emulator or Google credentials are configured. Seeds the showcase into an
// empty database.
import { prepareLocalStore } from "./local-store.ts";
import { reportPendingMigration } from "./migration-check.ts";
import { seedIfEmpty } from "./seed-if-empty.ts";
import { startServer } from "./server.ts";

process.env.NODE_ENV = "production";
const store = await prepareLocalStore({ autosave: true });
if (store.target === "embedded-emulator") {
  // Plain http on localhost: browsers other than Chromium drop Secure cookies there.
  process.env.COOKIE_SECURE ??= "false";
}

try {
  await seedIfEmpty();
  await reportPendingMigration();

  const server = await startServer({ mode: "production" });
  console.log(`Assistant Lab is ready on ${server.url}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    await store.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await store.stop();
  process.exit(1);
}
