// In-process figures, run as its own process by bench/run.ts (`tsx bench/firestore-per-turn.ts`) on
// the run's emulator: the Firestore round trips a turn waits for before the provider is called, and
// the reads, writes and bytes written per turn at turns 1, 50 and 200 of one session. Prints one
// line, "RESULT {json}".
import { randomUUID } from "node:crypto";
import { DocumentReference, Firestore, Query, Transaction, WriteBatch } from "firebase-admin/firestore";
import { startFakeProvider } from "../tests/fakes/openai-server.ts";

const quick = process.argv.includes("--quick");
const fake = await startFakeProvider({ chunkDelayMs: 0 });
Object.assign(process.env, {
  NODE_ENV: "production",
  GOOGLE_CLOUD_PROJECT: `demo-bench-turns-${randomUUID().slice(0, 8)}`,
  OPENAI_BASE_URL: fake.url,
  CHAT_TURNS_PER_MINUTE: "100000",
  SESSION_SECRETS: "bench-session-secret-0123456789abcdef0123",
  USER_HASH_SECRET: "bench-user-hash-secret-0123456789abcdef0123",
  ENCRYPTION_SECRET: "bench-encryption-secret-0123456789abcdef0123",
});

/** Every Firestore operation the app makes, counted at the client library's surface. */
const counts = { readCalls: 0, documentsRead: 0, writeCalls: 0, documentsWritten: 0, bytesWritten: 0, contextBytes: 0 };
function countFirestore() {
  const getAll = Firestore.prototype.getAll;
  Firestore.prototype.getAll = function (this: Firestore, ...refs: Parameters<Firestore["getAll"]>) {
    counts.readCalls += 1;
    counts.documentsRead += refs.filter((ref) => ref instanceof DocumentReference).length;
    return getAll.apply(this, refs);
  };
  const queryGet = Query.prototype.get;
  Query.prototype.get = async function (this: Query) {
    counts.readCalls += 1;
    const snapshot = await queryGet.apply(this);
    counts.documentsRead += Math.max(1, snapshot.size); // an empty query is billed one read
    return snapshot;
  };
  const txGet = Transaction.prototype.get;
  Transaction.prototype.get = function (this: Transaction, ...args: Parameters<Transaction["get"]>) {
    counts.readCalls += 1;
    counts.documentsRead += 1;
    return txGet.apply(this, args);
  } as Transaction["get"];
  for (const method of ["create", "set", "update"] as const) {
    const original = WriteBatch.prototype[method] as (...args: unknown[]) => WriteBatch;
    (WriteBatch.prototype as unknown as Record<string, unknown>)[method] = function (this: WriteBatch, ...args: unknown[]) {
      counts.documentsWritten += 1;
      counts.bytesWritten += sizeOf(args[0] as DocumentReference, args[1]);
      const context = (args[1] as { messages_str?: unknown } | undefined)?.messages_str;
      if (typeof context === "string") counts.contextBytes += context.length;
      return original.apply(this, args);
    };
  }
  const commit = WriteBatch.prototype.commit;
  WriteBatch.prototype.commit = function (this: WriteBatch) {
    counts.writeCalls += 1;
    return commit.apply(this);
  };
  const runTransaction = Firestore.prototype.runTransaction;
  Firestore.prototype.runTransaction = function (this: Firestore, ...args: Parameters<Firestore["runTransaction"]>) {
    counts.writeCalls += 1;
    return runTransaction.apply(this, args);
  } as Firestore["runTransaction"];
}

/** A document's size as Firestore counts storage, near enough: its path and its fields' names and values. */
function sizeOf(ref: DocumentReference, data: unknown): number {
  return ref.path.length + 16 + JSON.stringify(data ?? {}, (_key, value) => (typeof value === "object" && value?.constructor?.name?.includes("Transform") ? 8 : value)).length;
}

