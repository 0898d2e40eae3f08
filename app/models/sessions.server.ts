import { randomUUID } from "node:crypto";
import {
  FieldValue,
  Timestamp,
  type DocumentData,
  type DocumentReference,
  type DocumentSnapshot,
  type Precondition,
  type SetOptions,
  type WriteBatch,
} from "firebase-admin/firestore";
import type { ModelConfig, SessionType } from "~/schemas/assistant";
import { withoutInvisibleCharacters } from "~/schemas/text";
import { z } from "~/schemas/zod";
import {
  CondensedSchema,
  EMPTY_CONTEXT,
  ToolCallSchema,
  turnText,
  type Condensed,
  type ToolCall,
  type Turn,
} from "~/schemas/context";
import { db, isDocId, withDeadline } from "~/utils/db.server";
import { open, seal, type TranscriptKey } from "~/utils/transcript-crypto.server";
import type { BotWithActive } from "./bots.server";
import type { Caller } from "./caller";
import { QUERIES, shapedQuery } from "./queries.server";
import { countOnShard, foldSoon } from "./counters.server";
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
  /** Null for a test drive carried over from GPT Lab's lab, which ran with no assistant. */
  bot_id: string | null;
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
  /** The assistant's own model when the key could not use it and the session runs another. */
  model_fallback_from: string | null;
  /** The newest saved reply: a Responses API call continues a session only from it. */
  last_reply_id: string | null;
  /** Decrypted: null when nothing is set, or when it could not be decrypted. */
  title: string | null;
  recap: string | null;
  context: Condensed;
  /** True when some encrypted field failed to decrypt (tampered, or moved from another document). */
  unreadable: boolean;
};

/** Shown for an error whose saved text cannot be decrypted. */
const UNREADABLE_ERROR = "The reply failed.";

export type StoredMessage = {
  id: string;
  role: "user" | "assistant" | "tool";
  content: string | null;
  /** An assistant's calls to the caller's functions. */
  tool_calls: ToolCall[] | null;
  /** A tool's result: the call it answers. */
  tool_call_id: string | null;
  status: MessageStatus;
  created_date: Timestamp;
  model: string | null;
  /** What the provider counted for this reply (zero for the person's own messages). */
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number | null;
  error_message: string | null;
};

export const sessions = () => db().collection("sessions");
const messages = (sessionId: string) => sessions().doc(sessionId).collection("messages");
const sessionPath = (sessionId: string) => `sessions/${sessionId}`;

function openField(
  key: TranscriptKey,
  snapshot: DocumentSnapshot,
  field: string,
): { value: string | null; failed: boolean } {
  const token = snapshot.get(field);
  if (token === null || token === undefined) return { value: null, failed: false };
  // Anything else that is not our token (GPT Lab's Fernet bytes, not yet carried over) cannot be read either.
  if (typeof token !== "string") return { value: null, failed: true };
  const value = open(key, token, snapshot.ref.path, field);
  return { value, failed: value === null };
}

function toSession(snapshot: DocumentSnapshot, key: TranscriptKey, withContext = true): ChatSession {
  const data = snapshot.data()!;
  const title = openField(key, snapshot, "title");
  const recap = openField(key, snapshot, "recap");
  // Lists skip the condensed context: it is the largest field and they do not show it.
  const sealed = withContext ? openField(key, snapshot, "messages_str") : { value: null, failed: false };
  const context = sealed.value === null ? null : parseContext(sealed.value);
  return {
    id: snapshot.id,
    user_id: data.user_id,
    bot_id: typeof data.bot_id === "string" ? data.bot_id : null,
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
    model_fallback_from: typeof data.model_fallback_from === "string" ? data.model_fallback_from : null,
    last_reply_id: typeof data.last_reply_id === "string" ? data.last_reply_id : null,
    title: title.value,
    recap: recap.value,
    context: context ?? EMPTY_CONTEXT,
    unreadable: title.failed || recap.failed || sealed.failed || (sealed.value !== null && context === null),
  };
}

type NewSession = {
  userId: string;
  bot: BotWithActive;
  model: string;
  source?: "web" | "api";
  /** The assistant's own model, when the key could not use it: the chat says why it runs another. */
  modelFallbackFrom?: string | null;
};

/** A new session's fields: the bot's active versions snapshotted, with the model the person picked. */
function sessionFields(options: NewSession) {
  const { bot } = options;
  return {
    user_id: options.userId,
    bot_id: bot.id,
    bot_name: bot.name,
    bot_initial_prompt_id: bot.instructions.id,
    bot_initial_prompt_msg: bot.instructions.message,
    bot_summary_prompt_msg: bot.summary.message,
    bot_model_config: { ...bot.modelConfig.config, model: options.model },
    bot_session_type: bot.session_type,
    session_schema_version: SESSION_SCHEMA_VERSION,
    status: STATUS.started,
    message_count: 0,
    messages_str: null as string | null,
    reply_lease_id: null as string | null,
    reply_lease_until: null as Timestamp | null,
    title: null as string | null,
    recap: null,
    rating: null,
    prompt_tokens: 0,
    completion_tokens: 0,
    cost_usd: 0,
    unpriced_tokens: 0,
    source: options.source ?? "web",
    model_fallback_from: options.modelFallbackFrom ?? null,
    last_reply_id: null as string | null,
  };
}

