// `npm run showcase -- <bot id> [--off]`: puts a bot in the showcased gallery,
// or takes it out. Curating is an operator's job.
import { parseArgs } from "node:util";
import { setShowcased } from "~/models/bots.server";
import { prepareLocalStore } from "./local-store.ts";

const { values, positionals } = parseArgs({
  options: { off: { type: "boolean", default: false } },
  allowPositionals: true,
});
const [botId] = positionals;
if (!botId) {
  console.error("Usage: npm run showcase -- <bot id> [--off]");
  process.exit(2);
}

const store = await prepareLocalStore();
try {
  if (!(await setShowcased(botId, !values.off))) {
    console.error(`No bot with id ${botId}.`);
    process.exitCode = 1;
  } else {
    console.log(`${botId} is ${values.off ? "no longer" : "now"} showcased.`);
  }
} finally {
  await store.stop();
}
