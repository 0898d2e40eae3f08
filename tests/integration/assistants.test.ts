import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { describe, expect, test } from "vitest";
import { createBot, getOpenableBot, listOwnBots, promptsFor, updateBot } from "~/models/bots.server";
import { action as statusAction } from "~/routes/assistants.$botId.status";
import { action as editAction, loader as editLoader } from "~/routes/assistants.$botId.edit";
import { loader as botLoader } from "~/routes/assistants.$botId._index";
import { action as newAction, loader as newLoader } from "~/routes/assistants.new";
import { DEFAULT_SUMMARY_PROMPT } from "~/schemas/assistant";
import { db } from "~/utils/db.server";
import { assistantInput } from "../setup/assistant-input";
import { run, signedInPerson, type Person } from "../setup/people";

const validFields = {
  name: "Math Tutor",
  tag_line: "Patient explanations",
  description: "Explains maths one step at a time.",
  instructions: "You are a patient maths tutor.",
  summary_prompt: "",
  session_type: "3",
  model: "gpt-4o-mini",
  max_tokens: "800",
  temperature: "0.7",
  top_p: "1",
  frequency_penalty: "0.2",
  presence_penalty: "0.3",
  "starter_prompts[0]": "Explain fractions",
  "starter_prompts[1]": "",
};

async function create(person: Person, fields: Record<string, string> = validFields): Promise<string> {
  const outcome = await run(() =>
    newAction({ request: person.form("/assistants/new", fields), params: {}, context: {} }),
  );
  expect(outcome.status).toBe(302);
  const match = /^\/assistants\/([\w-]+)\?created=1$/.exec(outcome.headers.get("Location") ?? "");
  expect(match).not.toBeNull();
  return match![1]!;
}

async function botCount(userId: string) {
  return (await db().collection("bots").where("creator_user_id", "==", userId).get()).size;
}

