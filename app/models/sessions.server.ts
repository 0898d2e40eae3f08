import { FieldValue, Timestamp, type DocumentSnapshot } from "firebase-admin/firestore";
import type { ModelConfig, SessionType } from "~/schemas/assistant";
import { EMPTY_CONTEXT, type Condensed } from "~/utils/context.server";
import { db, isDocId } from "~/utils/db.server";
import { open, seal, type TranscriptKey } from "~/utils/transcript-crypto.server";
import type { BotWithActive } from "./bots.server";
import { QUERIES, shapedQuery } from "./queries.server";
import { addUsage } from "./usage.server";

// `sessions` and their `messages` (GPT Lab's data model). Everything the
// person wrote or the model answered is encrypted (see transcript-crypto).
// Each turn writes a constant number of documents, however long the session:
// the new messages, the session (with the condensed context in messages_str),
// and the day's usage.

export const SESSION_SCHEMA_VERSION = 2;

export const STATUS = {
  started: 0,
  completed: 1,
  userAbandoned: 2,
  systemAbandoned: 3,
  providerError: 4,
} as const;

export type MessageStatus = "complete" | "interrupted" | "error" | "superseded";

export type ChatSession = {
  id: string;
  user_id: string;
  bot_id: string;
  bot_name: string;
  bot_initial_prompt_id: string;
  bot_initial_prompt_msg: string;
  bot_summary_prompt_msg: string;
  bot_model_config: ModelConfig;
  bot_session_type: SessionType;
  created_date: Timestamp;
  last_message_date: Timestamp | null;
  status: number;
  message_count: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  unpriced_tokens: number;
  rating: "up" | "down" | null;
  source: "web" | "api";
  /** Decrypted: null when nothing is set, or when it could not be decrypted. */
  title: string | null;
  recap: string | null;
  context: Condensed;
  /** True when some encrypted field failed to decrypt (tampered, or moved from another document). */
  unreadable: boolean;
};

export type StoredMessage = {
  id: string;
  role: "user" | "assistant";
  content: string | null;
  status: MessageStatus;
  created_date: Timestamp;
  model: string | null;
  cost_usd: number | null;
  error_message: string | null;
};

export const sessions = () => db().collection("sessions");
const messages = (sessionId: string) => sessions().doc(sessionId).collection("messages");
const sessionPath = (sessionId: string) => `sessions/${sessionId}`;

function openField(key: TranscriptKey, snapshot: DocumentSnapshot, field: string): { value: string | null; failed: boolean } {
  const token = snapshot.get(field);
  if (typeof token !== "string") return { value: null, failed: false };
  const value = open(key, token, snapshot.ref.path, field);
  return { value, failed: value === null };
}

function toSession(snapshot: DocumentSnapshot, key: TranscriptKey, withContext = true): ChatSession {
  const data = snapshot.data()!;
  const title = openField(key, snapshot, "title");
  const recap = openField(key, snapshot, "recap");
  // Lists skip the condensed context: it is the largest field and they do not show it.
  const context = withContext ? openField(key, snapshot, "messages_str") : { value: null, failed: false };
  return {
    id: snapshot.id,
    user_id: data.user_id,
    bot_id: data.bot_id,
    bot_name: data.bot_name ?? "Assistant",
    bot_initial_prompt_id: data.bot_initial_prompt_id ?? "",
    bot_initial_prompt_msg: data.bot_initial_prompt_msg ?? "",
    bot_summary_prompt_msg: data.bot_summary_prompt_msg ?? "",
    bot_model_config: data.bot_model_config,
    bot_session_type: data.bot_session_type === 3 ? 3 : 2,
    created_date: data.created_date,
    last_message_date: data.last_message_date ?? null,
    status: data.status ?? STATUS.started,
    message_count: data.message_count ?? 0,
    prompt_tokens: data.prompt_tokens ?? 0,
    completion_tokens: data.completion_tokens ?? 0,
    cost_usd: data.cost_usd ?? 0,
    unpriced_tokens: data.unpriced_tokens ?? 0,
    rating: data.rating ?? null,
    source: data.source === "api" ? "api" : "web",
    title: title.value,
    recap: recap.value,
    context: context.value ? (JSON.parse(context.value) as Condensed) : EMPTY_CONTEXT,
    unreadable: title.failed || recap.failed || context.failed,
  };
}

