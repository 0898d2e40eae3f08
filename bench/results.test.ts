import { describe, expect, test } from "vitest";
import { renderReport } from "./report";
import { judge, type Results, type Scenario } from "./results";

function scenario(overrides: Partial<Scenario> = {}): Scenario {
  return {
    streams: 100,
    ttftP50: 220,
    ttftP99: 240,
    endP50: 2_300,
    overhead: { ttftP50: 10, ttftP99: 20, endP50: 12 },
    tokensDelivered: 10_000,
    tokensSent: 10_000,
    failures: 0,
    cpuPerStreamMs: 5,
    ...overrides,
  };
}

function results(overrides: Partial<Results> = {}): Results {
  return {
    date: "2026-11-24T00:00:00.000Z",
    mode: "full",
    machine: { cpu: "Test CPU", cores: 2, memoryGiB: 24, node: "24.21.0" },
    provider: { firstTokenMs: 200, chunkMs: 20, words: 100 },
    loads: {
      "1": { direct: scenario(), floor: scenario({ overhead: { ttftP50: 1, ttftP99: 2, endP50: 1 } }), web: scenario({ overhead: { ttftP50: 2, ttftP99: 3, endP50: 2 } }) },
      "100": { direct: scenario(), floor: scenario(), web: scenario({ overhead: { ttftP50: 15, ttftP99: 30, endP50: 20 }, cpuPerStreamMs: 9 }) },
    },
    memory: { idleMiB: 200, peakMiB: 210, growthPerStreamKiB: 100, afterMiB: 205, openStreams: 100 },
    firestore: {
      roundTrips: { web: 1, apiContinuing: 1, apiNew: 1 },
      perTurn: [1, 50, 200].map((turn) => ({ turn, readCalls: 2, documentsRead: 2, writeCalls: 3, documentsWritten: 6, bytesWritten: 2_000 + turn * 100, contextBytes: turn * 100 })),
    },
    gallery: { bots: 10_000, firstPageP50: 20, laterPageP50: 21, searchP50: 50 },
    javascript: { chatPageKiB: 140, homePageKiB: 100 },
    durationSeconds: 300,
    ...overrides,
  };
}

describe("the targets", () => {
  test("a run within every target passes them all", () => {
    const verdicts = judge(results(), "1", "100");
    expect(verdicts.filter((verdict) => !verdict.pass)).toEqual([]);
    expect(verdicts.length).toBeGreaterThan(12);
  });

  test("a figure over its target, or against the floor, is a miss named with its value", () => {
    const slow = results({
      loads: {
        ...results().loads,
        "100": { direct: scenario(), floor: scenario(), web: scenario({ overhead: { ttftP50: 21, ttftP99: 61, endP50: 20 }, cpuPerStreamMs: 11, failures: 1 }) },
      },
      javascript: { chatPageKiB: 200, homePageKiB: 100 },
    });
    const misses = judge(slow, "1", "100").filter((verdict) => !verdict.pass).map((verdict) => verdict.figure);
    expect(misses).toEqual([
      "TTFT overhead p50, 100 clients, web /api/chat",
      "TTFT overhead p99, 100 clients, web /api/chat",
      "app CPU per stream, 100 clients, web /api/chat",
      "JavaScript on the chat page, gzipped",
      "failed or lost turns, all scenarios",
    ]);
  });

  test("reads or writes that grow with the conversation miss, as do bytes beyond the context", () => {
    const growing = results();
    growing.firestore.perTurn[2] = { ...growing.firestore.perTurn[2]!, documentsRead: 3, bytesWritten: 9_000, contextBytes: 100 };
    const misses = judge(growing, "1", "100").filter((verdict) => !verdict.pass).map((verdict) => verdict.figure);
    expect(misses).toHaveLength(2);
  });
});

describe("the report", () => {
  test("names the machine, every figure and each miss", () => {
    const slow = results({ javascript: { chatPageKiB: 200, homePageKiB: 100 } });
    const report = renderReport(slow, judge(slow, "1", "100"));
    expect(report).toContain("Test CPU, 2 cores");
    expect(report).toContain("| JavaScript on the chat page, gzipped | 200.0 KiB | ≤ 150 KB | **miss** |");
    expect(report).toContain("## Misses");
    expect(report).toContain("## Ratios to the floor at 100 clients");
  });
});
