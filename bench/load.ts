// Runs many clients at once and sums up what they saw, with the CPU time and memory of the
// processes that served them.
import type { StreamResult } from "./clients.ts";
import { cpuSeconds, residentBytes } from "./processes.ts";
import { median, percentile } from "./stats.ts";

export type Load = {
  clients: number;
  /** Turns each client makes, one after another. */
  turns: number;
  /** One turn of client `client`. */
  turn: (client: number, turn: number) => Promise<StreamResult>;
  /** Processes whose CPU time is counted (the app, or the floor proxy). */
  cpuOf?: number[];
  /** A process whose resident memory is sampled while the load runs. */
  memoryOf?: number;
};

export type LoadResult = {
  streams: number;
  ttft: number[];
  end: number[];
  tokens: number;
  failures: string[];
  cpuSeconds: number;
  peakResidentBytes: number | null;
};

export async function runLoad(load: Load): Promise<LoadResult> {
  const cpuBefore = (load.cpuOf ?? []).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  let peak = load.memoryOf ? residentBytes(load.memoryOf) : 0;
  const sampler = load.memoryOf
    ? setInterval(() => (peak = Math.max(peak, residentBytes(load.memoryOf!))), 50)
    : undefined;
  const results: StreamResult[] = [];
  await Promise.all(
    Array.from({ length: load.clients }, async (_, client) => {
      for (let turn = 0; turn < load.turns; turn += 1) results.push(await load.turn(client, turn));
    }),
  );
  clearInterval(sampler);
  const cpuAfter = (load.cpuOf ?? []).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const answered = results.filter((result) => result.failure === null);
  return {
    streams: results.length,
    ttft: answered.map((result) => result.ttftMs),
    end: answered.map((result) => result.endMs),
    tokens: results.reduce((sum, result) => sum + result.tokens, 0),
    failures: results.flatMap((result) => (result.failure ? [result.failure] : [])),
    cpuSeconds: cpuAfter - cpuBefore,
    peakResidentBytes: load.memoryOf ? peak : null,
  };
}

/** A scenario's figures against the direct provider's at the same load. */
export type Overheads = { ttftP50: number; ttftP99: number; endP50: number };

export function overheadsOver(result: LoadResult, direct: LoadResult): Overheads {
  const baseTtft = median(direct.ttft);
  const baseEnd = median(direct.end);
  return {
    ttftP50: median(result.ttft) - baseTtft,
    ttftP99: percentile(result.ttft, 99) - baseTtft,
    endP50: median(result.end) - baseEnd,
  };
}
