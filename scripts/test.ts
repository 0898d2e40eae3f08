// `npm test`: type-checks and builds the app, starts the Firestore emulator, runs the unit,
// integration and rules suites (Vitest) and the browser suite (Playwright),
// stops what it started, and ends with one "N passed, N failed" line.
//
//   npm test              everything
//   npm test -- vitest    only the Vitest projects (any further args go to Vitest)
//   npm test -- e2e       only the browser suite (further args go to Playwright)
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "./emulator.ts";
import { readRows, renderReport } from "./reliability-report.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const results = path.join(root, "test-results");
const [suite = "all", ...extra] = process.argv.slice(2);

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    // Tools start with `#!/usr/bin/env node`: put the project's Node first, whoever called us.
    const PATH = [path.join(root, "node_modules/.bin"), path.dirname(process.execPath), process.env.PATH].join(
      path.delimiter,
    );
    const childEnv = { ...process.env, ...env, PATH } as NodeJS.ProcessEnv;
    const child = spawn(command, args, { cwd: root, stdio: "inherit", env: childEnv });
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

type Counts = { passed: number; failed: number; skipped: number };

function vitestCounts(): Counts {
  const file = path.join(results, "vitest.json");
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const report = JSON.parse(readFileSync(file, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    testResults: { status: string; assertionResults: { status: string }[] }[];
  };
  // A file that fails to load has no failed test, but must still count as a failure.
  const brokenFiles = report.testResults.filter(
    (result) => result.status === "failed" && !result.assertionResults.some((test) => test.status === "failed"),
  ).length;
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + brokenFiles,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

function playwrightCounts(): Counts {
  const file = path.join(results, "playwright.json");
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const { stats } = JSON.parse(readFileSync(file, "utf8")) as {
    stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  };
  return { passed: stats.expected + stats.flaky, failed: stats.unexpected, skipped: stats.skipped };
}

const bin = (name: string) => path.join(root, "node_modules/.bin", name);

rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const checks =
  suite === "all"
    ? ([
        ["tsc", []],
        ["remix", ["vite:build"]],
      ] as const)
    : ([["remix", ["vite:build"]]] as const);
for (const [tool, args] of checks) {
  if ((await run(bin(tool), [...args])) !== 0) {
    console.error(`${tool} failed; no tests were run.`);
    console.log("tests: 0 passed, 1 failed");
    process.exit(1);
  }
}

console.log("Starting the Firestore emulator for the tests…");
const emulator = await startEmulator({ port: 0 });
const env = { FIRESTORE_EMULATOR_HOST: emulator.host };
const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;

try {
  if (suite === "all" || suite === "vitest") {
    const code = await run(
      bin("vitest"),
      [
        "run",
        "--reporter=default",
        "--reporter=json",
        `--outputFile.json=${path.join(results, "vitest.json")}`,
        ...(suite === "vitest" ? extra : []),
      ],
      env,
    );
    const counts = vitestCounts();
    if (code !== 0 && counts.failed === 0) counts.failed = 1;
    Object.keys(totals).forEach((k) => (totals[k as keyof Counts] += counts[k as keyof Counts]));
    exitCode ||= code;
  }
  if (suite === "all" || suite === "e2e") {
    const code = await run(bin("playwright"), ["test", ...(suite === "e2e" ? extra : [])], env);
    const counts = playwrightCounts();
    if (code !== 0 && counts.failed === 0) counts.failed = 1;
    Object.keys(totals).forEach((k) => (totals[k as keyof Counts] += counts[k as keyof Counts]));
    exitCode ||= code;
  }
} finally {
  await emulator.stop();
}

// The reliability figures stand for a whole run that passed, never for part of one.
if (suite === "all" && exitCode === 0 && totals.failed === 0) {
  const rows = readRows(path.join(results, "reliability"));
  if (rows.length > 0) {
    // Tests never rewrite tracked files: `npm run reliability` publishes this report to docs/.
    writeFileSync(path.join(results, "RELIABILITY.md"), renderReport(rows, new Date().toISOString().slice(0, 10)));
    console.log(
      `test-results/RELIABILITY.md: ${rows.length} rows of figures written (npm run reliability publishes them).`,
    );
  }
}

console.log(
  `tests: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}`,
);
process.exit(exitCode);