/** Whatever the caller is writing with: a batch or a transaction. */
type Writer = {
  create(ref: DocumentReference, data: DocumentData): unknown;
  update(ref: DocumentReference, data: DocumentData, precondition?: Precondition): unknown;
  set(ref: DocumentReference, data: DocumentData, options: SetOptions): unknown;
};

/** The documents a session's start and end are counted on besides the person's: its bot and the prompt it ran. */
function countedFor(botId: string | null, promptId: string): DocumentReference[] {
  if (!botId) return [];
  const bot = db().collection("bots").doc(botId);
  return promptId ? [bot, bot.collection("prompts").doc(promptId)] : [bot];
}

/**
 * Counts a start on the user, the bot and its prompt, in the batch that
 * creates the session: the person's own document directly, the bot's and the
 * prompt's (which many people count at once) through their shards.
 */
function countStart(batch: Writer, options: NewSession) {
  batch.update(db().collection("users").doc(options.userId), { sessions_started: FieldValue.increment(1) });
  for (const counted of countedFor(options.bot.id, options.bot.instructions.id)) {
    countOnShard(batch, counted, "sessions_started");
  }
}

/** Once a start or an end is committed: its bot's and prompt's shards are folded soon. */
function foldCounters(botId: string | null, promptId: string) {
  for (const counted of countedFor(botId, promptId)) foldSoon(counted);
}

/**
 * Snapshots the bot's active instructions, summary prompt, model config and
 * session type (with the model the person picked), and counts the start on
 * the user, the bot and its prompt, all in one batch.
 */
export async function startSession(options: NewSession): Promise<string> {
  const ref = sessions().doc();
  const now = FieldValue.serverTimestamp();
  const batch = db().batch();
  batch.create(ref, { ...sessionFields(options), created_date: now, last_message_date: null });
  countStart(batch, options);
  await withDeadline(batch.commit());
  foldCounters(options.bot.id, options.bot.instructions.id);
  return ref.id;
}

/** How a session begins: an API caller's own history and instructions, before the turns they send now. */
export type Beginning = { turns: Turn[]; instructions?: string[] };

/**
 * What an API call sends, held out of the session until its reply is saved
 * (see recordReply): a call that fails or is cut off leaves no message and no
 * session behind, so a client's retry finds the session as the first call
 * found it. `at` orders the held messages before their reply.
 */
export type HeldTurns = { sent: Turn[]; at: number; title: string | null; newSession: NewSession | null };

/**
 * A session to start with the turns a caller sends, created only when its
 * first reply is saved: nothing is written before the provider is called.
 */
export function prepareSession(
  caller: Caller,
  options: Omit<NewSession, "userId"> & { sent: Turn[]; beginning: Beginning },
): { session: ChatSession; turn: AdmittedTurn } {
  const start: NewSession = { ...options, userId: caller.userId };
  const context = withSent({ summary: null, ...options.beginning }, options.sent);
  const title = titleOf(options.sent);
  const now = Timestamp.now();
  const session: ChatSession = {
    ...sessionFields(start),
    id: sessions().doc().id,
    created_date: now,
    last_message_date: now,
    title,
    recap: null,
    context,
    unreadable: false,
  };
  const held = { sent: options.sent, at: now.toMillis(), title, newSession: start };
  return { session, turn: { leaseId: randomUUID(), context, replaces: null, title, held, written: null } };
}

function withSent(context: Condensed, sent: Turn[]): Condensed {
  return { ...context, turns: [...context.turns, ...sent] };
}

/** A session's title comes from the first thing a person says in it. */
function titleOf(sent: Turn[]): string | null {
  const said = sent.find((turn) => turn.role === "user");
  return said ? titleFrom(turnText(said)) : null;
}

/**
 * One message per turn sent: a person's words (media marked in the text) or a
 * tool's result. Held turns carry their own time, a millisecond apart, so they
 * sort before the reply saved with them.
 */
function addSentMessages(writer: Writer, key: TranscriptKey, sessionId: string, sent: Turn[], at?: number) {
  sent.forEach((turn, index) => {
    const ref = messages(sessionId).doc();
    const created_date = at === undefined ? FieldValue.serverTimestamp() : Timestamp.fromMillis(at + index);
    const common = { created_date, status: "complete" };
    const message = seal(key, turnText(turn), ref.path, "message");
    if (turn.role === "tool") writer.create(ref, { ...common, role: "tool", message, tool_call_id: turn.tool_call_id });
    else writer.create(ref, { ...common, role: "user", message });
  });
}

