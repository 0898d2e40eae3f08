// Seeds the showcase into a database with no bots, as `npm start` and
// `npm run dev` promise. tsx resolves the app's `~/` imports, which Node's
// type stripping does not.
import { tsImport } from "tsx/esm/api";
import type * as ShowcaseSeed from "../app/models/showcase-seed.server.ts";

export async function seedIfEmpty(): Promise<void> {
  const { seedShowcase } = (await tsImport(
    "../app/models/showcase-seed.server.ts",
    import.meta.url,
  )) as typeof ShowcaseSeed;
  const seeded = await seedShowcase({ onlyIfEmpty: true });
  if (seeded.length) console.log(`Seeded ${seeded.length} showcased assistants into the empty database.`);
}
