import { LRUCache } from "lru-cache";
import {
  FieldValue,
  type DocumentReference,
  type DocumentSnapshot,
  type Timestamp,
  type Transaction,
  type WriteBatch,
} from "firebase-admin/firestore";
import {
  DEFAULT_MODEL_CONFIG,
  ModelConfigSchema,
  PROFILE_FIELDS,
  type AssistantInput,
  type AssistantProfile,
  type ModelConfig,
} from "~/schemas/assistant";
import { z } from "~/schemas/zod";
import { db, isDocId, withDeadline } from "~/utils/db.server";
import type { Caller } from "./caller";
import { queryWords, searchTerms } from "~/utils/search-terms";
import { QUERIES, shapedQuery } from "./queries.server";
import { ShowcaseIndex } from "./showcase-index.server";

// `bots` with its `model_configs` and `prompts` subcollections (GPT Lab's data
// model). A bot points at its active prompt and config; an edit adds a new
// version and moves the pointer, so sessions keep the version they started with.

/** A bot document: the assistant's profile (its schema's) and what the platform keeps about it. */
export type Bot = AssistantProfile & {
  id: string;
  creator_user_id: string;
  created_date: Timestamp;
  last_modified_date: Timestamp;
  active_initial_prompt_id: string;
  active_model_config_id: string;
  active_summary_prompt_id: string;
  showcased: boolean;
  is_active: boolean;
  sessions_started: number;
  sessions_ended: number;
};

/** GPT Lab's values of `message_type`, kept so that its code and its documents read as they always did. */
export type PromptType = "initial_prompt" | "summary_prompt";

export type PromptVersion = {
  id: string;
  message_type: PromptType;
  message: string;
  created_date: Timestamp;
  is_active: boolean;
  sessions_started: number;
  sessions_ended: number;
};

export type ModelConfigVersion = {
  id: string;
  config: ModelConfig;
  created_date: Timestamp;
  is_active: boolean;
};

/** A bot with the versions its pointers name: everything a chat or an edit form needs. */
export type BotWithActive = Bot & {
  instructions: PromptVersion;
  summary: PromptVersion;
  modelConfig: ModelConfigVersion;
};

export const bots = () => db().collection("bots");
const prompts = (botId: string) => bots().doc(botId).collection("prompts");
const modelConfigs = (botId: string) => bots().doc(botId).collection("model_configs");

function toBot(snapshot: DocumentSnapshot): Bot {
  const data = snapshot.data()!;
  return {
    id: snapshot.id,
    name: data.name,
    tag_line: data.tag_line ?? "",
    description: data.description ?? "",
    session_type: data.session_type === 3 ? 3 : 2,
    creator_user_id: data.creator_user_id,
    created_date: data.created_date,
    last_modified_date: data.last_modified_date,
    active_initial_prompt_id: data.active_initial_prompt_id,
    active_model_config_id: data.active_model_config_id,
    active_summary_prompt_id: data.active_summary_prompt_id,
    showcased: data.showcased === true,
    is_active: data.is_active === true,
    sessions_started: data.sessions_started ?? 0,
    sessions_ended: data.sessions_ended ?? 0,
    starter_prompts: data.starter_prompts ?? [],
    // GPT Lab's bots have no such field: their prompts were private, and stay so.
    instructions_visible: data.instructions_visible === true,
  };
}

/** The profile's fields of a bot or of the lab's input: exactly the schema's, whatever else it carries. */
function profileFields(source: AssistantProfile): AssistantProfile {
  return Object.fromEntries(PROFILE_FIELDS.map((field) => [field, source[field]])) as AssistantProfile;
}

/**
 * The bot's instructions and summary prompt as `caller` may see them: its
 * creator always; anyone else only when the creator shows them (null otherwise).
 */
export function promptsFor(caller: Caller, bot: BotWithActive): { instructions: string; summary: string } | null {
  if (bot.creator_user_id !== caller.userId && !bot.instructions_visible) return null;
  return { instructions: bot.instructions.message, summary: bot.summary.message };
}

/** What pages show of a bot: its profile and counters, as plain data that serializes to the browser. */
export function botSummary(bot: Bot) {
  return {
    id: bot.id,
    ...profileFields(bot),
    sessions_started: bot.sessions_started,
    showcased: bot.showcased,
    is_active: bot.is_active,
    created_date: bot.created_date?.toDate().toISOString() ?? null,
  };
}

