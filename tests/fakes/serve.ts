// Runs the fake provider on its own: `node tests/fakes/serve.ts [--port 4010]`, and for the benchmark
// `--first-token-ms 200 --chunk-ms 20 --words 100` (a real model's pace; see bench/).
import { parseArgs } from "node:util";
import { startFakeProvider } from "./openai-server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4010" },
    "first-token-ms": { type: "string" },
    "chunk-ms": { type: "string" },
    words: { type: "string" },
  },
});
const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const fake = await startFakeProvider({
  port: Number(values.port),
  firstTokenDelayMs: number(values["first-token-ms"]),
  chunkDelayMs: number(values["chunk-ms"]),
  replyWords: number(values.words),
});
console.log(`Fake OpenAI-compatible provider on ${fake.url}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void fake.close().then(() => process.exit(0)));
}