describe("creating an assistant", () => {
  test("writes the bot, its prompts and model config as the seed data model, and counts it", async () => {
    const person = await signedInPerson();
    const botId = await create(person);

    const bot = (await db().collection("bots").doc(botId).get()).data()!;
    expect(Object.keys(bot).sort()).toEqual(
      [
        "active_initial_prompt_id",
        "active_model_config_id",
        "active_summary_prompt_id",
        "created_date",
        "creator_user_id",
        "description",
        "instructions_visible",
        "is_active",
        "last_modified_date",
        "name",
        "search_terms",
        "session_type",
        "sessions_ended",
        "sessions_started",
        "showcased",
        "starter_prompts",
        "tag_line",
      ].sort(),
    );
    expect(bot).toMatchObject({
      name: "Math Tutor",
      tag_line: "Patient explanations",
      description: "Explains maths one step at a time.",
      session_type: 3,
      creator_user_id: person.userId,
      showcased: false,
      is_active: true,
      sessions_started: 0,
      sessions_ended: 0,
      starter_prompts: ["Explain fractions"],
    });
    expect(bot.created_date).toBeInstanceOf(Timestamp);
    expect(bot.last_modified_date).toBeInstanceOf(Timestamp);
    expect(bot.search_terms).toEqual(expect.arrayContaining(["math", "tut", "tutor", "patient"]));

    const botRef = db().collection("bots").doc(botId);
    const initial = (await botRef.collection("prompts").doc(bot.active_initial_prompt_id).get()).data()!;
    expect(Object.keys(initial).sort()).toEqual(
      ["created_date", "is_active", "message", "message_type", "sessions_ended", "sessions_started"].sort(),
    );
    expect(initial).toMatchObject({
      message_type: "initial_prompt",
      message: "You are a patient maths tutor.",
      is_active: true,
      sessions_started: 0,
      sessions_ended: 0,
    });
    const summary = (await botRef.collection("prompts").doc(bot.active_summary_prompt_id).get()).data()!;
    expect(summary).toMatchObject({ message_type: "summary_prompt", message: DEFAULT_SUMMARY_PROMPT, is_active: true });

    const config = (await botRef.collection("model_configs").doc(bot.active_model_config_id).get()).data()!;
    expect(Object.keys(config).sort()).toEqual(["config", "created_date", "is_active"]);
    expect(config.config).toEqual({
      model: "gpt-4o-mini",
      max_tokens: 800,
      temperature: 0.7,
      top_p: 1,
      frequency_penalty: 0.2,
      presence_penalty: 0.3,
    });
    expect(config.is_active).toBe(true);

    const user = (await db().collection("users").doc(person.userId).get()).data()!;
    expect(user.bots_created).toBe(1);
  });

  test.each([
    ["an over-long name", { name: "x".repeat(41) }, "name", /40 characters or fewer/],
    ["an over-long tag line", { tag_line: "x".repeat(61) }, "tag_line", /60 characters or fewer/],
    ["an over-long description", { description: "x".repeat(301) }, "description", /300 characters or fewer/],
    ["over-long instructions", { instructions: "x".repeat(4001) }, "instructions", /4,000 characters or fewer/],
    ["temperature 5", { temperature: "5" }, "temperature", /between 0 and 2/],
    ["top p 1.5", { top_p: "1.5" }, "top_p", /between 0 and 1/],
    ["a penalty of -3", { presence_penalty: "-3" }, "presence_penalty", /between -2 and 2/],
    ["a model the key cannot use", { model: "gpt-5-ultra" }, "model", /cannot use this model/],
    ["a missing name", { name: "" }, "name", /Enter a name/],
  ])(
    "%s returns the form with the input kept, a message at the field, and writes nothing",
    async (_, change, field, message) => {
      const person = await signedInPerson();
      const fields = { ...validFields, ...change };
      const outcome = await run(() =>
        newAction({ request: person.form("/assistants/new", fields), params: {}, context: {} }),
      );
      expect(outcome.status).toBe(400);
      const reply = outcome.data as { initialValue: Record<string, unknown>; error: Record<string, string[]> };
      expect(reply.error[field]?.join(" ")).toMatch(message);
      // Conform leaves empty fields out of what it sends back.
      expect(reply.initialValue.name ?? "").toBe(fields.name);
      expect(reply.initialValue.instructions).toBe(fields.instructions);
      expect(reply.initialValue.temperature).toBe(fields.temperature);
      expect(await botCount(person.userId)).toBe(0);
      expect((await db().collection("users").doc(person.userId).get()).get("bots_created")).toBe(0);
    },
  );

  test("the lab offers only the models the person's key can use", async () => {
    const person = await signedInPerson(["gpt-4o-mini", "llama3.1"]);
    const outcome = await run(() => newLoader({ request: person.request("/assistants/new"), params: {}, context: {} }));
    expect((outcome.data as { models: string[] }).models).toEqual(["gpt-4o-mini", "llama3.1"]);
  });

  test("signed out, the lab sends the person to sign in", async () => {
    const outcome = await run(() =>
      newLoader({ request: new Request("http://localhost/assistants/new"), params: {}, context: {} }),
    );
    expect(outcome.status).toBe(302);
    expect(outcome.headers.get("Location")).toBe("/?redirectTo=%2Fassistants%2Fnew");
  });
});

describe("sharing and duplicating", () => {
  test("anyone signed in opens an unlisted assistant by its link, and can duplicate it", async () => {
    const owner = await signedInPerson();
    const botId = await create(owner);
    const other = await signedInPerson();

    const page = await run(() =>
      botLoader({ request: other.request(`/assistants/${botId}`), params: { botId }, context: {} }),
    );
    expect(page.status).toBe(200);
    expect(page.data).toMatchObject({ bot: { id: botId, name: "Math Tutor" }, isCreator: false });

    const lab = await run(() =>
      newLoader({ request: other.request(`/assistants/new?from=${botId}`), params: {}, context: {} }),
    );
    // Named as a copy; its instructions stay with their creator, who did not show them.
    expect(lab.data).toMatchObject({
      duplicateOf: "Math Tutor",
      promptsHidden: true,
      defaultValue: { name: "Math Tutor (copy)", instructions: "", temperature: "0.7" },
    });
  });

  test("an unknown id is a 404", async () => {
    const person = await signedInPerson();
    const outcome = await run(() =>
      botLoader({ request: person.request("/assistants/nope"), params: { botId: "nope" }, context: {} }),
    );
    expect(outcome.status).toBe(404);
  });
});