/**
 * Snapshots the bot's active instructions, summary prompt, model config and
 * session type (with the model the person picked), and counts the start on
 * the user, the bot and its prompt, all in one batch.
 */
export async function startSession(options: {
  userId: string;
  bot: BotWithActive;
  model: string;
  source?: "web" | "api";
}): Promise<string> {
  const { bot } = options;
  const ref = sessions().doc();
  const now = FieldValue.serverTimestamp();
  const batch = db().batch();
  batch.create(ref, {
    user_id: options.userId,
    bot_id: bot.id,
    bot_name: bot.name,
    bot_initial_prompt_id: bot.instructions.id,
    bot_initial_prompt_msg: bot.instructions.message,
    bot_summary_prompt_msg: bot.summary.message,
    bot_model_config: { ...bot.modelConfig.config, model: options.model },
    bot_session_type: bot.session_type,
    created_date: now,
    last_message_date: null,
    session_schema_version: SESSION_SCHEMA_VERSION,
    status: STATUS.started,
    message_count: 0,
    messages_str: null,
    reply_started: null,
    title: null,
    recap: null,
    rating: null,
    prompt_tokens: 0,
    completion_tokens: 0,
    cost_usd: 0,
    unpriced_tokens: 0,
    source: options.source ?? "web",
  });
  const started = { sessions_started: FieldValue.increment(1) };
  batch.update(db().collection("users").doc(options.userId), started);
  batch.update(db().collection("bots").doc(bot.id), started);
  batch.update(db().collection("bots").doc(bot.id).collection("prompts").doc(bot.instructions.id), started);
  await batch.commit();
  return ref.id;
}

/** The person's own session, decrypted; null for a missing one and for anyone else's. */
export async function getOwnSession(sessionId: string, userId: string, key: TranscriptKey): Promise<ChatSession | null> {
  if (!isDocId(sessionId)) return null;
  const snapshot = await sessions().doc(sessionId).get();
  if (!snapshot.exists || snapshot.get("user_id") !== userId) return null;
  return toSession(snapshot, key);
}

export type SessionPage = { sessions: ChatSession[]; nextCursor: string | null };

export async function listOwnSessions(
  userId: string,
  key: TranscriptKey,
  options: { after?: string; limit: number },
): Promise<SessionPage> {
  let query = shapedQuery(sessions(), QUERIES.sessionsOfUser, { user_id: userId });
  if (isDocId(options.after)) {
    const cursor = await sessions().doc(options.after).get();
    if (cursor.exists && cursor.get("user_id") === userId) query = query.startAfter(cursor);
  }
  const snapshot = await query.limit(options.limit).get();
  return {
    sessions: snapshot.docs.map((doc) => toSession(doc, key, false)),
    nextCursor: snapshot.size === options.limit ? snapshot.docs[snapshot.size - 1]!.id : null,
  };
}

export const TITLE_MAX = 80;

function titleFrom(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > TITLE_MAX ? `${line.slice(0, TITLE_MAX - 1)}…` : line;
}

/** Thrown when a turn cannot start: the session is concluded, or another reply is still being written. */
export class SessionBusyError extends Error {
  readonly reason: "concluded" | "busy";
  constructor(reason: "concluded" | "busy") {
    super(reason === "concluded" ? "This session is concluded." : "The previous reply is still being written.");
    this.name = "SessionBusyError";
    this.reason = reason;
  }
}

