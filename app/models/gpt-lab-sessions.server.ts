import {
  Timestamp,
  type DocumentData,
  type DocumentReference,
  type DocumentSnapshot,
  type QueryDocumentSnapshot,
  type WriteBatch,
} from "firebase-admin/firestore";
import type { Condensed, Turn } from "~/schemas/context";
import { z } from "~/schemas/zod";
import { chatModelFor } from "~/provider/models.server";
import { db, withDeadline } from "~/utils/db.server";
import { fernetDecrypt } from "~/utils/fernet.server";
import { open, seal, type TranscriptKey } from "~/utils/transcript-crypto.server";
import { isChangedMeanwhile, SESSION_SCHEMA_VERSION, sessions, titleFrom } from "./sessions.server";

// GPT Lab's conversations, carried over to this product's scheme at their
// owner's first sign-in here (docs/decisions/033). GPT Lab wrote a session
// with `session_schema_version: 1`, its messages' text and its `messages_str`
// (a JSON list of {role, message, created_date}) as Fernet tokens in bytes,
// under a key anyone reading its database could make from the user hash. Each
// is opened once with that key and sealed again under the person's transcript
// key; the session then reads, lists and continues like one started here.

/** GPT Lab's schema version: what this product started at 2 to tell apart. */
const GPT_LAB_SESSION_SCHEMA_VERSION = 1;

/** GPT Lab's Fernet key for a user hash: urlsafe_b64(bytes.fromhex(hash)). */
export function gptLabFernetKey(gptLabHash: string): string {
  return Buffer.from(gptLabHash, "hex").toString("base64url");
}

/** A person's conversations to carry over: whose, GPT Lab's key for them, and where they go. */
export type CarryOver = {
  userId: string;
  fernetKey: string;
  key: TranscriptKey;
  /** The models their key can use: a conversation on a retired model continues on another. */
  chatModels: readonly string[];
};

export type CarriedOver = { sessions: number; messages: number; unreadable: number };

// A session's documents go in batches this large, by count and by bytes
// (Firestore takes 500 writes, and about 10 MiB, in one commit).
const BATCH_WRITES = 400;
const BATCH_BYTES = 4 * 1024 * 1024;
// Sessions converted at once: enough to hide round trips, few enough to leave the server others' requests.
const AT_ONCE = 4;

/**
 * Re-encrypts every GPT Lab session of the person. Safe to run again after a
 * failure: a session is marked carried over (schema 2) only in its last write,
 * and a message already sealed here is left alone.
 */
export async function carryOverGptLabSessions(person: CarryOver): Promise<CarriedOver> {
  const found = await withDeadline(
    sessions()
      .where("user_id", "==", person.userId)
      .where("session_schema_version", "==", GPT_LAB_SESSION_SCHEMA_VERSION)
      .get(),
  );
  const total: CarriedOver = { sessions: 0, messages: 0, unreadable: 0 };
  const botNames = new Map<string, Promise<string>>();
  const queue = [...found.docs];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const done = await carryOverSession(person, next, botNames);
      total.sessions += 1;
      total.messages += done.messages;
      total.unreadable += done.unreadable;
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
  return total;
}

/** A Fernet token as GPT Lab stored it: bytes (Python's `Fernet.encrypt`), or their text. */
function tokenOf(value: unknown): string | null {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("latin1");
  return typeof value === "string" && value.startsWith("gAAAAA") ? value : null;
}

function opened(fernetKey: string, value: unknown): string | null {
  const token = tokenOf(value);
  return token === null ? null : (fernetDecrypt(fernetKey, token)?.toString("utf8") ?? null);
}

type Converted = { messages: number; unreadable: number };

/** A session's messages as they are written back: sealed here, with what its document takes from them. */
type Resealed = {
  writes: { ref: DocumentReference; data: DocumentData; create: boolean }[];
  firstWords: string | null;
  lastDate: Timestamp | null;
  count: number;
  unreadable: number;
};