describe("editing with versions", () => {
  test("changing the instructions adds version 2, keeps version 1 inactive, and moves the pointer", async () => {
    const owner = await signedInPerson();
    const botId = await create(owner);
    const before = await getOpenableBot(botId);

    const outcome = await run(() =>
      editAction({
        request: owner.form(`/assistants/${botId}/edit`, {
          ...validFields,
          instructions: "You are a strict maths tutor.",
        }),
        params: { botId },
        context: {},
      }),
    );
    expect(outcome.status).toBe(302);

    const after = (await getOpenableBot(botId))!;
    expect(after.instructions.message).toBe("You are a strict maths tutor.");
    expect(after.active_initial_prompt_id).not.toBe(before!.active_initial_prompt_id);
    // Only what changed gets a new version.
    expect(after.active_model_config_id).toBe(before!.active_model_config_id);
    expect(after.active_summary_prompt_id).toBe(before!.active_summary_prompt_id);

    const page = await run(() =>
      editLoader({ request: owner.request(`/assistants/${botId}/edit`), params: { botId }, context: {} }),
    );
    const versions = (page.data as { versions: { instructions: { number: number; active: boolean; text: string }[] } })
      .versions;
    expect(versions.instructions).toMatchObject([
      { number: 2, active: true, text: "You are a strict maths tutor." },
      { number: 1, active: false, text: "You are a patient maths tutor." },
    ]);
  });

  test("changing a sampling setting adds a model config version; an older one can be made active again", async () => {
    const owner = await signedInPerson();
    const botId = await create(owner);
    const firstConfigId = (await getOpenableBot(botId))!.active_model_config_id;
    await run(() =>
      editAction({
        request: owner.form(`/assistants/${botId}/edit`, { ...validFields, temperature: "1.2" }),
        params: { botId },
        context: {},
      }),
    );
    expect((await getOpenableBot(botId))!.modelConfig.config.temperature).toBe(1.2);

    const outcome = await run(() =>
      editAction({
        request: owner.form(`/assistants/${botId}/edit`, {
          intent: "activate",
          kind: "model_config",
          versionId: firstConfigId,
        }),
        params: { botId },
        context: {},
      }),
    );
    expect(outcome.status).toBe(302);
    const restored = (await getOpenableBot(botId))!;
    expect(restored.active_model_config_id).toBe(firstConfigId);
    expect(restored.modelConfig.config.temperature).toBe(0.7);
    const configs = await db().collection("bots").doc(botId).collection("model_configs").get();
    expect(configs.docs.filter((doc) => doc.get("is_active")).map((doc) => doc.id)).toEqual([firstConfigId]);
  });

  test("profile changes update the bot in place without new versions", async () => {
    const owner = await signedInPerson();
    const botId = await create(owner);
    await run(() =>
      editAction({
        request: owner.form(`/assistants/${botId}/edit`, { ...validFields, name: "Algebra Tutor" }),
        params: { botId },
        context: {},
      }),
    );
    const bot = (await getOpenableBot(botId))!;
    expect(bot.name).toBe("Algebra Tutor");
    const prompts = await db().collection("bots").doc(botId).collection("prompts").get();
    expect(prompts.size).toBe(2);
  });
});