countFirestore();
const { observeFirestoreCalls } = await import("~/utils/db.server");
const { signedInPerson } = await import("../tests/setup/people.ts");
const { assistantInput } = await import("../tests/setup/assistant-input.ts");
const { createBot } = await import("~/models/bots.server");
const { action: startChat } = await import("~/routes/assistants.$botId.chat");
const { action: chat } = await import("~/routes/api.chat");
const { action: completions } = await import("~/routes/v1.chat.completions");

const person = await signedInPerson();
const botId = await createBot(person.caller, assistantInput({ name: "Bench", max_tokens: "1000", session_type: "2" }));

async function newWebSession(): Promise<string> {
  const started = (await startChat({ request: person.form(`/assistants/${botId}/chat`, {}), params: { botId }, context: {} }).catch(
    (thrown: unknown) => thrown,
  )) as Response;
  return started.headers.get("Location")!.replace("/sessions/", "");
}

async function webTurn(sessionId: string, message: string) {
  const response = (await chat({
    request: person.request("/api/chat", {
      method: "POST",
      body: JSON.stringify({ mode: "session", sessionId, message }),
      headers: { "Content-Type": "application/json" },
    }),
    params: {},
    context: {},
  })) as Response;
  const text = await response.text();
  if (response.status !== 200 || !text.includes("event: done")) throw new Error(`A web turn failed: ${response.status}`);
}

async function apiTurn(sessionId?: string): Promise<string> {
  const response = (await completions({
    request: new Request("http://localhost/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ model: botId, stream: true, messages: [{ role: "user", content: "Hello" }] }),
      headers: {
        Authorization: `Bearer ${person.apiKey}`,
        "Content-Type": "application/json",
        ...(sessionId ? { "X-Session-Id": sessionId } : {}),
      },
    }),
    params: {},
    context: { clientAddress: "127.0.0.1" },
  })) as Response;
  await response.text();
  if (response.status !== 200) throw new Error(`An API turn failed: ${response.status}`);
  return response.headers.get("X-Session-Id")!;
}

/** Round trips waited for one after another before the provider was called: each made this much slower. */
const LATENCY_MS = 100;
async function sequentialBeforeProvider(turn: () => Promise<unknown>): Promise<number> {
  const seen = fake.requests.length;
  const stop = observeFirestoreCalls(() => undefined, LATENCY_MS);
  const started = performance.now();
  await turn();
  stop();
  const arrival = fake.requests.slice(seen).find((request) => request.path === "/v1/chat/completions")!.at;
  return Math.round((arrival - started) / LATENCY_MS);
}

const roundTrips = {
  web: 0,
  apiContinuing: 0,
  apiNew: 0,
};
{
  const sessionId = await newWebSession();
  await webTurn(sessionId, "warm up");
  roundTrips.web = await sequentialBeforeProvider(() => webTurn(sessionId, "count"));
  const apiSession = await apiTurn();
  roundTrips.apiContinuing = await sequentialBeforeProvider(() => apiTurn(apiSession));
  roundTrips.apiNew = await sequentialBeforeProvider(() => apiTurn());
}

/** The operations of one web turn, read off the counters. */
async function countedTurn(sessionId: string, index: number) {
  Object.assign(counts, { readCalls: 0, documentsRead: 0, writeCalls: 0, documentsWritten: 0, bytesWritten: 0, contextBytes: 0 });
  await webTurn(sessionId, `Turn ${index}: tell me more about the plan, step by step.`);
  return { turn: index, ...counts };
}

const checkpoints = quick ? [1, 20, 50] : [1, 50, 200];
const perTurn = [];
{
  const sessionId = await newWebSession();
  for (let turn = 1; turn <= checkpoints.at(-1)!; turn += 1) {
    if (checkpoints.includes(turn)) perTurn.push(await countedTurn(sessionId, turn));
    else await webTurn(sessionId, `Turn ${turn}: tell me more about the plan, step by step.`);
  }
}

await fake.close();
console.log(`RESULT ${JSON.stringify({ roundTrips, perTurn })}`);
process.exit(0);
