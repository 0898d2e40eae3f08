import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, test } from "vitest";
import { MIGRATION_STEPS } from "~/models/migrations.server";
import { db } from "~/utils/db.server";
import { createTestBot, say, startSessionFor } from "../setup/chat";
import { signedInPerson } from "../setup/people";

// GPT Lab's data model, field by field and type by type, as its README
// (shared/seeds/001) lists it: what this product writes must keep every one
// of them, so GPT Lab's reading code still reads it. Additions are allowed;
// renames and changed types are not.

type Kind = "string" | "number" | "boolean" | "timestamp" | "map";

const SEED_MODEL: Record<string, Record<string, Kind>> = {
  users: {
    user_hash: "string",
    created_date: "timestamp",
    last_modified_date: "timestamp",
    sessions_started: "number",
    sessions_ended: "number",
    bots_created: "number",
  },
  user_hash: { user_hash_type: "string", created_date: "timestamp" },
  bots: {
    name: "string",
    tag_line: "string",
    description: "string",
    session_type: "number",
    creator_user_id: "string",
    created_date: "timestamp",
    last_modified_date: "timestamp",
    active_initial_prompt_id: "string",
    active_model_config_id: "string",
    active_summary_prompt_id: "string",
    showcased: "boolean",
    is_active: "boolean",
  },
  model_configs: { config: "map", created_date: "timestamp", is_active: "boolean" },
  prompts: {
    message_type: "string",
    message: "string",
    created_date: "timestamp",
    is_active: "boolean",
    sessions_started: "number",
    sessions_ended: "number",
  },
  sessions: {
    user_id: "string",
    bot_id: "string",
    bot_initial_prompt_msg: "string",
    bot_model_config: "map",
    bot_session_type: "number",
    bot_summary_prompt_msg: "string",
    created_date: "timestamp",
    session_schema_version: "number",
    status: "number",
    message_count: "number",
    messages_str: "string",
  },
  messages: { created_date: "timestamp", message: "string", role: "string" },
};

const CONFIG_FIELDS = ["model", "max_tokens", "temperature", "top_p", "frequency_penalty", "presence_penalty"];

function kindOf(value: unknown): Kind | "other" {
  if (value instanceof Timestamp) return "timestamp";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return typeof value as Kind;
  return value && typeof value === "object" && !Array.isArray(value) ? "map" : "other";
}

function expectSeedShape(collection: string, data: Record<string, unknown>) {
  const shape = Object.fromEntries(Object.keys(SEED_MODEL[collection]!).map((field) => [field, kindOf(data[field])]));
  expect(shape, collection).toEqual(SEED_MODEL[collection]);
}

describe("the documents this product writes keep GPT Lab's data model", () => {
  test("users, user hashes, bots with their versions, sessions and messages: every seed field, with its type and values", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "3", temperature: "0.7" });
    const sessionId = await startSessionFor(person, bot.id);
    await say(person, sessionId, "Hello");

    const user = (await db().collection("users").doc(person.userId).get()).data()!;
    expectSeedShape("users", user);
    const hash = (await db().collection("user_hash").doc(user.user_hash).get()).data()!;
    expectSeedShape("user_hash", hash);
    expect(hash.user_hash_type).toBe("open_ai_key");

    const botRef = db().collection("bots").doc(bot.id);
    const botDoc = (await botRef.get()).data()!;
    expectSeedShape("bots", botDoc);
    expect([2, 3]).toContain(botDoc.session_type);
    const config = (await botRef.collection("model_configs").doc(botDoc.active_model_config_id).get()).data()!;
    expectSeedShape("model_configs", config);
    expect(Object.keys(config.config).sort()).toEqual([...CONFIG_FIELDS].sort());
    expect(config.config.temperature).toBe(0.7);
    const prompts = (await botRef.collection("prompts").get()).docs.map((doc) => doc.data());
    for (const prompt of prompts) expectSeedShape("prompts", prompt);
    expect(prompts.map((prompt) => prompt.message_type).sort()).toEqual(["initial_prompt", "summary_prompt"]);

    const session = (await db().collection("sessions").doc(sessionId).get()).data()!;
    expectSeedShape("sessions", session);
    expect(Object.keys(session.bot_model_config).sort()).toEqual([...CONFIG_FIELDS].sort());
    expect([0, 1, 2, 3, 4]).toContain(session.status);
    const messages = (await db().collection("sessions").doc(sessionId).collection("messages").get()).docs;
    for (const message of messages) expectSeedShape("messages", message.data());
    expect(messages.map((message) => message.get("role")).sort()).toEqual(["assistant", "user"]);

    // And nothing of it would be changed by the migration.
    for (const step of MIGRATION_STEPS) {
      const scanned =
        step.name === "bot-fields" ? [await botRef.get()] : (await botRef.collection("prompts").get()).docs;
      for (const doc of scanned) expect(step.change(doc as never), `${step.name} on ${doc.ref.path}`).toBeNull();
    }
  });
});