/** A reply that has not been saved after this long is taken as lost (a crashed server), not as in progress. */
const REPLY_LOCK_MS = 2 * 60 * 1000;

function assertCanStartTurn(snapshot: DocumentSnapshot) {
  if (snapshot.get("status") === STATUS.completed) throw new SessionBusyError("concluded");
  const started = snapshot.get("reply_started") as Timestamp | null | undefined;
  if (started && Date.now() - started.toMillis() < REPLY_LOCK_MS) throw new SessionBusyError("busy");
}

/**
 * Commits the person's message before the provider is called, so no failure
 * can lose it, and marks a reply as in progress so two turns of one session
 * never overwrite each other's context.
 */
export async function addUserMessage(session: ChatSession, key: TranscriptKey, text: string): Promise<void> {
  const ref = messages(session.id).doc();
  const sessionRef = sessions().doc(session.id);
  await db().runTransaction(async (tx) => {
    const current = await tx.get(sessionRef);
    assertCanStartTurn(current);
    tx.create(ref, {
      role: "user",
      message: seal(key, text, ref.path, "message"),
      created_date: FieldValue.serverTimestamp(),
      status: "complete",
    });
    tx.update(sessionRef, {
      message_count: FieldValue.increment(1),
      last_message_date: FieldValue.serverTimestamp(),
      reply_started: Timestamp.now(),
      ...(current.get("title") == null ? { title: seal(key, titleFrom(text), sessionRef.path, "title") } : {}),
    });
  });
}

/** Marks a retry as in progress, with the same rules as a new message. */
export async function beginRetry(session: ChatSession): Promise<void> {
  const sessionRef = sessions().doc(session.id);
  await db().runTransaction(async (tx) => {
    assertCanStartTurn(await tx.get(sessionRef));
    tx.update(sessionRef, { reply_started: Timestamp.now() });
  });
}

export type ReplyRecord = {
  text: string;
  status: Exclude<MessageStatus, "superseded">;
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number };
  cost: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The condensed context after this reply, to store in messages_str. */
  context: Condensed;
  /** The reply this one replaces (a retry), marked superseded in the same batch. */
  replaces?: string | null;
};

/**
 * Saves a reply (complete, interrupted or failed) with its usage, in one
 * transaction that ends the turn. A session concluded meanwhile stays concluded.
 */
export async function recordReply(session: ChatSession, key: TranscriptKey, reply: ReplyRecord): Promise<string> {
  const ref = messages(session.id).doc();
  const sessionRef = sessions().doc(session.id);
  const tokens = reply.usage.prompt_tokens + reply.usage.completion_tokens;
  await db().runTransaction(async (tx) => {
    const current = await tx.get(sessionRef);
    const concluded = current.get("status") === STATUS.completed;
    tx.create(ref, {
      role: "assistant",
      message: seal(key, reply.text, ref.path, "message"),
      created_date: FieldValue.serverTimestamp(),
      status: reply.status,
      model: reply.model,
      prompt_tokens: reply.usage.prompt_tokens,
      completion_tokens: reply.usage.completion_tokens,
      cost_usd: reply.cost,
      error_code: reply.errorCode,
      error_message: reply.errorMessage,
    });
    if (reply.replaces) tx.update(messages(session.id).doc(reply.replaces), { status: "superseded" });
    tx.update(sessionRef, {
      messages_str: seal(key, JSON.stringify(reply.context), sessionRef.path, "messages_str"),
      message_count: FieldValue.increment(reply.replaces ? 0 : 1),
      last_message_date: FieldValue.serverTimestamp(),
      status: concluded ? STATUS.completed : reply.status === "error" ? STATUS.providerError : STATUS.started,
      reply_started: null,
      prompt_tokens: FieldValue.increment(reply.usage.prompt_tokens),
      completion_tokens: FieldValue.increment(reply.usage.completion_tokens),
      cost_usd: FieldValue.increment(reply.cost ?? 0),
      unpriced_tokens: FieldValue.increment(reply.cost === null ? tokens : 0),
    });
    if (tokens > 0) {
      addUsage(tx, { userId: session.user_id, botId: session.bot_id, botName: session.bot_name, model: reply.model, tokens, cost: reply.cost });
    }
  });
  return ref.id;
}

