// A GPT Lab database, written exactly as GPT Lab's own code writes it
// (github.com/dclin/gptlab-streamlit: api_users, api_bots, api_sessions,
// api_util_general): Python datetimes in US/Pacific with microseconds, int
// session types, float temperatures, no user_id on user_hash, no counters on a
// bot nobody has used, and conversations as Fernet tokens in bytes under
// urlsafe_b64(bytes.fromhex(user_hash)). Its Fernet is this project's own test
// helper, checked against the specification's vector and a token Python's
// cryptography made (app/utils/fernet.server.test.ts).
import crypto from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { MIGRATION_STEPS, type MigrationStep } from "~/models/migrations.server";
import { db } from "~/utils/db.server";
import { fernetEncrypt } from "~/utils/fernet.server";

/** GPT Lab's identity for a key, computed here independently of the app's code. */
export function gptLabHash(apiKey: string): string {
  return crypto.pbkdf2Sync(apiKey, apiKey, 200_000, 32, "sha256").toString("hex");
}

/** A moment as GPT Lab stored it: a Python datetime keeps microseconds. */
export function gptLabTime(seconds: number, micros = 123_456): Timestamp {
  return new Timestamp(seconds, micros * 1000);
}

/** Python's datetime.isoformat() of that moment in US/Pacific (daylight time: -07:00), as json.dumps wrote it. */
function isoPacific(time: Timestamp): string {
  const local = new Date(time.toMillis() - 7 * 3_600_000).toISOString().slice(0, 19);
  const micros = String(Math.floor(time.nanoseconds / 1000)).padStart(6, "0");
  return `${local}.${micros}-07:00`;
}

/** Python's json.dumps with its defaults: ", " and ": " between items, and only ASCII (\uXXXX escapes). */
export function pythonJsonDumps(value: unknown): string {
  const compact = JSON.stringify(value);
  let out = "";
  let inString = false;
  for (let i = 0; i < compact.length; i += 1) {
    const char = compact[i]!;
    if (inString) {
      if (char === "\\") {
        out += char + compact[i + 1]!;
        i += 1;
        continue;
      }
      if (char === '"') inString = false;
      const code = char.charCodeAt(0);
      out += code > 0x7e ? `\\u${code.toString(16).padStart(4, "0")}` : char;
      continue;
    }
    if (char === '"') inString = true;
    out += char === "," ? ", " : char === ":" ? ": " : char;
  }
  return out;
}

/** GPT Lab's encrypt_user_message: Fernet under the user hash, returned (and stored) as bytes. */
export function gptLabEncrypt(hash: string, text: string): Buffer {
  const key = Buffer.from(hash, "hex").toString("base64url");
  return Buffer.from(fernetEncrypt(key, text), "latin1");
}

export type GptLabPerson = { apiKey: string; hash: string; userId: string };

/** A person as api_users writes them: a users document, and a user_hash index without user_id. */
export async function writeGptLabPerson(apiKey: string, counts = { started: 3, ended: 1, bots: 1 }) {
  const hash = gptLabHash(apiKey);
  const created = gptLabTime(1_683_000_000);
  const userRef = db().collection("users").doc();
  await userRef.set({
    user_hash: hash,
    created_date: created,
    last_modified_date: created,
    sessions_started: counts.started,
    sessions_ended: counts.ended,
    bots_created: counts.bots,
  });
  await db().collection("user_hash").doc(hash).set({ user_hash_type: "open_ai_key", created_date: created });
  return { apiKey, hash, userId: userRef.id } satisfies GptLabPerson;
}

export type GptLabBotSpec = {
  name: string;
  tagLine: string;
  description?: string;
  sessionType: 2 | 3;
  creatorUserId: string;
  model: string;
  instructions: string;
  summaryPrompt?: string;
  showcased: boolean;
  /** GPT Lab counts sessions on a bot only once one starts: absent for a bot nobody used. */
  sessionsStarted?: number;
  /** The prompts' message_type: GPT Lab's, unless a test writes this product's first release's. */
  promptType?: (kind: "initial" | "summary") => string;
};

