import seeds from "../../firebase/seed/showcase.json";
import { settingsRulesOf } from "~/provider/models.server";
import { assistantSchema } from "~/schemas/assistant";
import { createShowcaseBots, hasNoBots } from "./bots.server";

/**
 * Writes the showcased assistants of firebase/seed/showcase.json that are not
 * in the store yet. Idempotent: each has a fixed id. With `onlyIfEmpty`, does
 * nothing unless the store has no bots at all (what `npm start` wants).
 */
export async function seedShowcase(options: { onlyIfEmpty?: boolean } = {}): Promise<string[]> {
  if (options.onlyIfEmpty && !(await hasNoBots())) return [];
  const parsed = seeds.map((seed) => {
    const result = assistantSchema([seed.model], settingsRulesOf).safeParse(seed);
    if (!result.success) {
      throw new Error(
        `Seed ${seed.id} is invalid: ${result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
      );
    }
    return { id: seed.id, input: result.data };
  });
  return createShowcaseBots(parsed);
}
