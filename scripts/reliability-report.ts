// Turns the rows the hardening suites recorded (tests/setup/reliability.ts)
// into a report: `npm test` writes test-results/RELIABILITY.md after a full run
// that passed, and `npm run reliability` (running this file) publishes that
// report as docs/RELIABILITY.md.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ReliabilityArea, ReliabilityRow } from "../tests/setup/reliability.ts";

const AREAS: Record<ReliabilityArea, string> = {
  faults: "Faults injected and survived",
  process: "Process faults",
  input: "Hostile input, refused cleanly",
  access: "Access attempts, denied",
  concurrency: "Concurrency",
  instances: "Two instances",
};

export function readRows(dir: string): ReliabilityRow[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".jsonl"))
    .flatMap((name) => readFileSync(path.join(dir, name), "utf8").split("\n").filter(Boolean))
    .map((line) => JSON.parse(line) as ReliabilityRow);
}

/** Rows with the same area and description are one line, their counts added up. */
export function renderReport(rows: ReliabilityRow[], date: string): string {
  const merged = new Map<string, ReliabilityRow>();
  for (const row of rows) {
    const key = `${row.area}\n${row.what}`;
    const seen = merged.get(key);
    merged.set(
      key,
      seen
        ? {
            ...seen,
            tried: seen.tried + row.tried,
            held: seen.held + row.held,
            lost: (seen.lost ?? 0) + (row.lost ?? 0),
          }
        : { lost: 0, ...row },
    );
  }
  const all = [...merged.values()];
  const lines = [
    "# Reliability",
    "",
    "What the suite tried against the product and what held. Written by `npm test` after a full run",
    `that passed (last: ${date}); the tests that produce each row are under \`tests/integration/\`.`,
    '"Held" counts the tries where the product did what it must; "lost" counts messages or',
    "acknowledged writes that went missing, which must be 0.",
    "",
    "| | tried | held | lost |",
    "| --- | ---: | ---: | ---: |",
  ];
  // The table's body, grouped by area, each area's totals first.
  const body: string[] = [];
  for (const [area, title] of Object.entries(AREAS) as [ReliabilityArea, string][]) {
    const inArea = all.filter((row) => row.area === area);
    if (inArea.length === 0) continue;
    const sum = (pick: (row: ReliabilityRow) => number) => inArea.reduce((total, row) => total + pick(row), 0);
    body.push(
      `| **${title}** | **${sum((row) => row.tried)}** | **${sum((row) => row.held)}** | **${sum((row) => row.lost ?? 0)}** |`,
    );
    for (const row of inArea) body.push(`| ${row.what} | ${row.tried} | ${row.held} | ${row.lost ?? 0} |`);
  }
  const lost = all.reduce((total, row) => total + (row.lost ?? 0), 0);
  return [...lines, ...body, "", `Messages or acknowledged writes lost in all: **${lost}**.`, ""].join("\n");
}

if (import.meta.main) {
  const root = path.resolve(import.meta.dirname, "..");
  const report = path.join(root, "test-results/RELIABILITY.md");
  if (!existsSync(report)) {
    console.error(
      "No test-results/RELIABILITY.md: run the whole suite (npm test) first; it writes one when it passes.",
    );
    process.exit(1);
  }
  writeFileSync(path.join(root, "docs/RELIABILITY.md"), readFileSync(report, "utf8"));
  console.log("docs/RELIABILITY.md now holds the figures of the last full run that passed.");
}
