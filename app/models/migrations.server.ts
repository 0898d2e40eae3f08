import type { DocumentData, Query, QueryDocumentSnapshot } from "firebase-admin/firestore";
import { searchTerms } from "~/utils/search-terms";
import { db, withDeadline } from "~/utils/db.server";

// Bringing documents that GPT Lab (or an earlier release of this product)
// wrote up to what this product reads: `npm run migrate`. Each step finds the
// documents it would change by scanning its collection in pages ordered by
// document id, and changes only those that need it, in batches: a second run
// changes nothing, and a run cut off anywhere is finished by running it again.
// A dry run counts what would change and writes nothing.

export type MigrationStep = {
  name: string;
  /** What it does, in a line. */
  describe: string;
  /** The documents it looks at. */
  scan: () => Query;
  /** The fields to set on a document, or null when it needs nothing. */
  change: (doc: QueryDocumentSnapshot) => DocumentData | null;
};

/** GPT Lab's `message_type` values; the first release of this product wrote shorter ones. */
const PROMPT_TYPES: Record<string, string> = { initial: "initial_prompt", summary: "summary_prompt" };

export const MIGRATION_STEPS: MigrationStep[] = [
  {
    name: "prompt-types",
    describe: "prompts written with message_type initial/summary get GPT Lab's initial_prompt/summary_prompt",
    scan: () => db().collectionGroup("prompts"),
    change: (doc) => {
      const renamed = PROMPT_TYPES[doc.get("message_type") as string];
      return renamed ? { message_type: renamed } : null;
    },
  },
  {
    name: "prompt-counters",
    describe: "prompts without start and end counters (GPT Lab writes them only once used) get them at 0",
    scan: () => db().collectionGroup("prompts"),
    change: (doc) => {
      const added = missingCounters(doc);
      return Object.keys(added).length ? added : null;
    },
  },
  {
    name: "bot-fields",
    describe:
      "bots get the fields this product adds: counters, search terms, starter prompts, instructions kept private",
    scan: () => db().collection("bots"),
    change: (doc) => {
      const data = doc.data();
      const added: DocumentData = { ...missingCounters(doc) };
      if (!Array.isArray(data.search_terms)) {
        added.search_terms = searchTerms(data.name ?? "", data.tag_line ?? "", data.description ?? "");
      }
      if (!Array.isArray(data.starter_prompts)) added.starter_prompts = [];
      // GPT Lab kept every prompt private; a bot says otherwise only when its creator chooses.
      if (typeof data.instructions_visible !== "boolean") added.instructions_visible = false;
      return Object.keys(added).length ? added : null;
    },
  },
];

function missingCounters(doc: QueryDocumentSnapshot): DocumentData {
  const added: DocumentData = {};
  for (const field of ["sessions_started", "sessions_ended"]) {
    if (typeof doc.get(field) !== "number") added[field] = 0;
  }
  return added;
}

export type StepReport = { name: string; describe: string; scanned: number; changed: number };

/** Documents read per page, and written per batch (a batch takes at most 500 writes). */
const PAGE_SIZE = 300;

/** Runs every step (or counts what each would change, `dryRun`); reports per step. */
export async function migrate(
  options: { dryRun?: boolean; steps?: MigrationStep[]; onProgress?: (report: StepReport) => void } = {},
): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  for (const step of options.steps ?? MIGRATION_STEPS) {
    const report = { name: step.name, describe: step.describe, scanned: 0, changed: 0 };
    let after: QueryDocumentSnapshot | undefined;
    for (;;) {
      let page = step.scan().orderBy("__name__").limit(PAGE_SIZE);
      if (after) page = page.startAfter(after);
      const { docs } = await withDeadline(page.get());
      if (docs.length === 0) break;
      const batch = db().batch();
      let changes = 0;
      for (const doc of docs) {
        const change = step.change(doc);
        if (!change) continue;
        changes += 1;
        batch.update(doc.ref, change);
      }
      report.scanned += docs.length;
      report.changed += changes;
      if (!options.dryRun && changes > 0) await withDeadline(batch.commit());
      options.onProgress?.(report);
      after = docs.at(-1);
    }
    reports.push(report);
  }
  return reports;
}

/**
 * The one cheap check `npm start` makes (one query): a bot among the first 50
 * without a field this product adds means the database needs `npm run migrate`.
 */
export async function needsMigration(): Promise<boolean> {
  const { docs } = await withDeadline(db().collection("bots").orderBy("__name__").limit(50).get());
  return docs.some((doc) => MIGRATION_STEPS.find((step) => step.name === "bot-fields")!.change(doc) !== null);
}
