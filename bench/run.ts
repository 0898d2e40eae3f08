// `npm run bench`: the platform's overhead end to end, on this machine, against the floor.
//   npm run bench              the full run (100 concurrent clients, 10,000 showcased assistants)
//   npm run bench -- --quick   a short run (20 clients, 1,000 assistants), under two minutes
// Starts its own Firestore emulator, the project's fake provider at a real model's pace, a floor
// proxy and the production server, each in its own process; prints the targets and writes
// bench/results.json and bench/RESULTS.md. Not part of `npm test`: timings are never asserted there.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, startEmulator } from "../scripts/emulator.ts";
import { completionCall, createAssistant, signIn, startChat, webTurn, type WebPerson } from "./clients.ts";
import { overheadsOver, runLoad, type LoadResult } from "./load.ts";
import { gzippedScriptBytes } from "./page-weight.ts";
import { ROOT, residentBytes, startProcess, type Started } from "./processes.ts";
import { renderReport } from "./report.ts";
import { judge, type Results, type Scenario, type ScenarioName } from "./results.ts";
import { median, percentile } from "./stats.ts";

const quick = process.argv.includes("--quick");
const PLAN = quick
  ? { loads: [ { clients: 1, turns: 3 }, { clients: 20, turns: 2 } ], bots: 1_000, galleryRuns: 10 }
  : { loads: [ { clients: 1, turns: 10 }, { clients: 100, turns: 3 } ], bots: 10_000, galleryRuns: 25 };