async function carryOverSession(
  person: CarryOver,
  session: QueryDocumentSnapshot,
  botNames: Map<string, Promise<string>>,
  attempts = 3,
): Promise<Converted> {
  const context = gptLabContext(opened(person.fernetKey, session.get("messages_str")));
  const transcript = await withDeadline(session.ref.collection("messages").orderBy("created_date", "asc").get());
  const messages = transcript.empty ? fromContext(person, session, context) : resealed(person, transcript.docs);
  for (const batch of batchesOf(messages.writes)) await withDeadline(batch.commit());
  const fields = await sessionFields(person, session, context, messages, botNames);
  try {
    await withDeadline(session.ref.update(fields, { lastUpdateTime: session.updateTime }));
  } catch (error) {
    if ((error as { code?: unknown }).code === NOT_FOUND) return { messages: 0, unreadable: 0 };
    if (!isChangedMeanwhile(error) || attempts <= 1) throw error;
    // Changed since it was read: carried over by another sign-in (then done), or changed otherwise (then again).
    const now = await withDeadline(session.ref.get());
    if (now.get("session_schema_version") !== GPT_LAB_SESSION_SCHEMA_VERSION) return { messages: 0, unreadable: 0 };
    return carryOverSession(person, now as QueryDocumentSnapshot, botNames, attempts - 1);
  }
  return { messages: messages.writes.length, unreadable: messages.unreadable };
}

/** The writes in batches Firestore takes: at most BATCH_WRITES documents and BATCH_BYTES of text each. */
function batchesOf(writes: Resealed["writes"]): WriteBatch[] {
  const batches: WriteBatch[] = [];
  let batch: WriteBatch | null = null;
  let count = 0;
  let bytes = 0;
  for (const write of writes) {
    const size = Buffer.byteLength(JSON.stringify(write.data));
    if (!batch || count >= BATCH_WRITES || bytes + size > BATCH_BYTES) {
      batch = db().batch();
      batches.push(batch);
      count = 0;
      bytes = 0;
    }
    if (write.create) batch.set(write.ref, write.data);
    else batch.update(write.ref, write.data);
    count += 1;
    bytes += size;
  }
  return batches;
}

/** The recorded messages, each opened with GPT Lab's key and sealed with the person's. */
function resealed(person: CarryOver, transcript: QueryDocumentSnapshot[]): Resealed {
  const out: Resealed = { writes: [], firstWords: null, lastDate: null, count: transcript.length, unreadable: 0 };
  for (const message of transcript) {
    const path = message.ref.path;
    const stored = message.get("message");
    const text = opened(person.fernetKey, stored);
    // Sealed here already (by a carry-over cut short): read for the title, left as it is.
    const words = text ?? (typeof stored === "string" ? open(person.key, stored, path, "message") : null);
    if (out.firstWords === null && message.get("role") === "user" && words !== null) out.firstWords = words;
    out.lastDate = (message.get("created_date") as Timestamp | undefined) ?? out.lastDate;
    if (text !== null) {
      out.writes.push({
        ref: message.ref,
        create: false,
        data: { message: seal(person.key, text, path, "message"), status: "complete" },
      });
    } else if (words === null) {
      out.unreadable += 1;
    }
  }
  return out;
}

/**
 * A test drive in GPT Lab's lab recorded no messages: its saved context is
 * its transcript, so the messages are written from it, under ids of their
 * place in it (a carry-over run again writes the same documents).
 */
function fromContext(person: CarryOver, session: QueryDocumentSnapshot, context: GptLabContext | null): Resealed {
  const out: Resealed = { writes: [], firstWords: null, lastDate: null, count: 0, unreadable: 0 };
  const started = (session.get("created_date") as Timestamp | undefined)?.toMillis() ?? 0;
  (context?.turns ?? []).forEach((turn, index) => {
    const ref = session.ref.collection("messages").doc(`gpt-lab-${String(index).padStart(4, "0")}`);
    const text = typeof turn.content === "string" ? turn.content : "";
    if (out.firstWords === null && turn.role === "user") out.firstWords = text;
    const created_date = timeOf(context!.times[index], started + index);
    out.lastDate = created_date;
    out.count += 1;
    out.writes.push({
      ref,
      create: true,
      data: { role: turn.role, message: seal(person.key, text, ref.path, "message"), created_date, status: "complete" },
    });
  });
  return out;
}

