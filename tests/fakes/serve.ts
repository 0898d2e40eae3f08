// Runs the fake provider on its own: `node tests/fakes/serve.ts [--port 4010]`.
import { parseArgs } from "node:util";
import { startFakeProvider } from "./openai-server.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "4010" } } });
const fake = await startFakeProvider({ port: Number(values.port) });
console.log(`Fake OpenAI-compatible provider on ${fake.url}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void fake.close().then(() => process.exit(0)));
}
