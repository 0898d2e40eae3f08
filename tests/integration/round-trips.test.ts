import { afterEach, describe, expect, test } from "vitest";
import { observeFirestoreCalls, type FirestoreCall } from "~/utils/db.server";
import { readChatEvents } from "~/chat/events";
import {
  apiCompletion,
  chat,
  chatRequest,
  createTestBot,
  say,
  settleStartCounters,
  startSessionFor,
  transcriptOf,
} from "../setup/chat";
import { fakeProvider } from "../setup/integration";
import { signedInPerson } from "../setup/people";

// How many Firestore calls a turn makes, and how many of them the person waits
// for one after another before the provider is even called: at 100 concurrent
// chats each round trip costs tens of milliseconds of their first token. The
// figures before and after the chat engine are in docs/decisions/019.

type TurnCalls = {
  /** Every Firestore call from the request to the end of the reply. */
  total: number;
  /** Calls made before the provider received the request. */
  beforeProvider: number;
  /** Of those, how many the request waited for one after another. */
  sequentialBeforeProvider: number;
};

/**
 * Each Firestore call is made this much slower while a turn is counted, so
 * the time to the provider's request tells the round trips waited for one
 * after another: calls made together add it once. Large against everything
 * else a turn does before the provider (decrypting, sealing: a few ms).
 */
const LATENCY_MS = 150;

let stopObserving = () => {};
afterEach(() => stopObserving());

/** Runs one turn and counts its Firestore calls against the provider's arrival. */
async function countCalls(apiKey: string, turn: () => Promise<unknown>): Promise<TurnCalls> {
  const calls: FirestoreCall[] = [];
  stopObserving = observeFirestoreCalls((call) => calls.push(call), LATENCY_MS);
  const seen = fakeProvider.requests.length;
  const started = performance.now();
  await turn();
  stopObserving();
  const providerCall = fakeProvider.requests
    .slice(seen)
    .find((request) => request.apiKey === apiKey && request.path === "/v1/chat/completions");
  expect(providerCall, "the turn called the provider").toBeDefined();
  const before = calls.filter((call) => call.startedAt < providerCall!.at);
  return {
    total: calls.length,
    beforeProvider: before.length,
    sequentialBeforeProvider: Math.round((providerCall!.at - started) / LATENCY_MS),
  };
}

async function readAll(response: Response) {
  expect(response.status).toBe(200);
  await response.text();
  return response;
}

describe("Firestore round trips per turn", () => {
  // Only the reads that build the prompt stand before the provider call: the rate limit and the admission's
  // commit run alongside it (and the reply is read only once they are done, see the test below).
  test("a web turn", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "2" });
    const sessionId = await startSessionFor(person, bot.id);
    await say(person, sessionId, "Warm up");
    const calls = await countCalls(person.apiKey, () => say(person, sessionId, "Count my round trips"));
    console.log(`web turn: ${JSON.stringify(calls)}`);
    // Before the chat engine: 6 calls, 5 before the provider, all 5 one after another. Before issue 12: 5, 4, 3.
    // Now: the session read, the limit's write and read, the admission's commit, and the reply's one write.
    expect(calls.total).toBe(5);
    expect(calls.sequentialBeforeProvider).toBe(1);
  });

  test("an API turn continuing a session", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "2" });
    const first = await readAll(
      (await apiCompletion(person, { model: bot.id, messages: [{ role: "user", content: "Hi" }] })) as Response,
    );
    const sessionId = first.headers.get("X-Session-Id")!;
    await settleStartCounters(bot.id);
    const calls = await countCalls(person.apiKey, async () =>
      readAll(
        (await apiCompletion(
          person,
          { model: bot.id, messages: [{ role: "user", content: "Again" }] },
          sessionId,
        )) as Response,
      ),
    );
    console.log(`API turn, continued session: ${JSON.stringify(calls)}`);
    // Before the chat engine: 10 calls, 9 before the provider, all 9 one after another. Before issue 12: 6, 5, 3.
    // Now: the session read (the caller is known from the first call), the limit's two, the lease, the reply's one.
    expect(calls.total).toBe(5);
    expect(calls.sequentialBeforeProvider).toBe(1);
  });

  test("an API turn starting a session", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "2" });
    const newSession = async () =>
      readAll(
        (await apiCompletion(person, {
          model: bot.id,
          stream: true,
          messages: [{ role: "user", content: "Hi" }],
        })) as Response,
      );
    await newSession();
    await settleStartCounters(bot.id);
    const calls = await countCalls(person.apiKey, newSession);
    console.log(`API turn, new session: ${JSON.stringify(calls)}`);
    // Before the chat engine: 13 calls, 12 before the provider, all 12 one after another. Before issue 12: 6, 5, 2.
    // Now: the assistant's document (its active versions and the caller are known from the first call), the
    // limit's two, and the session created with its first reply in one write.
    expect(calls.total).toBe(4);
    expect(calls.sequentialBeforeProvider).toBe(1);
  });

  test("the provider starts before the turn is admitted, and nothing of the reply is read until it is", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "2" });
    const sessionId = await startSessionFor(person, bot.id);
    await say(person, sessionId, "Warm up");
    const calls: FirestoreCall[] = [];
    stopObserving = observeFirestoreCalls((call) => calls.push(call), LATENCY_MS);
    const seen = fakeProvider.requests.length;
    const response = (await chat({
      request: chatRequest(person, { mode: "session", sessionId, message: "Overlap me" }),
      params: {},
      context: {},
    })) as Response;
    let firstText = 0;
    for await (const event of readChatEvents(response.body!)) {
      if (event.type === "delta" && !firstText) firstText = performance.now();
    }
    stopObserving();
    const providerAt = fakeProvider.requests.slice(seen).find((request) => request.apiKey === person.apiKey)!.at;
    // The admission's commit is the last call to end before the reply's text (the reply's own save comes after).
    const admitted = calls.filter((call) => call.endedAt < firstText).at(-1)!;
    expect(providerAt).toBeLessThan(admitted.startedAt);
    expect(firstText).toBeGreaterThan(admitted.endedAt);
    const messages = await transcriptOf(person, sessionId);
    expect(messages.map((message) => message.content).slice(-2)).toEqual(["Overlap me", expect.any(String)]);
  });
});
