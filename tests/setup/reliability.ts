// The figures behind docs/RELIABILITY.md. Each suite that tries something
// against the product (faults, hostile input, access attempts, concurrency)
// records what it tried and how much of it held; `npm test` turns every
// recorded row into the document once the whole run has passed.
import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";

export const RELIABILITY_DIR = path.resolve(import.meta.dirname, "../../test-results/reliability");

export type ReliabilityArea = "faults" | "input" | "access" | "concurrency" | "process" | "instances";

export type ReliabilityRow = {
  area: ReliabilityArea;
  /** What was tried, as a sentence fragment: "two sends to one session at once, one process". */
  what: string;
  /** How many times it was tried. */
  tried: number;
  /** How many of those held: the product behaved as it must. */
  held: number;
  /** Messages or acknowledged writes that went missing (must be 0). */
  lost?: number;
};

/** Appends one row; rows from parallel test files go to one file per process. */
export function recordReliability(row: ReliabilityRow) {
  mkdirSync(RELIABILITY_DIR, { recursive: true });
  appendFileSync(path.join(RELIABILITY_DIR, `rows-${process.pid}.jsonl`), `${JSON.stringify(row)}\n`);
}
