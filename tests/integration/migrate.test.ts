import { randomUUID } from "node:crypto";
import { describe, expect, test, vi } from "vitest";
import { getOpenableBot, listShowcasedBots, listVersions } from "~/models/bots.server";
import { migrate } from "~/models/migrations.server";
import { db } from "~/utils/db.server";
import { gptLabTime, migrationStepsFor, writeGptLabBot } from "../setup/gpt-lab";

// `npm run migrate` on documents written exactly as GPT Lab writes them (its
// data model in the seed README: microsecond timestamps, int session types,
// float temperatures, no counters on a bot never used, no search terms) and
// as this product's first release wrote its prompts ("initial"/"summary").

/** A GPT Lab assistant nobody has used yet, its prompts typed by `promptType`. */
async function gptLabBot(word: string, promptType: (kind: "initial" | "summary") => string) {
  const bot = await writeGptLabBot({
    name: `${word} Socratic Tutor`,
    tagLine: "Asks before it tells",
    description: "A GPT Lab assistant nobody has used yet.",
    sessionType: 2,
    creatorUserId: "gpt-lab-creator",
    model: "gpt-4o-mini",
    instructions: "You are a Socratic tutor.",
    summaryPrompt: "Summarize the conversation.",
    showcased: true,
    promptType,
  });
  return db().collection("bots").doc(bot.id);
}

/** The real steps, limited to the documents under `botId` (other tests share the database). */
const onlyUnder = (botId: string) => migrationStepsFor([botId]);

describe("npm run migrate", () => {
  test("a GPT Lab bot: a dry run changes nothing, a run adds what this product reads, a second run changes nothing", async () => {
    const word = `mg${randomUUID().slice(0, 8)}`;
    const botRef = await gptLabBot(word, (kind) => `${kind}_prompt`);
    const steps = onlyUnder(botRef.id);

    const dry = await migrate({ dryRun: true, steps });
    expect(dry.map((step) => [step.name, step.changed])).toEqual([
      ["prompt-types", 0],
      ["prompt-counters", 2],
      ["bot-fields", 1],
    ]);
    expect((await botRef.get()).get("search_terms")).toBeUndefined();

    const run = await migrate({ steps });
    expect(run.map((step) => step.changed)).toEqual([0, 2, 1]);
    const bot = (await botRef.get()).data()!;
    expect(bot).toMatchObject({
      sessions_started: 0,
      sessions_ended: 0,
      starter_prompts: [],
      instructions_visible: false,
    });
    expect(bot.search_terms).toEqual(expect.arrayContaining(["socratic", "soc", "tutor", "asks"]));
    // GPT Lab's own fields keep their names, types and values (a Python datetime keeps microseconds).
    expect(bot).toMatchObject({
      session_type: 2,
      created_date: gptLabTime(1_683_100_000),
      showcased: true,
    });

    expect((await migrate({ steps })).map((step) => step.changed)).toEqual([0, 0, 0]);
    // The assistant opens with its GPT Lab settings, and is in the gallery and its search.
    expect(await getOpenableBot(botRef.id)).toMatchObject({
      instructions: { message: "You are a Socratic tutor.", message_type: "initial_prompt" },
      modelConfig: { config: { model: "gpt-4o-mini", temperature: 0.7 } },
    });
    await vi.waitFor(async () =>
      expect(
        (await listShowcasedBots({ sort: "popular", search: `${word} tut`, limit: 5 })).bots.map((b) => b.id),
      ).toEqual([botRef.id]),
    );
  });

  test("prompts this product's first release wrote as initial/summary get GPT Lab's names, and show in the version history", async () => {
    const word = `mg${randomUUID().slice(0, 8)}`;
    const botRef = await gptLabBot(word, (kind) => kind);
    expect((await listVersions(botRef.id)).instructions).toEqual([]);
    const run = await migrate({ steps: onlyUnder(botRef.id) });
    expect(run.find((step) => step.name === "prompt-types")!.changed).toBe(2);
    const versions = await listVersions(botRef.id);
    expect(versions.instructions.map((version) => version.message)).toEqual(["You are a Socratic tutor."]);
    expect(versions.summary.map((version) => version.message_type)).toEqual(["summary_prompt"]);
  });
});