/**
 * The snapshot each session was read from, so that admitting a turn right
 * after reading the session needs no second read: the snapshot's update time
 * is the compare-and-set's precondition.
 */
const readFrom = new WeakMap<ChatSession, DocumentSnapshot>();

/**
 * The caller's own session, decrypted; null for a missing one and for anyone
 * else's. The caller may still be being found (an API key's user is read at
 * the same time): the session is read meanwhile, and shown to nobody else.
 */
export async function getOwnSession(
  caller: Caller | Promise<Caller | null>,
  sessionId: string,
): Promise<ChatSession | null> {
  if (!isDocId(sessionId)) return null;
  const [owner, snapshot] = await Promise.all([caller, withDeadline(sessions().doc(sessionId).get())]);
  if (!owner || !snapshot.exists || snapshot.get("user_id") !== owner.userId) return null;
  const session = toSession(snapshot, owner.key);
  readFrom.set(session, snapshot);
  return session;
}

export type SessionPage = { sessions: ChatSession[]; nextCursor: string | null };

export async function listOwnSessions(
  caller: Caller,
  options: { after?: string; limit: number },
): Promise<SessionPage> {
  let query = shapedQuery(sessions(), QUERIES.sessionsOfUser, { user_id: caller.userId });
  if (isDocId(options.after)) {
    const cursor = await withDeadline(sessions().doc(options.after).get());
    if (cursor.exists && cursor.get("user_id") === caller.userId) query = query.startAfter(cursor);
  }
  const snapshot = await withDeadline(query.limit(options.limit).get());
  return {
    sessions: snapshot.docs.map((doc) => toSession(doc, caller.key, false)),
    nextCursor: snapshot.size === options.limit ? snapshot.docs[snapshot.size - 1]!.id : null,
  };
}

export const TITLE_MAX = 80;

/** A title from what a person said: one line, at most TITLE_MAX characters. */
export function titleFrom(text: string): string {
  const line = withoutInvisibleCharacters(text.replace(/\s+/g, " ")).trim();
  return line.length > TITLE_MAX ? `${line.slice(0, TITLE_MAX - 1)}…` : line;
}