describe("only the creator may change an assistant", () => {
  test("another person gets 404 from the edit page, the edit action, version activation and deactivation", async () => {
    const owner = await signedInPerson();
    const botId = await create(owner);
    const before = await getOpenableBot(botId);
    const other = await signedInPerson();

    const page = await run(() =>
      editLoader({ request: other.request(`/assistants/${botId}/edit`), params: { botId }, context: {} }),
    );
    expect(page.status).toBe(404);
    const edit = await run(() =>
      editAction({
        request: other.form(`/assistants/${botId}/edit`, { ...validFields, name: "Hijacked" }),
        params: { botId },
        context: {},
      }),
    );
    expect(edit.status).toBe(404);
    const activate = await run(() =>
      editAction({
        request: other.form(`/assistants/${botId}/edit`, {
          intent: "activate",
          kind: "instructions",
          versionId: before!.active_initial_prompt_id,
        }),
        params: { botId },
        context: {},
      }),
    );
    expect(activate.status).toBe(404);
    const deactivate = await run(() =>
      statusAction({
        request: other.form(`/assistants/${botId}/status`, { intent: "deactivate" }),
        params: { botId },
        context: {},
      }),
    );
    expect(deactivate.status).toBe(404);
    const showcase = await run(() =>
      statusAction({
        request: other.form(`/assistants/${botId}/status`, { intent: "showcase" }),
        params: { botId },
        context: {},
      }),
    );
    expect(showcase.status).toBe(404);

    const after = (await getOpenableBot(botId))!;
    expect(after).toMatchObject({ name: "Math Tutor", is_active: true, showcased: false });
    expect(after.last_modified_date.isEqual(before!.last_modified_date)).toBe(true);
  });
});

describe("deactivating", () => {
  test("hides the assistant and makes its link 404 until the creator reactivates it", async () => {
    const owner = await signedInPerson();
    const botId = await create(owner);
    const other = await signedInPerson();

    const off = await run(() =>
      statusAction({
        request: owner.form(`/assistants/${botId}/status`, { intent: "deactivate" }),
        params: { botId },
        context: {},
      }),
    );
    expect(off.headers.get("Location")).toBe("/assistants?tab=mine");
    for (const person of [owner, other]) {
      const page = await run(() =>
        botLoader({ request: person.request(`/assistants/${botId}`), params: { botId }, context: {} }),
      );
      expect(page.status).toBe(404);
    }
    expect((await listOwnBots(owner.caller)).map((bot) => [bot.id, bot.is_active])).toEqual([[botId, false]]);

    await run(() =>
      statusAction({
        request: owner.form(`/assistants/${botId}/status`, { intent: "reactivate" }),
        params: { botId },
        context: {},
      }),
    );
    const page = await run(() =>
      botLoader({ request: other.request(`/assistants/${botId}`), params: { botId }, context: {} }),
    );
    expect(page.status).toBe(200);
  });
});