const PROVIDER = { firstTokenMs: 200, chunkMs: 20, words: 100 };
const MiB = 1024 * 1024;
const began = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - began) / 1000).toFixed(0).padStart(3)} s] ${line}`);

const stops: (() => Promise<void>)[] = [];
async function stopAll() {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}
process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));

// --report-only renders bench/RESULTS.md again from bench/results.json (after editing PROFILE-NOTES.md).
const reportOnly = process.argv.includes("--report-only");

try {
  const results = reportOnly
    ? (JSON.parse(readFileSync(path.join(ROOT, "bench/results.json"), "utf8")) as Results)
    : await benchmark();
  const verdicts = judge(results, "1", String(Object.keys(results.loads).map(Number).sort((a, b) => a - b).at(-1)));
  const notesFile = path.join(ROOT, "bench/PROFILE-NOTES.md");
  const notes = existsSync(notesFile) ? readFileSync(notesFile, "utf8") : "";
  writeFileSync(path.join(ROOT, "bench/results.json"), `${JSON.stringify({ ...results, verdicts }, null, 2)}\n`);
  writeFileSync(path.join(ROOT, "bench/RESULTS.md"), renderReport(results, verdicts, notes));
  console.log("");
  for (const verdict of verdicts) console.log(`${verdict.pass ? "pass" : "MISS"}  ${verdict.figure}: ${verdict.value} (target ${verdict.target})`);
  const missed = verdicts.filter((verdict) => !verdict.pass).length;
  console.log(`\n${verdicts.length - missed} targets met, ${missed} missed; bench/RESULTS.md written in ${Math.round(results.durationSeconds)} s.`);
} catch (error) {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
} finally {
  await stopAll();
}

async function benchmark(): Promise<Results> {
  if (!quick || !existsSync(path.join(ROOT, "build/server/index.js"))) {
    log("Building the app for production…");
    execFileSync(path.join(ROOT, "node_modules/.bin/remix"), ["vite:build"], { cwd: ROOT, stdio: "ignore" });
  }
  const emulator = await startEmulator({ port: 0 });
  stops.push(() => emulator.stop());
  const fake = await startProcess(
    ["tests/fakes/serve.ts", "--port", String(await freePort(4600)), "--first-token-ms", String(PROVIDER.firstTokenMs), "--chunk-ms", String(PROVIDER.chunkMs), "--words", String(PROVIDER.words)],
    { ready: /provider on (\S+)/ },
  );
  stops.push(fake.stop);
  const floor = await startProcess(["bench/floor-proxy.ts", "--target", new URL(fake.url).origin], { ready: /listening on (\S+)/ });
  stops.push(floor.stop);
  const project = `demo-bench-${randomUUID().slice(0, 8)}`;
  const appEnv = {
    NODE_ENV: "production",
    PORT: String(await freePort(4700)),
    FIRESTORE_EMULATOR_HOST: emulator.host,
    GOOGLE_CLOUD_PROJECT: project,
    OPENAI_BASE_URL: fake.url,
    COOKIE_SECURE: "false",
    CHAT_TURNS_PER_MINUTE: "100000",
    SIGN_IN_ATTEMPTS: "100000",
    SIGN_IN_ATTEMPTS_PER_KEY: "100000",
    SESSION_SECRETS: "bench-session-secret-0123456789abcdef0123",
    USER_HASH_SECRET: "bench-user-hash-secret-0123456789abcdef0123",
    ENCRYPTION_SECRET: "bench-encryption-secret-0123456789abcdef0123",
  };
  // BENCH_PROFILE=dir writes the app's CPU profile there (node --cpu-prof), to see where its time goes.
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const app = await startProcess([...profile, "scripts/server.ts"], { env: appEnv, ready: /listening on (\S+)/ });
  stops.push(app.stop);
  log(`Emulator, provider (${fake.url}), floor (${floor.url}) and app (${app.url}) are up.`);

  const most = Math.max(...PLAN.loads.map((load) => load.clients));
  const { people, botId } = await preparePeople(app, most);
  log(`${most} people signed in, each with a chat with one shared assistant.`);
  await runLoad({ clients: most, turns: 1, turn: (client) => webTurn(app.url, people[client]!.person, people[client]!.webSession, "Warm up") });
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idle = residentBytes(app.pid);

  const loads: Results["loads"] = {};
  let peak = idle;
  for (const { clients, turns } of PLAN.loads) {
    loads[clients] = await measureLoad(app, fake, floor, { people, botId }, clients, turns, (bytes) => (peak = Math.max(peak, bytes)));
  }
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const after = residentBytes(app.pid);

  log("Counting Firestore calls per turn…");
  const firestore = await inChild(["bench/firestore-per-turn.ts", ...(quick ? ["--quick"] : [])], { FIRESTORE_EMULATOR_HOST: emulator.host });
  log(`Seeding ${PLAN.bots} showcased assistants…`);
  await inChild(["bench/seed-gallery.ts", String(PLAN.bots)], appEnv);
  const gallery = await measureGallery(app.url);
  const clientDir = path.join(ROOT, "build/client");
  return {
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
      node: process.versions.node,
    },
    provider: PROVIDER,
    loads,
    memory: {
      idleMiB: idle / MiB,
      peakMiB: peak / MiB,
      openStreams: most,
      growthPerStreamKiB: Math.max(0, peak - idle) / most / 1024,
      afterMiB: after / MiB,
    },
    firestore: firestore as Results["firestore"],
    gallery: { bots: PLAN.bots, ...gallery },
    javascript: {
      chatPageKiB: gzippedScriptBytes(clientDir, "routes/sessions.$sessionId") / 1024,
      homePageKiB: gzippedScriptBytes(clientDir, "routes/_index") / 1024,
    },
    durationSeconds: (performance.now() - began) / 1000,
  };
}

type BenchPerson = { person: WebPerson; webSession: string; apiSession: string };

/** People who sign in through the form, and a chat each (two: one for the web, one continued over /v1) with one shared assistant. */
async function preparePeople(app: Started, count: number): Promise<{ people: BenchPerson[]; botId: string }> {
  const first = await signIn(app.url, `sk-bench-${randomUUID()}`);
  const botId = await createAssistant(app.url, first);
  const people: BenchPerson[] = [];
  for (let start = 0; start < count; start += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, count - start) }, async (_, index) => {
        const person = start + index === 0 ? first : await signIn(app.url, `sk-bench-${randomUUID()}`);
        return { person, webSession: await startChat(app.url, person, botId), apiSession: await startChat(app.url, person, botId) };
      }),
    );
    people.push(...batch);
  }
  return { people, botId };
}

async function measureLoad(
  app: Started,
  fake: Started,
  floor: Started,
  { people, botId }: { people: BenchPerson[]; botId: string },
  clients: number,
  turns: number,
  sawMemory: (bytes: number) => void,
): Promise<Partial<Record<ScenarioName, Scenario>>> {
  const keyOf = (client: number) => people[client]!.person.apiKey;
  const message = (client: number, turn: number) => `Client ${client}, turn ${turn}: tell me about the plan.`;
  const runs: Record<ScenarioName, () => Promise<LoadResult>> = {
    direct: () => runLoad({ clients, turns, turn: (c, t) => completionCall(fake.url, keyOf(c), "gpt-4o-mini", message(c, t)) }),
    floor: () =>
      runLoad({ clients, turns, cpuOf: [floor.pid], turn: (c, t) => completionCall(`${floor.url}/v1`, keyOf(c), "gpt-4o-mini", message(c, t)) }),
    web: () =>
      runLoad({ clients, turns, cpuOf: [app.pid], memoryOf: app.pid, turn: (c, t) => webTurn(app.url, people[c]!.person, people[c]!.webSession, message(c, t)) }),
    v1Continuing: () =>
      runLoad({ clients, turns, cpuOf: [app.pid], memoryOf: app.pid, turn: (c, t) => completionCall(`${app.url}/v1`, keyOf(c), botId, message(c, t), people[c]!.apiSession) }),
    v1New: () =>
      runLoad({ clients, turns, cpuOf: [app.pid], memoryOf: app.pid, turn: (c, t) => completionCall(`${app.url}/v1`, keyOf(c), botId, message(c, t)) }),
  };
  const measured: Partial<Record<ScenarioName, LoadResult>> = {};
  for (const name of Object.keys(runs) as ScenarioName[]) {
    measured[name] = await runs[name]();
    if (measured[name]!.peakResidentBytes) sawMemory(measured[name]!.peakResidentBytes!);
    log(`${clients} client(s), ${name}: TTFT p50 ${median(measured[name]!.ttft).toFixed(1)} ms, ${measured[name]!.failures.length} failed${measured[name]!.failures.length ? ` (${measured[name]!.failures[0]})` : ""}`);
  }
  const direct = measured.direct!;
  return Object.fromEntries(
    Object.entries(measured).map(([name, result]) => [
      name,
      {
        streams: result.streams,
        ttftP50: median(result.ttft),
        ttftP99: percentile(result.ttft, 99),
        endP50: median(result.end),
        overhead: overheadsOver(result, direct),
        tokensDelivered: result.tokens,
        tokensSent: result.streams * PROVIDER.words,
        failures: result.failures.length,
        cpuPerStreamMs: name === "direct" ? null : (result.cpuSeconds * 1000) / result.streams,
      } satisfies Scenario,
    ]),
  );
}

/** The gallery's page over HTTP: the first page, a later one (by its cursor), and a search. */
async function measureGallery(appUrl: string) {
  const timed = async (url: string) => {
    const times: number[] = [];
    let html = "";
    for (let run = 0; run <= PLAN.galleryRuns; run += 1) {
      const started = performance.now();
      const response = await fetch(url);
      html = await response.text();
      if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
      if (run > 0) times.push(performance.now() - started); // the first is a warm-up
    }
    return { p50: median(times), html };
  };
  const first = await timed(`${appUrl}/assistants`);
  let later = `${appUrl}/assistants`;
  for (let page = 0; page < 4; page += 1) {
    const html = (await timed(later)).html;
    const after = /[?&]after=([\w-]+)/.exec(html.replaceAll("&amp;", "&"))?.[1];
    if (!after) break;
    later = `${appUrl}/assistants?after=${after}`;
  }
  const laterPage = await timed(later);
  const search = await timed(`${appUrl}/assistants?q=tut`);
  return { firstPageP50: first.p50, laterPageP50: laterPage.p50, searchP50: search.p50 };
}

/** Runs a bench script with tsx in its own process and returns what it printed after RESULT. */
async function inChild(args: string[], env: Record<string, string>): Promise<unknown> {
  const output = execFileSync(path.join(ROOT, "node_modules/.bin/tsx"), args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 16 * MiB,
  });
  const line = output.split("\n").find((text) => text.startsWith("RESULT "));
  return line ? JSON.parse(line.slice("RESULT ".length)) : null;
}