/** A bot as api_bots writes it: its prompts and model config in subcollections, the active ids on the bot. */
export async function writeGptLabBot(spec: GptLabBotSpec) {
  const botRef = db().collection("bots").doc();
  const created = gptLabTime(1_683_100_000);
  const promptType = spec.promptType ?? ((kind) => `${kind}_prompt`);
  const initial = botRef.collection("prompts").doc();
  const summary = botRef.collection("prompts").doc();
  const config = botRef.collection("model_configs").doc();
  await Promise.all([
    initial.set({
      message_type: promptType("initial"),
      message: spec.instructions,
      created_date: created,
      is_active: true,
    }),
    summary.set({
      message_type: promptType("summary"),
      message: spec.summaryPrompt ?? "Summarize the conversation so far.",
      created_date: created,
      is_active: true,
    }),
    config.set({
      config: {
        model: spec.model,
        max_tokens: 250,
        temperature: 0.7,
        top_p: 0.9,
        frequency_penalty: 0.1,
        presence_penalty: 0.1,
      },
      created_date: created,
      is_active: true,
    }),
  ]);
  await botRef.set({
    name: spec.name,
    tag_line: spec.tagLine,
    description: spec.description ?? "",
    session_type: spec.sessionType,
    creator_user_id: spec.creatorUserId,
    created_date: created,
    last_modified_date: created,
    active_initial_prompt_id: initial.id,
    active_model_config_id: config.id,
    active_summary_prompt_id: summary.id,
    showcased: spec.showcased,
    is_active: true,
    ...(spec.sessionsStarted === undefined ? {} : { sessions_started: spec.sessionsStarted, sessions_ended: 0 }),
  });
  return { id: botRef.id, ...spec };
}

export type GptLabMessage = { role: "user" | "assistant"; text: string };

export type GptLabSessionSpec = {
  person: GptLabPerson;
  /** Null for a test drive in GPT Lab's lab: it recorded no messages, only messages_str. */
  bot: { id: string; sessionType: 2 | 3; model: string; instructions: string } | null;
  transcript: GptLabMessage[];
  /** What messages_str holds: the transcript, unless GPT Lab condensed it. */
  context?: { summary?: string; keep: number };
  status?: number;
  userLiked?: 0 | 1;
  startedAt: number;
};

/**
 * A session as api_sessions writes it: the bot's settings snapshotted, one
 * Fernet-bytes message per turn (with a bot), and messages_str, the
 * json.dumps of the context ({role, message, created_date}), in Fernet bytes.
 * A coaching session GPT Lab condensed keeps its summary first, stamped
 * `current_date`, then the last messages.
 */
export async function writeGptLabSession(spec: GptLabSessionSpec) {
  const ref = db().collection("sessions").doc();
  const { person, bot } = spec;
  const times = spec.transcript.map((_, index) => gptLabTime(spec.startedAt + 30 * (index + 1), 100_000 + index));
  const entries = spec.transcript.map((message, index) => ({
    role: message.role,
    message: message.text,
    created_date: isoPacific(times[index]!),
  }));
  const kept = spec.context
    ? [
        ...(spec.context.summary
          ? [{ role: "assistant", message: spec.context.summary, current_date: isoPacific(times.at(-1)!) }]
          : []),
        ...entries.slice(-spec.context.keep),
      ]
    : entries;
  await ref.set({
    user_id: person.userId,
    bot_id: bot?.id ?? null,
    bot_session_type: bot?.sessionType ?? 2,
    bot_initial_prompt_msg: bot?.instructions ?? "You are a helpful assistant.",
    bot_summary_prompt_msg: "Summarize the conversation so far.",
    bot_model_config: {
      model: bot?.model ?? "gpt-3.5-turbo",
      max_tokens: 250,
      temperature: 0.7,
      top_p: 0.9,
      frequency_penalty: 0.1,
      presence_penalty: 0.1,
    },
    status: spec.status ?? 0,
    created_date: gptLabTime(spec.startedAt),
    message_count: bot ? spec.transcript.length : 0,
    messages_str: gptLabEncrypt(person.hash, pythonJsonDumps(kept)),
    session_schema_version: 1,
    ...(spec.userLiked === undefined ? {} : { user_liked: spec.userLiked }),
  });
  if (bot) {
    await Promise.all(
      spec.transcript.map((message, index) =>
        ref.collection("messages").add({
          message: gptLabEncrypt(person.hash, message.text),
          role: message.role,
          created_date: times[index],
        }),
      ),
    );
  }
  return ref.id;
}

/** The real migration steps, limited to the documents of these bots (other tests share the database). */
export function migrationStepsFor(botIds: string[]): MigrationStep[] {
  const under = (path: string) => botIds.some((id) => path === `bots/${id}` || path.startsWith(`bots/${id}/`));
  return MIGRATION_STEPS.map((step) => ({ ...step, change: (doc) => (under(doc.ref.path) ? step.change(doc) : null) }));
}