/** Thrown when a turn cannot start: the session is concluded, or another reply is still being written. */
export class SessionBusyError extends Error {
  readonly reason: "concluded" | "busy";
  /** For "busy": when the other turn's lease runs out, if its server died. */
  readonly retryAfterSeconds: number;
  constructor(reason: "concluded" | "busy", retryAfterSeconds = 0) {
    super(
      reason === "concluded"
        ? "This session is concluded. Start a new one to keep talking."
        : `The previous reply is still being written. Try again when it is done (at most ${retryAfterSeconds} seconds if it was cut off).`,
    );
    this.name = "SessionBusyError";
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * One turn at a time per session, across every instance: admitting a turn
 * takes a lease on the session, which the turn renews while its reply streams
 * and ends when it saves the reply. A lease that is not renewed (its server
 * died) runs out in seconds, not minutes.
 */
export const TURN_LEASE_MS = 20_000;
export const TURN_RENEW_MS = 5_000;

function assertCanStartTurn(snapshot: DocumentSnapshot) {
  if (snapshot.get("status") === STATUS.completed) throw new SessionBusyError("concluded");
  const until = snapshot.get("reply_lease_until") as Timestamp | null | undefined;
  const left = until ? until.toMillis() - Date.now() : 0;
  if (left > 0) throw new SessionBusyError("busy", Math.ceil(left / 1000));
}

function leaseFields(leaseId: string | null) {
  return {
    reply_lease_id: leaseId,
    reply_lease_until: leaseId ? Timestamp.fromMillis(Date.now() + TURN_LEASE_MS) : null,
  };
}

function storedContext(key: TranscriptKey, snapshot: DocumentSnapshot): Condensed {
  const token = snapshot.get("messages_str");
  if (token === null || token === undefined) return EMPTY_CONTEXT;
  if (typeof token !== "string") throw new Error(`The saved context of ${snapshot.ref.path} is not this product's.`);
  const text = open(key, token, snapshot.ref.path, "messages_str");
  // getOwnSession refused an unreadable session already; this is the same document.
  if (text === null) throw new Error(`The saved context of ${snapshot.ref.path} cannot be decrypted.`);
  const context = parseContext(text);
  if (context === null) throw new Error(`The saved context of ${snapshot.ref.path} is not a context.`);
  return context;
}

function parseContext(text: string): Condensed | null {
  try {
    const parsed = CondensedSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * A turn admitted to a session: its lease, the context its prompt is built
 * from, the title it gave, and (an API call's) the turns held until its reply.
 */
export type AdmittedTurn = {
  leaseId: string;
  context: Condensed;
  replaces: string | null;
  title: string | null;
  held: HeldTurns | null;
  /**
   * The session's update time after this turn's last write to it (its
   * admission, then each lease renewal): while nothing else has written the
   * session since, its reply is saved in one write without reading it again.
   */
  written: Timestamp | null;
};

/**
 * Decides a turn's admission from the session as read: the lease, the context
 * with what was sent, and the writes that commit them. The web chat commits
 * what the person typed in that same write, so that no failure can lose it;
 * the context is saved with it, so a turn admitted after this one always sees
 * it. An API call (`hold`) commits nothing but the lease: its turns are saved
 * with the reply, or not at all (see HeldTurns).
 */
function turnAdmission(caller: Caller, session: ChatSession, sent: Turn[], options: { hold?: boolean }) {
  const { key } = caller;
  const sessionRef = sessions().doc(session.id);
  const leaseId = randomUUID();
  return (current: DocumentSnapshot, unchanged: Precondition): Planned<AdmittedTurn> => {
    assertCanStartTurn(current);
    const batch = db().batch();
    const context = withSent(storedContext(key, current), sent);
    const title = current.get("title") == null ? titleOf(sent) : null;
    const result: AdmittedTurn = { leaseId, context, replaces: null, title, held: null, written: null };
    if (options.hold) {
      batch.update(sessionRef, leaseFields(leaseId), unchanged);
      const held = { ...result, held: { sent, at: Date.now(), title, newSession: null } };
      return { result: held, batch, committed: (time) => (held.written = time) };
    }
    addSentMessages(batch, key, session.id, sent);
    batch.update(
      sessionRef,
      {
        messages_str: seal(key, JSON.stringify(context), sessionRef.path, "messages_str"),
        message_count: FieldValue.increment(sent.length),
        last_message_date: FieldValue.serverTimestamp(),
        ...leaseFields(leaseId),
        ...(title !== null ? { title: seal(key, title, sessionRef.path, "title") } : {}),
      },
      unchanged,
    );
    return { result, batch, committed: (time) => (result.written = time) };
  };
}

/**
 * Takes the session's lease for a turn answering `sent`, in one write: the
 * session as getOwnSession read it is the compare-and-set's precondition, so
 * a session unchanged since is admitted without reading it again.
 */
export async function admitTurns(
  caller: Caller,
  session: ChatSession,
  sent: Turn[],
  options: { hold?: boolean } = {},
): Promise<AdmittedTurn> {
  const admission = turnAdmission(caller, session, sent, options);
  return changeIfUnchanged(
    sessions().doc(session.id),
    async (current, unchanged) => admission(current, unchanged),
    readFrom.get(session),
  );
}

/** A turn's admission decided from the session as read, and the write that commits it. */
export type PlannedAdmission = {
  turn: AdmittedTurn;
  /** Commits the admission: false, with nothing written, when the session changed since it was read. */
  commit: () => Promise<boolean>;
};

/**
 * Decides a turn's admission now, from the session as getOwnSession read it,
 * so that its prompt is known before anything is written: the provider can
 * start on it while the admission commits (see openEarly). Throws
 * SessionBusyError as admitTurns does. When the commit finds the session
 * changed, the turn must be admitted again with admitTurns (the prompt may
 * differ).
 */
export function planAdmission(
  caller: Caller,
  session: ChatSession,
  sent: Turn[],
  options: { hold?: boolean } = {},
): PlannedAdmission {
  const snapshot = readFrom.get(session);
  if (!snapshot) throw new Error("planAdmission takes a session as getOwnSession read it.");
  const { result, batch, committed } = turnAdmission(
    caller,
    session,
    sent,
    options,
  )(snapshot, {
    lastUpdateTime: snapshot.updateTime!,
  });
  return {
    turn: result,
    commit: async () => {
      try {
        committed!(await commitTime(batch!));
        return true;
      } catch (error) {
        if (!isChangedMeanwhile(error)) throw error;
        // Admitting again reads the session afresh.
        readFrom.delete(session);
        return false;
      }
    },
  };
}

async function commitTime(batch: WriteBatch): Promise<Timestamp> {
  const [first] = await withDeadline(batch.commit());
  return first!.writeTime;
}

/** A person's message: the web chat's turn. */
export function admitMessage(caller: Caller, session: ChatSession, text: string): Promise<AdmittedTurn> {
  return admitTurns(caller, session, [{ role: "user", content: text }]);
}

/**
 * Takes the lease to answer the last message again. The reply it replaces (if
 * the last message is one) leaves the context for the prompt; it leaves the
 * saved context and the transcript only when the new reply is saved.
 */
export async function admitRetry(caller: Caller, session: ChatSession): Promise<AdmittedTurn | null> {
  const { key } = caller;
  const sessionRef = sessions().doc(session.id);
  const leaseId = randomUUID();
  const plan = async (current: DocumentSnapshot, unchanged: Precondition) => {
    assertCanStartTurn(current);
    // Every message added also changes the session, so the precondition covers this read too.
    const newest = (await withDeadline(messages(session.id).orderBy("created_date", "desc").limit(1).get())).docs[0];
    const last = newest ? toMessage(newest, key) : null;
    const stored = storedContext(key, current);
    let turns = stored.turns;
    if (last?.role === "assistant" && turns.at(-1)?.role === "assistant") turns = turns.slice(0, -1);
    // A message saved whose reply never was (the server stopped mid-turn) may not be in the context yet.
    if (last?.role === "user" && last.content && turns.at(-1)?.content !== last.content) {
      turns = [...turns, { role: "user", content: last.content }];
    }
    if (!last || turns.at(-1)?.role !== "user") return { result: null };
    const batch = db().batch().update(sessionRef, leaseFields(leaseId), unchanged);
    const result: AdmittedTurn = {
      leaseId,
      context: { ...stored, turns },
      replaces: last.role === "assistant" ? last.id : null,
      title: null,
      held: null,
      written: null,
    };
    return { result, batch, committed: (time: Timestamp) => (result.written = time) };
  };
  return changeIfUnchanged(sessionRef, plan, readFrom.get(session));
}

/** Extends a turn's lease while its reply streams; false once the lease is no longer this turn's. */
export async function renewLease(sessionId: string, turn: AdmittedTurn): Promise<boolean> {
  const sessionRef = sessions().doc(sessionId);
  return changeIfUnchanged(sessionRef, async (current, unchanged) => {
    if (current.get("reply_lease_id") !== turn.leaseId) return { result: false };
    return {
      result: true,
      batch: db()
        .batch()
        .update(sessionRef, { reply_lease_until: leaseFields(turn.leaseId).reply_lease_until }, unchanged),
      // Only a renewal that follows the turn's own last write keeps its reply's save to one write.
      committed: (time) =>
        (turn.written = current.updateTime!.isEqual(turn.written ?? Timestamp.fromMillis(0)) ? time : null),
    };
  });
}

/** A change decided: its result, the writes that make it (none when nothing changes), and what learns their time. */
type Planned<T> = { result: T; batch?: WriteBatch; committed?: (time: Timestamp) => void };

/** gRPC's FAILED_PRECONDITION: the document changed since it was read. */
const FAILED_PRECONDITION = 9;

export function isChangedMeanwhile(error: unknown): boolean {
  return (error as { code?: unknown }).code === FAILED_PRECONDITION;
}
const CHANGE_ATTEMPTS = 5;

/**
 * Reads the session, lets `plan` decide and build its writes as a batch, and
 * commits them only if the session is still as read (`unchanged`, its update
 * time, is the precondition of the session's write); when it is not, reads
 * again and lets `plan` decide again. A compare-and-set rather than a transaction: two
 * turns racing for a session never wait on each other's locks, so the loser
 * is refused at once instead of after a lock timeout. A snapshot the caller
 * has just read (`first`) saves the first read.
 */
async function changeIfUnchanged<T>(
  sessionRef: DocumentReference,
  plan: (current: DocumentSnapshot, unchanged: Precondition) => Promise<Planned<T>>,
  first?: DocumentSnapshot,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const current = attempt === 1 && first ? first : await withDeadline(sessionRef.get());
    const { result, batch, committed } = await plan(current, { lastUpdateTime: current.updateTime! });
    if (!batch) return result;
    try {
      committed?.(await commitTime(batch));
      return result;
    } catch (error) {
      if (!isChangedMeanwhile(error) || attempt >= CHANGE_ATTEMPTS) throw error;
    }
  }
}

/** True once no turn holds the session's lease; false if one still does after `maxMs`. */
export async function waitForTurnToEnd(sessionId: string, maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const snapshot = await withDeadline(sessions().doc(sessionId).get());
    if (!snapshot.get("reply_lease_id")) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export type ReplyRecord = {
  /** Chosen before the first attempt to save, so that trying again cannot save the reply twice. */
  messageId: string;
  text: string;
  /** The functions the model called instead of, or besides, answering in text. */
  toolCalls?: ToolCall[];
  status: Exclude<MessageStatus, "superseded">;
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number };
  cost: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The condensed context after this reply, to store in messages_str. */
  context: Condensed;
  /** The turn's lease: its context is saved only while the lease is still the turn's. */
  leaseId: string;
  /** The reply this one replaces (a retry), marked superseded in the same transaction. */
  replaces?: string | null;
  /** An API call's turns, saved with its reply (see HeldTurns). */
  held?: HeldTurns | null;
  /** The session's update time after the turn's last write to it (AdmittedTurn.written). */
  written?: Timestamp | null;
  /** A summary made after this reply (coaching): counted on the session and the day, not on the message. */
  summary?: { usage: { prompt_tokens: number; completion_tokens: number }; cost: number | null } | null;
};

/** The reply's usage and any summary's, as the session and the day count them. */
function billed(reply: ReplyRecord) {
  const extra = reply.summary ?? { usage: { prompt_tokens: 0, completion_tokens: 0 }, cost: 0 };
  const prompt = reply.usage.prompt_tokens + extra.usage.prompt_tokens;
  const completion = reply.usage.completion_tokens + extra.usage.completion_tokens;
  // A summary uses the reply's model, so both have a price or neither has.
  const cost = reply.cost === null || extra.cost === null ? null : reply.cost + extra.cost;
  return { prompt, completion, tokens: prompt + completion, cost };
}

/**
 * Saves a reply (complete, interrupted or failed) with its usage, in one
 * write that ends the turn. An API call's held turns are saved in it too, and
 * its session created when it is new. While nothing but the turn itself has
 * written the session since its admission, the session is as the turn left
 * it, and the write's precondition says so: one write, no read. Otherwise (or
 * when an earlier attempt to save landed after its deadline) a transaction
 * reads it first: a session concluded meanwhile stays concluded, and a turn
 * that lost its lease (it stalled past it, and another turn began) appends
 * its turns to the context saved now instead of overwriting it.
 */
export async function recordReply(caller: Caller, session: ChatSession, reply: ReplyRecord): Promise<string> {
  const ref = messages(session.id).doc(reply.messageId);
  const held = reply.held ?? null;
  const asLeft = held?.newSession ? {} : reply.written ? { lastUpdateTime: reply.written } : null;
  if (asLeft) {
    const batch = db().batch();
    writeReply(batch, caller, session, reply, { concluded: false, context: reply.context, ours: true, asLeft });
    try {
      await withDeadline(batch.commit());
      if (held?.newSession) foldCounters(session.bot_id, held.newSession.bot.instructions.id);
      return ref.id;
    } catch (error) {
      if (!isChangedMeanwhile(error) && !isAlreadyThere(error)) throw error;
    }
  }
  const sessionRef = sessions().doc(session.id);
  await withDeadline(
    db().runTransaction(async (tx) => {
      const [current, saved] = await Promise.all([held?.newSession ? null : tx.get(sessionRef), tx.get(ref)]);
      // An earlier attempt landed after its deadline: it is saved already.
      if (saved.exists) return;
      const ours = current === null || current.get("reply_lease_id") === reply.leaseId;
      writeReply(tx, caller, session, reply, {
        concluded: current?.get("status") === STATUS.completed,
        ours,
        context: ours ? reply.context : appendTurns(storedContext(caller.key, current), held?.sent ?? [], reply),
        titled: current?.get("title") != null,
      });
    }),
  );
  if (held?.newSession) foldCounters(session.bot_id, held.newSession.bot.instructions.id);
  return ref.id;
}

/** gRPC's ALREADY_EXISTS: a document created by an earlier attempt that landed after its deadline. */
const ALREADY_EXISTS = 6;

function isAlreadyThere(error: unknown): boolean {
  return (error as { code?: unknown }).code === ALREADY_EXISTS;
}

/** The session as a reply finds it: as its turn left it (`asLeft`, the precondition saying so), or as read. */
type SessionAtReply = {
  concluded: boolean;
  /** The turn still holds the lease. */
  ours: boolean;
  /** The context to save. */
  context: Condensed;
  /** The session has a title already (when read; a turn that left it knows from its admission). */
  titled?: boolean;
  asLeft?: Precondition;
};

/** The writes of a saved reply: its held turns, the reply, the session's totals and context, the day's usage. */
function writeReply(writer: Writer, caller: Caller, session: ChatSession, reply: ReplyRecord, at: SessionAtReply) {
  const { key } = caller;
  const ref = messages(session.id).doc(reply.messageId);
  const sessionRef = sessions().doc(session.id);
  const held = reply.held ?? null;
  const { prompt, completion, tokens, cost } = billed(reply);
  if (held) addSentMessages(writer, key, session.id, held.sent, held.at);
  writer.create(ref, {
    role: "assistant",
    message: seal(key, reply.text, ref.path, "message"),
    ...(reply.toolCalls?.length
      ? { tool_calls: seal(key, JSON.stringify(reply.toolCalls), ref.path, "tool_calls") }
      : {}),
    // After the held messages, whatever the clocks say.
    created_date: held
      ? Timestamp.fromMillis(Math.max(Date.now(), held.at + held.sent.length))
      : FieldValue.serverTimestamp(),
    status: reply.status,
    model: reply.model,
    prompt_tokens: reply.usage.prompt_tokens,
    completion_tokens: reply.usage.completion_tokens,
    cost_usd: reply.cost,
    error_code: reply.errorCode,
    error_message: reply.errorMessage === null ? null : seal(key, reply.errorMessage, ref.path, "error_message"),
  });
  if (reply.replaces) writer.update(messages(session.id).doc(reply.replaces), { status: "superseded" });
  // A held turn's title was decided at its admission, from the session as it was then.
  const title = held?.title && !at.titled ? held.title : null;
  const changes = {
    messages_str: seal(key, JSON.stringify(at.context), sessionRef.path, "messages_str"),
    message_count: FieldValue.increment((reply.replaces ? 0 : 1) + (held?.sent.length ?? 0)),
    last_message_date: FieldValue.serverTimestamp(),
    last_reply_id: ref.id,
    status: at.concluded ? STATUS.completed : reply.status === "error" ? STATUS.providerError : STATUS.started,
    ...(at.ours ? leaseFields(null) : {}),
    ...(title !== null ? { title: seal(key, title, sessionRef.path, "title") } : {}),
    ...sessionUsage(prompt, completion, tokens, cost),
  };
  if (held?.newSession) {
    writer.create(sessionRef, {
      ...sessionFields(held.newSession),
      created_date: Timestamp.fromMillis(held.at),
      ...changes,
    });
    countStart(writer, held.newSession);
  } else if (at.asLeft) {
    writer.update(sessionRef, changes, at.asLeft);
  } else {
    writer.update(sessionRef, changes);
  }
  if (tokens > 0) {
    addUsage(writer, {
      userId: session.user_id,
      botId: session.bot_id,
      botName: session.bot_name,
      model: reply.model,
      tokens,
      cost,
    });
  }
}

/** A turn's usage, as increments of the session's totals. */
function sessionUsage(prompt: number, completion: number, tokens: number, cost: number | null) {
  return {
    prompt_tokens: FieldValue.increment(prompt),
    completion_tokens: FieldValue.increment(completion),
    cost_usd: FieldValue.increment(cost ?? 0),
    unpriced_tokens: FieldValue.increment(cost === null ? tokens : 0),
  };
}

/**
 * Ends an API call's turn that failed or was cut off: its held turns are
 * dropped, its lease is given back, and what the provider charged for it (if
 * anything) is counted on the session and the day. Nothing else is left.
 */
export async function abandonTurn(
  session: ChatSession,
  turn: AdmittedTurn,
  spent: { model: string; usage: { prompt_tokens: number; completion_tokens: number }; cost: number | null },
): Promise<void> {
  const tokens = spent.usage.prompt_tokens + spent.usage.completion_tokens;
  const sessionRef = sessions().doc(session.id);
  const day = {
    userId: session.user_id,
    botId: session.bot_id,
    botName: session.bot_name,
    model: spent.model,
    tokens,
    cost: spent.cost,
  };
  if (turn.held?.newSession) {
    if (tokens === 0) return;
    const batch = db().batch();
    addUsage(batch, day);
    await withDeadline(batch.commit());
    return;
  }
  await withDeadline(
    db().runTransaction(async (tx) => {
      const current = await tx.get(sessionRef);
      const ours = current.get("reply_lease_id") === turn.leaseId;
      if (!ours && tokens === 0) return;
      tx.update(sessionRef, {
        ...(ours ? leaseFields(null) : {}),
        ...(tokens > 0
          ? sessionUsage(spent.usage.prompt_tokens, spent.usage.completion_tokens, tokens, spent.cost)
          : {}),
      });
      if (tokens > 0) addUsage(tx, day);
    }),
  );
}

export function newMessageId(sessionId: string): string {
  return messages(sessionId).doc().id;
}

/** The context saved now, with a turn's sent turns and its reply after it. */
function appendTurns(context: Condensed, sent: Turn[], reply: ReplyRecord): Condensed {
  const calls = reply.toolCalls ?? [];
  const answered = reply.text || calls.length > 0;
  const turn: Turn = { role: "assistant", content: reply.text || null, ...(calls.length ? { tool_calls: calls } : {}) };
  return { ...context, turns: [...context.turns, ...sent, ...(answered ? [turn] : [])] };
}

function toMessage(doc: DocumentSnapshot, key: TranscriptKey): StoredMessage {
  const data = doc.data()!;
  return {
    id: doc.id,
    role: data.role === "user" || data.role === "tool" ? data.role : "assistant",
    content: typeof data.message === "string" ? open(key, data.message, doc.ref.path, "message") : null,
    tool_calls:
      typeof data.tool_calls === "string" ? toolCallsOf(open(key, data.tool_calls, doc.ref.path, "tool_calls")) : null,
    tool_call_id: typeof data.tool_call_id === "string" ? data.tool_call_id : null,
    status: data.status ?? "complete",
    created_date: data.created_date,
    model: data.model ?? null,
    prompt_tokens: typeof data.prompt_tokens === "number" ? data.prompt_tokens : 0,
    completion_tokens: typeof data.completion_tokens === "number" ? data.completion_tokens : 0,
    cost_usd: data.cost_usd ?? null,
    error_message:
      typeof data.error_message === "string"
        ? (open(key, data.error_message, doc.ref.path, "error_message") ?? UNREADABLE_ERROR)
        : null,
  };
}

function toolCallsOf(text: string | null): ToolCall[] | null {
  if (text === null) return null;
  const parsed = z.array(ToolCallSchema).safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}

/** One message of the caller's own session, decrypted; null for a missing one and for anyone else's. */
export async function getOwnMessage(
  caller: Caller,
  sessionId: string,
  messageId: string,
): Promise<StoredMessage | null> {
  if (!isDocId(sessionId) || !isDocId(messageId)) return null;
  const [session, message] = await Promise.all([
    withDeadline(sessions().doc(sessionId).get()),
    withDeadline(messages(sessionId).doc(messageId).get()),
  ]);
  if (!session.exists || session.get("user_id") !== caller.userId || !message.exists) return null;
  return toMessage(message, caller.key);
}

/** The transcript in order, without replies replaced by a retry. */
export async function listMessages(caller: Caller, session: ChatSession, limit = 2_000): Promise<StoredMessage[]> {
  const snapshot = await withDeadline(messages(session.id).orderBy("created_date", "asc").limit(limit).get());
  return snapshot.docs.map((doc) => toMessage(doc, caller.key)).filter((message) => message.status !== "superseded");
}

/**
 * Ends the session with its recap, and counts the end on the user, the bot
 * and its prompt. False when it was already concluded: nothing is counted twice.
 */
export async function concludeSession(
  caller: Caller,
  session: ChatSession,
  recap: {
    text: string;
    model: string;
    usage: { prompt_tokens: number; completion_tokens: number };
    cost: number | null;
  },
): Promise<boolean> {
  const { key } = caller;
  const sessionRef = sessions().doc(session.id);
  const tokens = recap.usage.prompt_tokens + recap.usage.completion_tokens;
  const ended = { sessions_ended: FieldValue.increment(1) };
  const concluded = await withDeadline(
    db().runTransaction(async (tx) => {
      if ((await tx.get(sessionRef)).get("status") === STATUS.completed) return false;
      tx.update(sessionRef, {
        recap: seal(key, recap.text, sessionRef.path, "recap"),
        status: STATUS.completed,
        prompt_tokens: FieldValue.increment(recap.usage.prompt_tokens),
        completion_tokens: FieldValue.increment(recap.usage.completion_tokens),
        cost_usd: FieldValue.increment(recap.cost ?? 0),
        unpriced_tokens: FieldValue.increment(recap.cost === null ? tokens : 0),
      });
      tx.update(db().collection("users").doc(session.user_id), ended);
      for (const counted of countedFor(session.bot_id, session.bot_initial_prompt_id)) {
        countOnShard(tx, counted, "sessions_ended");
      }
      if (tokens > 0) {
        addUsage(tx, {
          userId: session.user_id,
          botId: session.bot_id,
          botName: session.bot_name,
          model: recap.model,
          tokens,
          cost: recap.cost,
        });
      }
      return true;
    }),
  );
  if (concluded) foldCounters(session.bot_id, session.bot_initial_prompt_id);
  return concluded;
}

// The changes below take a session from getOwnSession, so ownership is checked first.

export async function rateSession(session: ChatSession, rating: "up" | "down" | null): Promise<void> {
  await withDeadline(sessions().doc(session.id).update({ rating }));
}

export async function renameSession(caller: Caller, session: ChatSession, title: string): Promise<void> {
  const { key } = caller;
  await withDeadline(
    sessions()
      .doc(session.id)
      .update({ title: seal(key, titleFrom(title), sessionPath(session.id), "title") }),
  );
}

/** Deletes the session and every message under it. */
/** A session leaving a model the key lost: `from` is the assistant's own, `refused` the one it ran, `to` the next. */
export type ModelMove = { from: string; refused: string; to: string };

/** The session runs `to` from its next turn on; the chat's note names the assistant's own model. */
export async function moveSessionModel(session: ChatSession, move: ModelMove): Promise<void> {
  await withDeadline(
    sessions().doc(session.id).update({ "bot_model_config.model": move.to, model_fallback_from: move.from }),
  );
}

export async function deleteSession(session: ChatSession): Promise<void> {
  await withDeadline(db().recursiveDelete(sessions().doc(session.id)));
}
