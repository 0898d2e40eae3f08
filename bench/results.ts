// What a benchmark run measured (bench/results.json), and the targets judged against it.

/** One scenario at one load, as its clients saw it and as its server spent it. */
export type Scenario = {
  streams: number;
  ttftP50: number;
  ttftP99: number;
  endP50: number;
  /** Time to first token and to the end, minus the direct provider's p50 at the same load. */
  overhead: { ttftP50: number; ttftP99: number; endP50: number };
  tokensDelivered: number;
  tokensSent: number;
  failures: number;
  /** CPU seconds of the process that served it (the app, or the floor proxy) per stream. */
  cpuPerStreamMs: number | null;
};

export const SCENARIOS = ["direct", "floor", "web", "v1Continuing", "v1New"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
export const APP_SCENARIOS = ["web", "v1Continuing", "v1New"] as const;

export type PerTurn = {
  turn: number;
  readCalls: number;
  documentsRead: number;
  writeCalls: number;
  documentsWritten: number;
  bytesWritten: number;
  /** Of the bytes written, those of the session's condensed context (bounded by the context budget). */
  contextBytes: number;
};

export type Results = {
  date: string;
  mode: "full" | "quick";
  machine: { cpu: string; cores: number; memoryGiB: number; node: string };
  provider: { firstTokenMs: number; chunkMs: number; words: number };
  /** By number of concurrent clients. */
  loads: Record<string, Partial<Record<ScenarioName, Scenario>>>;
  memory: { idleMiB: number; peakMiB: number; growthPerStreamKiB: number; afterMiB: number; openStreams: number };
  firestore: { roundTrips: { web: number; apiContinuing: number; apiNew: number }; perTurn: PerTurn[] };
  gallery: { bots: number; firstPageP50: number; laterPageP50: number; searchP50: number };
  javascript: { chatPageKiB: number; homePageKiB: number };
  durationSeconds: number;
};

export type Verdict = { figure: string; value: string; target: string; pass: boolean };

const ms = (value: number) => `${value.toFixed(1)} ms`;
/** A figure beside the floor's; no ratio against a floor within a millisecond of nothing (it would be noise). */
const ratio = (value: number, floor: number) =>
  floor < 1 ? `${ms(value)} (the floor's: ${ms(floor)})` : `${ms(value)} (${(value / floor).toFixed(1)}× the floor's ${ms(floor)})`;
const LABEL: Record<(typeof APP_SCENARIOS)[number], string> = {
  web: "web /api/chat",
  v1Continuing: "/v1 continuing a session",
  v1New: "/v1 new session",
};

/** Every target of issue 12, judged on one run's results. */
export function judge(results: Results, one: string, many: string): Verdict[] {
  const verdicts: Verdict[] = [];
  const atOne = results.loads[one] ?? {};
  const atMany = results.loads[many] ?? {};
  const floor = atMany.floor!;
  for (const name of APP_SCENARIOS) {
    const single = atOne[name];
    if (single) {
      verdicts.push({
        figure: `TTFT overhead p50, ${one} client, ${LABEL[name]}`,
        value: ms(single.overhead.ttftP50),
        target: "≤ 3 ms",
        pass: single.overhead.ttftP50 <= 3,
      });
    }
    const loaded = atMany[name];
    if (!loaded) continue;
    verdicts.push(
      {
        figure: `TTFT overhead p50, ${many} clients, ${LABEL[name]}`,
        value: ratio(loaded.overhead.ttftP50, floor.overhead.ttftP50),
        target: "≤ 2× the floor's",
        pass: loaded.overhead.ttftP50 <= 2 * Math.max(floor.overhead.ttftP50, 0.5),
      },
      {
        figure: `TTFT overhead p99, ${many} clients, ${LABEL[name]}`,
        value: ratio(loaded.overhead.ttftP99, floor.overhead.ttftP99),
        target: "≤ 3× the floor's",
        pass: loaded.overhead.ttftP99 <= 3 * Math.max(floor.overhead.ttftP99, 0.5),
      },
      {
        figure: `delivered ÷ sent, ${many} clients, ${LABEL[name]}`,
        value: (loaded.tokensDelivered / loaded.tokensSent).toFixed(3),
        target: "≥ 0.98",
        pass: loaded.tokensDelivered / loaded.tokensSent >= 0.98,
      },
      {
        figure: `app CPU per stream, ${many} clients, ${LABEL[name]}`,
        value: `${loaded.cpuPerStreamMs!.toFixed(2)} ms (${(loaded.cpuPerStreamMs! / floor.cpuPerStreamMs!).toFixed(1)}× the floor's ${floor.cpuPerStreamMs!.toFixed(2)} ms)`,
        target: "≤ 2× the floor's",
        pass: loaded.cpuPerStreamMs! <= 2 * floor.cpuPerStreamMs!,
      },
    );
  }
  const trips = results.firestore.roundTrips;
  verdicts.push({
    figure: "Firestore round trips before the provider is called (web, /v1 continuing, /v1 new)",
    value: `${trips.web}, ${trips.apiContinuing}, ${trips.apiNew}`,
    target: "≤ 1",
    pass: Math.max(trips.web, trips.apiContinuing, trips.apiNew) <= 1,
  });
  const turns = results.firestore.perTurn;
  const constant = (pick: (turn: PerTurn) => number) => new Set(turns.map(pick)).size === 1;
  verdicts.push({
    figure: `Firestore documents read and written per web turn at turns ${turns.map((turn) => turn.turn).join(", ")}`,
    value: turns.map((turn) => `${turn.documentsRead} r / ${turn.documentsWritten} w`).join(", "),
    target: "constant, ≤ 2 reads and ≤ 6 writes",
    pass:
      constant((turn) => turn.documentsRead) &&
      constant((turn) => turn.documentsWritten) &&
      turns.every((turn) => turn.documentsRead <= 2 && turn.documentsWritten <= 6),
  });
  const beyondContext = turns.map((turn) => turn.bytesWritten - turn.contextBytes);
  verdicts.push({
    figure: "bytes written per turn besides the condensed context (which the context budget bounds)",
    value: turns.map((turn, index) => `${beyondContext[index]} B (+${turn.contextBytes} B context)`).join(", "),
    target: "independent of the conversation's length",
    pass: Math.max(...beyondContext) <= 1.2 * Math.min(...beyondContext),
  });
  const memory = results.memory;
  verdicts.push(
    { figure: "resident memory, idle", value: `${memory.idleMiB.toFixed(0)} MiB`, target: "≤ 250 MB", pass: memory.idleMiB * 1.048576 <= 250 },
    {
      figure: `resident memory growth per open stream at ${memory.openStreams}`,
      value: `${memory.growthPerStreamKiB.toFixed(0)} KiB`,
      target: "≤ 256 KB",
      pass: memory.growthPerStreamKiB * 1.024 <= 256,
    },
    {
      figure: "resident memory after the load",
      value: `${memory.afterMiB.toFixed(0)} MiB (idle ${memory.idleMiB.toFixed(0)} MiB)`,
      target: "back to the idle baseline (within 10%)",
      pass: memory.afterMiB <= memory.idleMiB * 1.1,
    },
  );
  const gallery = results.gallery;
  verdicts.push(
    { figure: `gallery first page, ${gallery.bots} showcased, p50`, value: ms(gallery.firstPageP50), target: "≤ 30 ms", pass: gallery.firstPageP50 <= 30 },
    { figure: `gallery later page, ${gallery.bots} showcased, p50`, value: ms(gallery.laterPageP50), target: "≤ 30 ms", pass: gallery.laterPageP50 <= 30 },
    { figure: `gallery search, ${gallery.bots} showcased, p50`, value: ms(gallery.searchP50), target: "≤ 100 ms", pass: gallery.searchP50 <= 100 },
    {
      figure: "JavaScript on the chat page, gzipped",
      value: `${results.javascript.chatPageKiB.toFixed(1)} KiB`,
      target: "≤ 150 KB",
      pass: results.javascript.chatPageKiB * 1.024 <= 150,
    },
  );
  const failures = Object.values(results.loads).reduce(
    (sum, load) => sum + Object.values(load).reduce((inner, scenario) => inner + scenario.failures, 0),
    0,
  );
  verdicts.push({ figure: "failed or lost turns, all scenarios", value: String(failures), target: "0", pass: failures === 0 });
  return verdicts;
}
