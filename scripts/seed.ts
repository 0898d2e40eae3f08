// `npm run seed`: adds the showcased assistants of firebase/seed/ that are not
// in the store yet. Safe to run any number of times. Run by tsx, which
// resolves the app's `~/` imports.
import { seedShowcase } from "~/models/showcase-seed.server";
import { prepareLocalStore } from "./local-store.ts";

const store = await prepareLocalStore();
try {
  const created = await seedShowcase();
  console.log(
    created.length
      ? `Seeded ${created.length} showcased assistants: ${created.join(", ")}`
      : "The showcase is already seeded.",
  );
} finally {
  await store.stop();
}
