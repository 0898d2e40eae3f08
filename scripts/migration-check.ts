// The cheap check `npm start` and `npm run dev` make on the database: one line when it holds
// documents that `npm run migrate` would bring up to date (a GPT Lab database, or an older one).
import { tsImport } from "tsx/esm/api";
import type * as Migrations from "../app/models/migrations.server.ts";

export async function reportPendingMigration(): Promise<void> {
  const { needsMigration } = (await tsImport(
    "../app/models/migrations.server.ts",
    import.meta.url,
  )) as typeof Migrations;
  if (await needsMigration()) {
    console.log(
      "This database has assistants written by GPT Lab or an older release: run `npm run migrate` (see README, Coming from GPT Lab).",
    );
  }
}
