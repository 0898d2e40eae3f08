import { randomUUID } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, test, vi } from "vitest";
import { getOpenableBot, listShowcasedBots, listVersions } from "~/models/bots.server";
import { migrate, MIGRATION_STEPS, type MigrationStep } from "~/models/migrations.server";
import { db } from "~/utils/db.server";

// `npm run migrate` on documents written exactly as GPT Lab writes them (its
// data model in the seed README: microsecond timestamps, int session types,
// float temperatures, no counters on a bot never used, no search terms) and
// as this product's first release wrote its prompts ("initial"/"summary").

/** A GPT Lab bot with its two prompts and model config, as GPT Lab's code writes them. */
async function gptLabBot(word: string, promptType: (kind: "initial" | "summary") => string) {
  const botRef = db().collection("bots").doc(`${word}-bot`);
  const created = new Timestamp(1_683_000_000, 123_456_000);
  await Promise.all([
    botRef
      .collection("prompts")
      .doc("p-initial")
      .set({
        message_type: promptType("initial"),
        message: "You are a Socratic tutor.",
        created_date: created,
        is_active: true,
      }),
    botRef
      .collection("prompts")
      .doc("p-summary")
      .set({
        message_type: promptType("summary"),
        message: "Summarize the conversation.",
        created_date: created,
        is_active: true,
      }),
    botRef
      .collection("model_configs")
      .doc("m1")
      .set({
        config: {
          model: "gpt-4o-mini",
          max_tokens: 250,
          temperature: 0.7,
          top_p: 1.0,
          frequency_penalty: 0.0,
          presence_penalty: 0.0,
        },
        created_date: created,
        is_active: true,
      }),
  ]);
  await botRef.set({
    name: `${word} Socratic Tutor`,
    tag_line: "Asks before it tells",
    description: "A GPT Lab assistant nobody has used yet.",
    session_type: 2,
    creator_user_id: "gpt-lab-creator",
    created_date: created,
    last_modified_date: created,
    active_initial_prompt_id: "p-initial",
    active_model_config_id: "m1",
    active_summary_prompt_id: "p-summary",
    showcased: true,
    is_active: true,
  });
  return botRef;
}

/** The real steps, limited to the documents under `botId` (other tests share the database). */
function onlyUnder(botId: string): MigrationStep[] {
  return MIGRATION_STEPS.map((step) => ({
    ...step,
    change: (doc) => (doc.ref.path.startsWith(`bots/${botId}`) ? step.change(doc) : null),
  }));
}

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
      created_date: new Timestamp(1_683_000_000, 123_456_000),
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
