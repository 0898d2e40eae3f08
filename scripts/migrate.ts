// `npm run migrate`: brings a database that GPT Lab (or an earlier release) wrote up to what this
// product reads (app/models/migrations.server.ts). Idempotent and resumable: run it again after an
// interruption. `npm run migrate -- --dry-run` reports what it would change and writes nothing.
// Run by tsx, which resolves the app's `~/` imports.
import { migrate } from "~/models/migrations.server";
import { prepareLocalStore } from "./local-store.ts";

const dryRun = process.argv.includes("--dry-run");
const store = await prepareLocalStore();
try {
  const reports = await migrate({ dryRun });
  for (const report of reports) {
    console.log(
      `${report.name}: ${report.changed} of ${report.scanned} ${dryRun ? "would change" : "changed"} (${report.describe})`,
    );
  }
  const changed = reports.reduce((sum, report) => sum + report.changed, 0);
  console.log(dryRun ? `Dry run: ${changed} documents would change.` : `Done: ${changed} documents changed.`);
} finally {
  await store.stop();
}
