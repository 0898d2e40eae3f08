// bench/RESULTS.md: the machine, the date, every figure side by side with the floor, every target.
import { APP_SCENARIOS, SCENARIOS, type Results, type Verdict } from "./results.ts";

const NAMES: Record<(typeof SCENARIOS)[number], string> = {
  direct: "provider, direct",
  floor: "floor (plain proxy)",
  web: "web /api/chat",
  v1Continuing: "/v1 continuing a session",
  v1New: "/v1 new session",
};

/** A ratio to the floor; "+N ms" instead when the floor is within a millisecond of nothing. */
const timesFloor = (value: number, floor: number) =>
  floor < 1 ? `+${fixed(value - floor)} ms (floor ≈ 0)` : `${fixed(value / floor)}×`;

const fixed = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined || !Number.isFinite(value) ? "—" : value.toFixed(digits);

/** `notes`: what the profiles showed about the misses (bench/PROFILE-NOTES.md), written by hand. */
export function renderReport(results: Results, verdicts: Verdict[], notes = ""): string {
  const misses = verdicts.filter((verdict) => !verdict.pass);
  const lines = [
    "# Benchmark results",
    "",
    `Written by \`npm run bench${results.mode === "quick" ? " -- --quick" : ""}\` on ${results.date} in ${Math.round(results.durationSeconds)} s.`,
    "",
    `Machine: ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memoryGiB} GiB, Node ${results.machine.node}.`,
    `Provider (the project's fake, its own process): ${results.provider.firstTokenMs} ms to the first token, then ${results.provider.words} tokens ${results.provider.chunkMs} ms apart.`,
    "Every figure was measured in the same run as the provider direct and the floor, a plain pass-through proxy with",
    "no Firestore and no crypto. Overhead = time through it − the direct provider's p50 at the same load.",
    "",
    `## Targets: ${verdicts.length - misses.length} met, ${misses.length} missed`,
    "",
    "| figure | measured | target | |",
    "|---|---|---|---|",
    ...verdicts.map((verdict) => `| ${verdict.figure} | ${verdict.value} | ${verdict.target} | ${verdict.pass ? "pass" : "**miss**"} |`),
    "",
  ];
  for (const [clients, load] of Object.entries(results.loads)) {
    lines.push(
      `## ${clients} concurrent client${clients === "1" ? "" : "s"}`,
      "",
      "| scenario | streams | TTFT p50 | TTFT p99 | TTFT overhead p50 | p99 | end overhead p50 | delivered ÷ sent | CPU per stream | failed |",
      "|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const name of SCENARIOS) {
      const scenario = load[name];
      if (!scenario) continue;
      lines.push(
        `| ${NAMES[name]} | ${scenario.streams} | ${fixed(scenario.ttftP50)} ms | ${fixed(scenario.ttftP99)} ms | ${name === "direct" ? "—" : `${fixed(scenario.overhead.ttftP50)} ms`} | ${name === "direct" ? "—" : `${fixed(scenario.overhead.ttftP99)} ms`} | ${name === "direct" ? "—" : `${fixed(scenario.overhead.endP50)} ms`} | ${fixed(scenario.tokensDelivered / scenario.tokensSent, 3)} | ${scenario.cpuPerStreamMs === null ? "—" : `${fixed(scenario.cpuPerStreamMs, 2)} ms`} | ${scenario.failures} |`,
      );
    }
    lines.push("");
  }
  const many = Object.keys(results.loads).at(-1)!;
  const floor = results.loads[many]?.floor;
  if (floor) {
    lines.push(`## Ratios to the floor at ${many} clients`, "", "| scenario | TTFT overhead p50 | p99 | CPU per stream |", "|---|---|---|---|");
    for (const name of APP_SCENARIOS) {
      const scenario = results.loads[many]?.[name];
      if (!scenario) continue;
      lines.push(
        `| ${NAMES[name]} | ${timesFloor(scenario.overhead.ttftP50, floor.overhead.ttftP50)} | ${timesFloor(scenario.overhead.ttftP99, floor.overhead.ttftP99)} | ${timesFloor(scenario.cpuPerStreamMs!, floor.cpuPerStreamMs!)} |`,
      );
    }
    lines.push("");
  }
  lines.push(
    "## Firestore per web turn",
    "",
    `Round trips waited for before the provider is called: web ${results.firestore.roundTrips.web}, /v1 continuing ${results.firestore.roundTrips.apiContinuing}, /v1 new session ${results.firestore.roundTrips.apiNew}.`,
    "",
    "| turn of one session | read calls | documents read | write calls | documents written | bytes written | of which the condensed context |",
    "|---|---|---|---|---|---|---|",
    ...results.firestore.perTurn.map(
      (turn) =>
        `| ${turn.turn} | ${turn.readCalls} | ${turn.documentsRead} | ${turn.writeCalls} | ${turn.documentsWritten} | ${turn.bytesWritten} | ${turn.contextBytes} |`,
    ),
    "",
    "## Memory, gallery, JavaScript",
    "",
    `- App resident memory: ${fixed(results.memory.idleMiB, 0)} MiB idle, ${fixed(results.memory.peakMiB, 0)} MiB at peak with ${results.memory.openStreams} streams open (${fixed(results.memory.growthPerStreamKiB, 0)} KiB each), ${fixed(results.memory.afterMiB, 0)} MiB after.`,
    `- Gallery with ${results.gallery.bots} showcased assistants, page served over HTTP, p50: first page ${fixed(results.gallery.firstPageP50)} ms, a later page ${fixed(results.gallery.laterPageP50)} ms, search \`?q=tut\` ${fixed(results.gallery.searchP50)} ms.`,
    `- JavaScript on first visit, gzipped: chat page ${fixed(results.javascript.chatPageKiB)} KiB, home page ${fixed(results.javascript.homePageKiB)} KiB.`,
    "",
  );
  if (misses.length) {
    lines.push("## Misses", "", ...misses.map((miss) => `- ${miss.figure}: ${miss.value} (target ${miss.target}).`), "");
  }
  if (notes) lines.push(notes.trim(), "");
  return lines.join("\n");
}