/** gRPC's NOT_FOUND: the session was deleted since it was read. */
const NOT_FOUND = 5;

/** A time GPT Lab wrote into messages_str (Python's isoformat), or the fallback when there is none. */
function timeOf(iso: string | null | undefined, fallbackMs: number): Timestamp {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  return Timestamp.fromMillis(Number.isNaN(ms) ? fallbackMs : ms);
}

/** What the session document becomes: its context sealed, and the fields this product reads filled in. */
async function sessionFields(
  person: CarryOver,
  session: QueryDocumentSnapshot,
  context: GptLabContext | null,
  messages: Resealed,
  botNames: Map<string, Promise<string>>,
) {
  const path = session.ref.path;
  const config = session.get("bot_model_config") as { model?: unknown } | undefined;
  const model = typeof config?.model === "string" ? config.model : null;
  const choice = model ? chatModelFor(model, person.chatModels) : null;
  const liked = session.get("user_liked");
  const saved: Condensed | null = context && { summary: context.summary, turns: context.turns };
  return {
    messages_str: saved ? seal(person.key, JSON.stringify(saved), path, "messages_str") : null,
    bot_name: await nameOf(session.get("bot_id"), botNames),
    title: messages.firstWords === null ? null : seal(person.key, titleFrom(messages.firstWords), path, "title"),
    last_message_date: messages.lastDate,
    message_count: messages.count,
    rating: liked === 1 ? "up" : liked === 0 ? "down" : null,
    // One fallback rule with every new chat (chatModelFor): a retired model continues on the closest the key has.
    ...(choice && choice.model !== model ? { "bot_model_config.model": choice.model, model_fallback_from: model } : {}),
    session_schema_version: SESSION_SCHEMA_VERSION,
  };
}

/** GPT Lab's test drives in its lab ran with no assistant: they keep that name. */
const LAB_SESSION_NAME = "Lab test drive";

function nameOf(botId: unknown, names: Map<string, Promise<string>>): Promise<string> {
  if (typeof botId !== "string" || botId === "") return Promise.resolve(LAB_SESSION_NAME);
  let name = names.get(botId);
  if (!name) {
    name = withDeadline(db().collection("bots").doc(botId).get()).then((bot: DocumentSnapshot) => {
      const value = bot.get("name");
      return typeof value === "string" && value ? value : "Assistant";
    });
    names.set(botId, name);
  }
  return name;
}

function textOf(entry: z.infer<typeof GptLabEntry>): string {
  return entry.message ?? entry.content ?? "";
}

// One entry of GPT Lab's messages_str. GPT Lab names the text `message`;
// `content` (Chat Completions' name) is read too.
const GptLabEntry = z
  .object({
    role: z.enum(["user", "assistant", "system"]),
    message: z.string().optional(),
    content: z.string().optional(),
  })
  .passthrough();

/** GPT Lab's saved context, read: this product's, with the time GPT Lab stamped on each turn. */
export type GptLabContext = Condensed & { times: (string | null)[] };

/**
 * GPT Lab's saved context as this product's. A coaching session GPT Lab
 * condensed starts with the summary it made: an assistant entry stamped
 * `current_date`, where every message it kept verbatim is stamped
 * `created_date`. Null when there is none, or it cannot be read.
 */
export function gptLabContext(text: string | null): GptLabContext | null {
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  // Entry by entry: one GPT Lab did not write as expected costs itself, not the conversation.
  const list = parsed.flatMap((entry) => {
    const read = GptLabEntry.safeParse(entry);
    return read.success ? [read.data] : [];
  });
  const first = list[0];
  const summarised = first?.role === "assistant" && "current_date" in first && !("created_date" in first);
  const said = (summarised ? list.slice(1) : list).filter((entry) => entry.role !== "system");
  const turns = said.map((entry): Turn => ({
    role: entry.role === "user" ? "user" : "assistant",
    content: textOf(entry),
  }));
  const times = said.map((entry) => (typeof entry.created_date === "string" ? entry.created_date : null));
  return { summary: summarised ? textOf(first) : null, turns, times };
}
