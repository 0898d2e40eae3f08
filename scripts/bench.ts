// `npm run bench`: performance targets, measured on a fresh emulator.
//   - the gallery with 10,000 showcased bots: first page, a later page, newest, search;
//   - the chat pipeline's own overhead: time to the first streamed token from the fake provider.
// Prints median and p95 for each and exits 1 when a target is missed.
// BENCH_BOTS overrides the number of bots.
import { randomUUID } from "node:crypto";
import { startFakeProvider } from "../tests/fakes/openai-server.ts";
import { startEmulator } from "./emulator.ts";

const BOTS = Number(process.env.BENCH_BOTS ?? 10_000);
const RUNS = 25;

const emulator = await startEmulator({ port: 0 });
const fake = await startFakeProvider({ chunkDelayMs: 0 });
Object.assign(process.env, {
  FIRESTORE_EMULATOR_HOST: emulator.host,
  GOOGLE_CLOUD_PROJECT: `demo-bench-${randomUUID().slice(0, 8)}`,
  OPENAI_BASE_URL: fake.url,
  SESSION_SECRETS: "bench-session-secret-0123456789abcdef0123",
  USER_HASH_SECRET: "bench-user-hash-secret-0123456789abcdef0123",
  ENCRYPTION_SECRET: "bench-encryption-secret-0123456789abcdef0123",
});

const { createShowcaseBots, listShowcasedBots } = await import("~/models/bots.server");
const { assistantInput } = await import("../tests/setup/assistant-input.ts");
const { runTurn } = await import("~/chat/turn.server");
const { webReply } = await import("~/chat/web-reply.server");
const { providerStream } = await import("~/provider/client.server");
const { readChatEvents } = await import("~/chat/events");

type Result = { name: string; median: number; p95: number; target: number };
const results: Result[] = [];

async function measure(name: string, target: number, work: () => Promise<unknown>) {
  await work(); // warm up
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  results.push({
    name,
    median: times[Math.floor(times.length / 2)]!,
    p95: times[Math.floor(times.length * 0.95)]!,
    target,
  });
}

try {
  const words = ["tutor", "coach", "planner", "reviewer", "writer", "partner", "guide", "helper"];
  const seeds = Array.from({ length: BOTS }, (_, index) => ({
    id: `bench-${index}`,
    input: assistantInput({
      name: `${words[index % words.length]} ${index}`,
      tag_line: `A ${words[(index * 3) % words.length]} for topic ${index % 97}`,
      description: `Benchmark assistant number ${index}.`,
    }),
  }));
  const seeding = performance.now();
  for (let start = 0; start < seeds.length; start += 100) await createShowcaseBots(seeds.slice(start, start + 100));
  console.log(`Seeded ${BOTS} showcased bots in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

  const fifthPageCursor = await (async () => {
    let after: string | undefined;
    for (let page = 0; page < 4; page += 1)
      after = (await listShowcasedBots({ sort: "popular", after, limit: 12 })).nextCursor ?? undefined;
    return after;
  })();
  await measure("gallery: first page, most used", 300, () => listShowcasedBots({ sort: "popular", limit: 12 }));
  await measure("gallery: fifth page, most used", 300, () =>
    listShowcasedBots({ sort: "popular", after: fifthPageCursor, limit: 12 }),
  );
  await measure("gallery: first page, newest", 300, () => listShowcasedBots({ sort: "newest", limit: 12 }));
  await measure("gallery: search 'tut'", 300, () => listShowcasedBots({ sort: "popular", search: "tut", limit: 12 }));
  await measure("chat: time to first streamed token", 150, async () => {
    const response = webReply(new AbortController().signal, (signal) =>
      runTurn({
        request: {
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: "hello" }],
          max_tokens: 100,
          temperature: 1,
          top_p: 1,
          frequency_penalty: 0,
          presence_penalty: 0,
        },
        open: providerStream("sk-bench"),
        stallMs: 10_000,
        signal,
        costOf: () => null,
      }),
    );
    for await (const event of readChatEvents(response.body!)) if (event.type === "delta") break;
  });
} finally {
  await fake.close();
  await emulator.stop();
}

let missed = 0;
console.log(`\n${"benchmark".padEnd(40)} ${"median".padStart(9)} ${"p95".padStart(9)} ${"target".padStart(9)}`);
for (const result of results) {
  const ok = result.p95 <= result.target;
  if (!ok) missed += 1;
  console.log(
    `${result.name.padEnd(40)} ${`${result.median.toFixed(1)} ms`.padStart(9)} ${`${result.p95.toFixed(1)} ms`.padStart(9)} ${`${result.target} ms`.padStart(9)}  ${ok ? "ok" : "MISSED"}`,
  );
}
console.log(`\n${results.length - missed} met, ${missed} missed (p95 against target, ${RUNS} runs each, ${BOTS} bots)`);
process.exit(missed ? 1 : 0);