describe("reasoning models in the lab", () => {
  const sampling = ["temperature", "top_p", "frequency_penalty", "presence_penalty"];
  const withoutSampling = Object.fromEntries(Object.entries(validFields).filter(([name]) => !sampling.includes(name)));
  const reasoningFields = { ...withoutSampling, model: "gpt-5-mini", max_tokens: "2000", reasoning_effort: "minimal" };

  async function activeConfig(botId: string) {
    return (await getOpenableBot(botId))!.modelConfig;
  }

  test("an assistant on a reasoning model needs no sampling settings and keeps its reasoning effort", async () => {
    const person = await signedInPerson();
    const botId = await create(person, reasoningFields);
    expect((await activeConfig(botId)).config).toEqual({
      model: "gpt-5-mini",
      max_tokens: 2000,
      temperature: 1,
      top_p: 1,
      frequency_penalty: 0,
      presence_penalty: 0,
      reasoning_effort: "minimal",
    });
    const page = await run(() =>
      botLoader({ request: person.request(`/assistants/${botId}`), params: { botId }, context: {} }),
    );
    expect(page.data).toMatchObject({
      model: "gpt-5-mini",
      settings: "max 2,000 completion tokens · reasoning effort minimal",
      modelNotes: [],
    });
  });

  test("sampling settings posted for a reasoning model are not stored", async () => {
    const person = await signedInPerson();
    const botId = await create(person, { ...reasoningFields, temperature: "0.2", top_p: "0.5" });
    expect((await activeConfig(botId)).config).toMatchObject({ temperature: 1, top_p: 1 });
  });

  test.each([
    [
      "a reasoning effort the model does not take",
      { model: "o3" },
      /o3 takes a reasoning effort of low, medium or high\./,
    ],
    ["a reasoning effort nobody takes", { reasoning_effort: "extreme" }, /Choose a reasoning effort from the list\./],
  ])("%s returns the form with a message at the field, and writes nothing", async (_, change, message) => {
    const person = await signedInPerson();
    const outcome = await run(() =>
      newAction({
        request: person.form("/assistants/new", { ...reasoningFields, ...change }),
        params: {},
        context: {},
      }),
    );
    expect(outcome.status).toBe(400);
    expect((outcome.data as { error: Record<string, string[]> }).error.reasoning_effort?.join(" ")).toMatch(message);
    expect(await botCount(person.userId)).toBe(0);
  });

  test("a standard model still needs its sampling settings", async () => {
    const person = await signedInPerson();
    const outcome = await run(() =>
      newAction({ request: person.form("/assistants/new", withoutSampling), params: {}, context: {} }),
    );
    expect(outcome.status).toBe(400);
    expect((outcome.data as { error: Record<string, string[]> }).error.temperature).toEqual([
      "Enter a number for Temperature.",
    ]);
  });

  test("changing only the reasoning effort, or back to the model's default, adds a model config version", async () => {
    const owner = await signedInPerson();
    const botId = await create(owner, reasoningFields);
    const edit = (fields: Record<string, string>) =>
      run(() =>
        editAction({ request: owner.form(`/assistants/${botId}/edit`, fields), params: { botId }, context: {} }),
      );
    const first = (await activeConfig(botId)).id;

    await edit({ ...reasoningFields, reasoning_effort: "high" });
    const second = await activeConfig(botId);
    expect(second.id).not.toBe(first);
    expect(second.config.reasoning_effort).toBe("high");

    await edit({ ...reasoningFields, reasoning_effort: "" });
    const third = await activeConfig(botId);
    expect(third.id).not.toBe(second.id);
    expect(third.config).not.toHaveProperty("reasoning_effort");

    await edit({ ...reasoningFields, reasoning_effort: "" });
    expect((await activeConfig(botId)).id).toBe(third.id);

    const page = await run(() =>
      editLoader({ request: owner.request(`/assistants/${botId}/edit`), params: { botId }, context: {} }),
    );
    const data = page.data as {
      defaultValue: { reasoning_effort: string };
      versions: { model_config: { text: string }[] };
    };
    expect(data.defaultValue.reasoning_effort).toBe("");
    expect(data.versions.model_config.map((version) => version.text)).toEqual([
      "gpt-5-mini · max 2,000 completion tokens · default reasoning effort",
      "gpt-5-mini · max 2,000 completion tokens · reasoning effort high",
      "gpt-5-mini · max 2,000 completion tokens · reasoning effort minimal",
    ]);
  });

  test("an older config, saved without a reasoning effort, opens in the lab with the model's default", async () => {
    const owner = await signedInPerson();
    const botId = await create(owner);
    expect((await activeConfig(botId)).config).not.toHaveProperty("reasoning_effort");
    const page = await run(() =>
      editLoader({ request: owner.request(`/assistants/${botId}/edit`), params: { botId }, context: {} }),
    );
    expect(page.data).toMatchObject({
      defaultValue: { model: "gpt-4o-mini", reasoning_effort: "", temperature: "0.7" },
    });
  });
});

describe("who may read an assistant's instructions", () => {
  test("its creator always; others only when shown; a bot without the field (GPT Lab's) keeps them private", async () => {
    const [creator, other] = await Promise.all([signedInPerson(), signedInPerson()]);
    const botId = await createBot(creator.caller, assistantInput({ instructions: "Keep it secret." }));
    const bot = (await getOpenableBot(botId))!;
    expect(bot.instructions_visible).toBe(false);
    expect(promptsFor(creator.caller, bot)?.instructions).toBe("Keep it secret.");
    expect(promptsFor(other.caller, bot)).toBeNull();

    await updateBot(
      creator.caller,
      botId,
      assistantInput({ instructions: "Keep it secret.", instructions_visible: "on" }),
    );
    expect(promptsFor(other.caller, (await getOpenableBot(botId))!)?.instructions).toBe("Keep it secret.");

    // A bot as GPT Lab writes it has no instructions_visible at all.
    await db().collection("bots").doc(botId).update({ instructions_visible: FieldValue.delete() });
    const legacy = (await getOpenableBot(botId))!;
    expect(promptsFor(other.caller, legacy)).toBeNull();
  });
});
