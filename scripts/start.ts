// `npm start`: the production build, on the embedded Firestore emulator unless
// an emulator or Google credentials are configured. Seeds the showcase into an
// empty database.
import { tsImport } from "tsx/esm/api";
import { prepareLocalStore } from "./local-store.ts";
import { startServer } from "./server.ts";

process.env.NODE_ENV = "production";
const store = await prepareLocalStore({ autosave: true });
if (store.target === "embedded-emulator") {
  // Plain http on localhost: browsers other than Chromium drop Secure cookies there.
  process.env.COOKIE_SECURE ??= "false";
}

try {
  // tsx resolves the app's `~/` imports, which Node's type stripping does not.
  const { seedShowcase } = (await tsImport("../app/models/showcase-seed.server.ts", import.meta.url)) as typeof import("../app/models/showcase-seed.server.ts");
  const seeded = await seedShowcase({ onlyIfEmpty: true });
  if (seeded.length) console.log(`Seeded ${seeded.length} showcased assistants into the empty database.`);

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
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await store.stop();
  process.exit(1);
}