export type BotSummary = ReturnType<typeof botSummary>;

function toPrompt(snapshot: DocumentSnapshot): PromptVersion {
  const data = snapshot.data()!;
  return {
    id: snapshot.id,
    message_type: data.message_type,
    message: data.message,
    created_date: data.created_date,
    is_active: data.is_active === true,
    sessions_started: data.sessions_started ?? 0,
    sessions_ended: data.sessions_ended ?? 0,
  };
}

function toModelConfig(snapshot: DocumentSnapshot): ModelConfigVersion {
  const data = snapshot.data()!;
  return {
    id: snapshot.id,
    config: storedConfig(data.config, snapshot.ref.path),
    created_date: data.created_date,
    is_active: data.is_active === true,
  };
}

/** Another writer (GPT Lab) may have stored a number as text. */
const StoredModelConfigSchema = ModelConfigSchema.extend({
  max_tokens: z.coerce.number().int().positive(),
  temperature: z.coerce.number(),
  top_p: z.coerce.number(),
  frequency_penalty: z.coerce.number(),
  presence_penalty: z.coerce.number(),
});

/** A stored config, parsed: settings another writer left out take the defaults rather than reaching the provider as undefined. */
function storedConfig(raw: unknown, path: string): ModelConfig {
  const parsed = StoredModelConfigSchema.safeParse({ ...DEFAULT_MODEL_CONFIG, ...(raw as object) });
  if (!parsed.success) throw new Error(`${path} holds no usable model config: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** A config as stored: only the schema's fields, and a reasoning effort only when chosen (Firestore refuses undefined). */
function configOf(input: ModelConfig): ModelConfig {
  const config = ModelConfigSchema.parse(input);
  if (config.reasoning_effort === undefined) delete config.reasoning_effort;
  return config;
}

function profileOf(input: AssistantInput) {
  return {
    ...profileFields(input),
    search_terms: searchTerms(input.name, input.tag_line, input.description),
  };
}

function newPrompt(messageType: PromptType, message: string) {
  return {
    message_type: messageType,
    message,
    created_date: FieldValue.serverTimestamp(),
    is_active: true,
    sessions_started: 0,
    sessions_ended: 0,
  };
}

function newModelConfig(config: ModelConfig) {
  return { config: configOf(config), created_date: FieldValue.serverTimestamp(), is_active: true };
}

/** The bot, its first prompts and config, and the creator's counter: one batch, all or nothing. */
export async function createBot(caller: Caller, input: AssistantInput): Promise<string> {
  const batch = db().batch();
  const botId = addBot(batch, bots().doc(), { creator_user_id: caller.userId, showcased: false }, input);
  batch.update(db().collection("users").doc(caller.userId), {
    bots_created: FieldValue.increment(1),
    last_modified_date: FieldValue.serverTimestamp(),
  });
  await withDeadline(batch.commit());
  return botId;
}

/** The seed data's creator: no person, so nobody can edit the showcase from the web. */
export const SHOWCASE_CREATOR_ID = "assistant-lab";

/** Creates the given showcase bots that do not exist yet; returns the ids it created. */
export async function createShowcaseBots(seeds: { id: string; input: AssistantInput }[]): Promise<string[]> {
  if (seeds.length === 0) return [];
  const existing = await db().getAll(...seeds.map((seed) => bots().doc(seed.id)));
  const missing = seeds.filter((_, index) => !existing[index]!.exists);
  const batch = db().batch();
  for (const seed of missing) {
    addBot(batch, bots().doc(seed.id), { creator_user_id: SHOWCASE_CREATOR_ID, showcased: true }, seed.input);
  }
  await batch.commit();
  await showChanges(missing.map((seed) => seed.id));
  return missing.map((seed) => seed.id);
}

function addBot(
  batch: WriteBatch,
  botRef: DocumentReference,
  owner: { creator_user_id: string; showcased: boolean },
  input: AssistantInput,
): string {
  const initialRef = prompts(botRef.id).doc();
  const summaryRef = prompts(botRef.id).doc();
  const configRef = modelConfigs(botRef.id).doc();
  const now = FieldValue.serverTimestamp();
  batch.create(initialRef, newPrompt("initial_prompt", input.instructions));
  batch.create(summaryRef, newPrompt("summary_prompt", input.summary_prompt));
  batch.create(configRef, newModelConfig(input));
  batch.create(botRef, {
    ...profileOf(input),
    ...owner,
    created_date: now,
    last_modified_date: now,
    active_initial_prompt_id: initialRef.id,
    active_model_config_id: configRef.id,
    active_summary_prompt_id: summaryRef.id,
    is_active: true,
    sessions_started: 0,
    sessions_ended: 0,
  });
  return botRef.id;
}

/** True when the store holds no bot at all: a fresh database to seed. */
export async function hasNoBots(): Promise<boolean> {
  return (await withDeadline(bots().limit(1).get())).empty;
}

/**
 * A bot's active versions, by the ids the bot document names. The app never
 * changes a version once written (an edit writes a new one), so they are kept
 * once read: a turn that starts a session reads the bot document alone. Their
 * counters are as first read; the version history reads its own. A version
 * changed in place by other means (a migration) is seen within a minute.
 */
const activeVersions = new LRUCache<string, Pick<BotWithActive, "instructions" | "summary" | "modelConfig">>({
  max: 2_000,
  ttl: 60_000,
});

/** Forgets the versions kept: for whoever changed a version in place, in this process. */
export function forgetActiveVersions() {
  activeVersions.clear();
}

async function withActiveVersions(bot: Bot): Promise<BotWithActive | null> {
  const cacheKey = [
    bot.id,
    bot.active_initial_prompt_id,
    bot.active_summary_prompt_id,
    bot.active_model_config_id,
  ].join("/");
  const known = activeVersions.get(cacheKey);
  if (known) return { ...bot, ...known };
  const [instructions, summary, modelConfig] = await withDeadline(
    Promise.all([
      prompts(bot.id).doc(bot.active_initial_prompt_id).get(),
      prompts(bot.id).doc(bot.active_summary_prompt_id).get(),
      modelConfigs(bot.id).doc(bot.active_model_config_id).get(),
    ]),
  );
  if (!instructions.exists || !summary.exists || !modelConfig.exists) return null;
  const versions = {
    instructions: toPrompt(instructions),
    summary: toPrompt(summary),
    modelConfig: toModelConfig(modelConfig),
  };
  activeVersions.set(cacheKey, versions);
  return { ...bot, ...versions };
}

/** Any active bot, showcased or not: a link is enough to open it (GPT Lab's unlisted sharing). */
export async function getOpenableBot(botId: string): Promise<BotWithActive | null> {
  const bot = await getOpenableProfile(botId);
  return bot ? withActiveVersions(bot) : null;
}

/** The bot document alone of a bot anyone may open (one read): for what describes it, not what runs it. */
export async function getOpenableProfile(botId: string): Promise<Bot | null> {
  if (!isDocId(botId)) return null;
  const snapshot = await withDeadline(bots().doc(botId).get());
  if (!snapshot.exists) return null;
  const bot = toBot(snapshot);
  return bot.is_active ? bot : null;
}

/** The creator's own bot, active or not; null for anyone else, so they get the same 404. */
export async function getOwnBot(caller: Caller, botId: string): Promise<BotWithActive | null> {
  if (!isDocId(botId)) return null;
  const snapshot = await withDeadline(bots().doc(botId).get());
  if (!snapshot.exists) return null;
  const bot = toBot(snapshot);
  return bot.creator_user_id === caller.userId ? withActiveVersions(bot) : null;
}

/** An active bot's starter prompts; none for a bot that is gone or deactivated. */
export async function starterPromptsOf(botId: string | null): Promise<string[]> {
  if (!isDocId(botId)) return [];
  const snapshot = await withDeadline(bots().doc(botId).get());
  return snapshot.get("is_active") ? ((snapshot.get("starter_prompts") as string[] | undefined) ?? []) : [];
}

export type GallerySort = "popular" | "newest";
export type GalleryPage = { bots: Bot[]; nextCursor: string | null };

/**
 * A page of showcased, active bots, from the in-memory index once it has
 * loaded (showcase-index.server.ts), else from Firestore.
 */
export async function listShowcasedBots(options: {
  sort: GallerySort;
  search?: string;
  after?: string;
  limit: number;
}): Promise<GalleryPage> {
  const page = showcase.page({
    order: options.sort,
    search: options.search,
    after: options.after,
    limit: options.limit,
  });
  return page ?? queryShowcasedBots(options);
}

/** The showcased bots in memory: a listener on the showcased bots, and the cards it keeps. */
const showcase = new ShowcaseIndex<Bot>(() => bots().where("showcased", "==", true), toBot);

/** Stops the showcase index's listener (tests, and a server that is shutting down). */
export function stopShowcaseIndex() {
  showcase.stop();
}

/** After this instance wrote bots, its index shows the change at once (others within their listener's latency). */
async function showChanges(botIds: string[]) {
  if (botIds.length === 0 || !showcase.loaded) return;
  const snapshots = await withDeadline(db().getAll(...botIds.map((id) => bots().doc(id))));
  showcase.apply(snapshots);
}

/**
 * The same page from Firestore: the fallback, and what tests hold the index
 * to. Search narrows the indexed query by its longest word; further words are
 * checked on the page, so a page may hold fewer than `limit` bots while more
 * remain. A bot without the ordered counter or without search terms (as GPT
 * Lab writes it) is not found this way.
 */
export async function queryShowcasedBots(options: {
  sort: GallerySort;
  search?: string;
  after?: string;
  limit: number;
}): Promise<GalleryPage> {
  const [firstWord, ...otherWords] = queryWords(options.search ?? "");
  const shape = firstWord
    ? options.sort === "newest"
      ? QUERIES.showcasedSearchByNewest
      : QUERIES.showcasedSearchByPopularity
    : options.sort === "newest"
      ? QUERIES.showcasedByNewest
      : QUERIES.showcasedByPopularity;
  let query = shapedQuery(bots(), shape, { showcased: true, is_active: true, search_terms: firstWord });
  if (isDocId(options.after)) {
    const cursor = await withDeadline(bots().doc(options.after).get());
    if (cursor.exists) query = query.startAfter(cursor);
  }
  const snapshot = await withDeadline(query.limit(options.limit).get());
  const page = snapshot.docs.filter((doc) => {
    const terms: string[] = doc.get("search_terms") ?? [];
    return otherWords.every((word) => terms.includes(word));
  });
  return {
    bots: page.map(toBot),
    nextCursor: snapshot.size === options.limit ? snapshot.docs[snapshot.size - 1]!.id : null,
  };
}

export async function listOwnBots(caller: Caller, limit = 100): Promise<Bot[]> {
  const snapshot = await withDeadline(
    shapedQuery(bots(), QUERIES.botsOfCreator, { creator_user_id: caller.userId }).limit(limit).get(),
  );
  return snapshot.docs.map(toBot);
}

/**
 * Saves an edit by the creator. Profile fields change in place; a changed
 * prompt or model config becomes a new active version with the old one kept
 * inactive. One transaction, so a pointer never names a missing version.
 * Returns false when the bot is not the person's own.
 */
export async function updateBot(caller: Caller, botId: string, input: AssistantInput): Promise<boolean> {
  if (!isDocId(botId)) return false;
  const changed = await withDeadline(
    db().runTransaction(async (tx) => {
      const botSnap = await tx.get(bots().doc(botId));
      if (!botSnap.exists) return false;
      const bot = toBot(botSnap);
      if (bot.creator_user_id !== caller.userId) return false;

      const [instructions, summary, config] = await Promise.all([
        tx.get(prompts(botId).doc(bot.active_initial_prompt_id)),
        tx.get(prompts(botId).doc(bot.active_summary_prompt_id)),
        tx.get(modelConfigs(botId).doc(bot.active_model_config_id)),
      ]);
      const pointers: Record<string, string> = {};
      if (instructions.get("message") !== input.instructions) {
        pointers.active_initial_prompt_id = replaceVersion(
          tx,
          instructions.ref,
          prompts(botId).doc(),
          newPrompt("initial_prompt", input.instructions),
        );
      }
      if (summary.get("message") !== input.summary_prompt) {
        pointers.active_summary_prompt_id = replaceVersion(
          tx,
          summary.ref,
          prompts(botId).doc(),
          newPrompt("summary_prompt", input.summary_prompt),
        );
      }
      if (!sameConfig(config.get("config"), configOf(input))) {
        pointers.active_model_config_id = replaceVersion(
          tx,
          config.ref,
          modelConfigs(botId).doc(),
          newModelConfig(input),
        );
      }
      tx.update(botSnap.ref, { ...profileOf(input), ...pointers, last_modified_date: FieldValue.serverTimestamp() });
      return true;
    }),
  );
  if (changed) await showChanges([botId]);
  return changed;
}

function replaceVersion(
  tx: Transaction,
  previous: DocumentReference,
  next: DocumentReference,
  data: Record<string, unknown>,
): string {
  tx.update(previous, { is_active: false });
  tx.create(next, data);
  return next.id;
}

/** Compares both sides' keys: a setting dropped (a reasoning effort back to the default) is a change too. */
function sameConfig(stored: Partial<ModelConfig> | undefined, next: ModelConfig): boolean {
  const keys = new Set([...Object.keys(stored ?? {}), ...Object.keys(next)]) as Set<keyof ModelConfig>;
  return [...keys].every((key) => stored?.[key] === next[key]);
}

export type VersionKind = "instructions" | "summary" | "model_config";

export type BotVersions = {
  instructions: PromptVersion[];
  summary: PromptVersion[];
  model_config: ModelConfigVersion[];
};

/** Every version, newest first. */
export async function listVersions(botId: string): Promise<BotVersions> {
  const byType = (type: PromptType) =>
    shapedQuery(prompts(botId), QUERIES.promptVersions, { message_type: type }).get();
  const [instructions, summary, configs] = await withDeadline(
    Promise.all([
      byType("initial_prompt"),
      byType("summary_prompt"),
      modelConfigs(botId).orderBy("created_date", "desc").get(),
    ]),
  );
  return {
    instructions: instructions.docs.map(toPrompt),
    summary: summary.docs.map(toPrompt),
    model_config: configs.docs.map(toModelConfig),
  };
}

const POINTERS = {
  instructions: { field: "active_initial_prompt_id", collection: prompts, type: "initial_prompt" },
  summary: { field: "active_summary_prompt_id", collection: prompts, type: "summary_prompt" },
  model_config: { field: "active_model_config_id", collection: modelConfigs, type: null },
} as const;

/** Makes an older version active again. False when the bot or version is not the person's. */
export async function activateVersion(
  caller: Caller,
  botId: string,
  kind: VersionKind,
  versionId: string,
): Promise<boolean> {
  const pointer = POINTERS[kind];
  if (!isDocId(botId) || !isDocId(versionId)) return false;
  return withDeadline(
    db().runTransaction(async (tx) => {
      const botSnap = await tx.get(bots().doc(botId));
      if (!botSnap.exists || botSnap.get("creator_user_id") !== caller.userId) return false;
      const target = await tx.get(pointer.collection(botId).doc(versionId));
      if (!target.exists || (pointer.type && target.get("message_type") !== pointer.type)) return false;
      const currentId: string = botSnap.get(pointer.field);
      if (currentId === versionId) return true;
      tx.update(pointer.collection(botId).doc(currentId), { is_active: false });
      tx.update(target.ref, { is_active: true });
      tx.update(botSnap.ref, { [pointer.field]: versionId, last_modified_date: FieldValue.serverTimestamp() });
      return true;
    }),
  );
}

/** Deactivate or reactivate; only the creator may. */
export async function setBotActive(caller: Caller, botId: string, isActive: boolean): Promise<boolean> {
  if (!isDocId(botId)) return false;
  const changed = await withDeadline(
    db().runTransaction(async (tx) => {
      const snapshot = await tx.get(bots().doc(botId));
      if (!snapshot.exists || snapshot.get("creator_user_id") !== caller.userId) return false;
      tx.update(snapshot.ref, { is_active: isActive, last_modified_date: FieldValue.serverTimestamp() });
      return true;
    }),
  );
  if (changed) await showChanges([botId]);
  return changed;
}

/** Curating the gallery is an operator's job: the showcase script and operators' toggle. */
export async function setShowcased(botId: string, showcased: boolean): Promise<boolean> {
  if (!isDocId(botId)) return false;
  const ref = bots().doc(botId);
  const changed = await withDeadline(
    db().runTransaction(async (tx) => {
      const snapshot = await tx.get(ref);
      if (!snapshot.exists) return false;
      tx.update(ref, { showcased });
      return true;
    }),
  );
  if (changed) await showChanges([botId]);
  return changed;
}
