// Seeds showcased assistants for the gallery's figures, run as its own process by bench/run.ts
// (`tsx bench/seed-gallery.ts COUNT`) on the run's emulator and project.
import { assistantInput } from "../tests/setup/assistant-input.ts";

const count = Number(process.argv[2] ?? 10_000);
const { createShowcaseBots } = await import("~/models/bots.server");

const words = ["tutor", "coach", "planner", "reviewer", "writer", "partner", "guide", "helper"];
const seeds = Array.from({ length: count }, (_, index) => ({
  id: `bench-${index}`,
  input: assistantInput({
    name: `${words[index % words.length]} ${index}`,
    tag_line: `A ${words[(index * 3) % words.length]} for topic ${index % 97}`,
    description: `Benchmark assistant number ${index}.`,
  }),
}));
const started = performance.now();
for (let start = 0; start < seeds.length; start += 100) await createShowcaseBots(seeds.slice(start, start + 100));
console.log(`SEEDED ${count} in ${Math.round(performance.now() - started)} ms`);
process.exit(0);