/** The newest message of the session (one read), for retry. */
export async function lastMessage(sessionId: string, key: TranscriptKey): Promise<StoredMessage | null> {
  const snapshot = await messages(sessionId).orderBy("created_date", "desc").limit(1).get();
  const doc = snapshot.docs[0];
  return doc ? toMessage(doc, key) : null;
}

function toMessage(doc: DocumentSnapshot, key: TranscriptKey): StoredMessage {
  const data = doc.data()!;
  return {
    id: doc.id,
    role: data.role === "user" ? "user" : "assistant",
    content: typeof data.message === "string" ? open(key, data.message, doc.ref.path, "message") : null,
    status: data.status ?? "complete",
    created_date: data.created_date,
    model: data.model ?? null,
    cost_usd: data.cost_usd ?? null,
    error_message: data.error_message ?? null,
  };
}

/** The transcript in order, without replies replaced by a retry. */
export async function listMessages(sessionId: string, key: TranscriptKey, limit = 2_000): Promise<StoredMessage[]> {
  const snapshot = await messages(sessionId).orderBy("created_date", "asc").limit(limit).get();
  return snapshot.docs.map((doc) => toMessage(doc, key)).filter((message) => message.status !== "superseded");
}

/**
 * Ends the session with its recap, and counts the end on the user, the bot
 * and its prompt. False when it was already concluded: nothing is counted twice.
 */
export async function concludeSession(
  session: ChatSession,
  key: TranscriptKey,
  recap: { text: string; model: string; usage: { prompt_tokens: number; completion_tokens: number }; cost: number | null },
): Promise<boolean> {
  const sessionRef = sessions().doc(session.id);
  const tokens = recap.usage.prompt_tokens + recap.usage.completion_tokens;
  const ended = { sessions_ended: FieldValue.increment(1) };
  return db().runTransaction(async (batch) => {
  if ((await batch.get(sessionRef)).get("status") === STATUS.completed) return false;
  batch.update(sessionRef, {
    recap: seal(key, recap.text, sessionRef.path, "recap"),
    status: STATUS.completed,
    prompt_tokens: FieldValue.increment(recap.usage.prompt_tokens),
    completion_tokens: FieldValue.increment(recap.usage.completion_tokens),
    cost_usd: FieldValue.increment(recap.cost ?? 0),
    unpriced_tokens: FieldValue.increment(recap.cost === null ? tokens : 0),
  });
  batch.update(db().collection("users").doc(session.user_id), ended);
  batch.update(db().collection("bots").doc(session.bot_id), ended);
  if (session.bot_initial_prompt_id) {
    batch.update(db().collection("bots").doc(session.bot_id).collection("prompts").doc(session.bot_initial_prompt_id), ended);
  }
  if (tokens > 0) {
    addUsage(batch, { userId: session.user_id, botId: session.bot_id, botName: session.bot_name, model: recap.model, tokens, cost: recap.cost });
  }
  return true;
  });
}

// The changes below take a session from getOwnSession, so ownership is checked first.

export async function rateSession(session: ChatSession, rating: "up" | "down" | null): Promise<void> {
  await sessions().doc(session.id).update({ rating });
}

export async function renameSession(session: ChatSession, key: TranscriptKey, title: string): Promise<void> {
  await sessions().doc(session.id).update({ title: seal(key, titleFrom(title), sessionPath(session.id), "title") });
}

/** Deletes the session and every message under it. */
export async function deleteSession(session: ChatSession): Promise<void> {
  await db().recursiveDelete(sessions().doc(session.id));
}
