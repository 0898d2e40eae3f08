import { afterEach, describe, expect, test } from "vitest";
import { action as completions } from "~/routes/v1.chat.completions";
import { observeFirestoreCalls, type FirestoreCall } from "~/utils/db.server";
import { createTestBot, say, startSessionFor } from "../setup/chat";
import { fakeProvider } from "../setup/integration";
import { signedInPerson, type Person } from "../setup/people";

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

function apiCall(person: Person, body: unknown, sessionId?: string) {
  return completions({
    request: new Request("http://localhost/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify(body),
      headers: {
        Authorization: `Bearer ${person.apiKey}`,
        "Content-Type": "application/json",
        ...(sessionId ? { "X-Session-Id": sessionId } : {}),
      },
    }),
    params: {},
    context: { clientAddress: "127.0.0.1" },
  });
}

async function readAll(response: Response) {
  expect(response.status).toBe(200);
  await response.text();
  return response;
}

describe("Firestore round trips per turn", () => {
  test("a web turn", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "2" });
    const sessionId = await startSessionFor(person, bot.id);
    await say(person, sessionId, "Warm up");
    const calls = await countCalls(person.apiKey, () => say(person, sessionId, "Count my round trips"));
    console.log(`web turn: ${JSON.stringify(calls)}`);
    // Before the chat engine: 6 calls, 5 before the provider, all 5 one after another.
    expect(calls).toEqual({ total: 5, beforeProvider: 4, sequentialBeforeProvider: 3 });
  });

  test("an API turn continuing a session", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "2" });
    const first = await readAll(
      (await apiCall(person, { model: bot.id, messages: [{ role: "user", content: "Hi" }] })) as Response,
    );
    const sessionId = first.headers.get("X-Session-Id")!;
    const calls = await countCalls(person.apiKey, async () =>
      readAll(
        (await apiCall(
          person,
          { model: bot.id, messages: [{ role: "user", content: "Again" }] },
          sessionId,
        )) as Response,
      ),
    );
    console.log(`API turn, continued session: ${JSON.stringify(calls)}`);
    // Before the chat engine: 10 calls, 9 before the provider, all 9 one after another.
    expect(calls).toEqual({ total: 6, beforeProvider: 5, sequentialBeforeProvider: 3 });
  });

  test("an API turn starting a session", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "2" });
    const calls = await countCalls(person.apiKey, async () =>
      readAll(
        (await apiCall(person, {
          model: bot.id,
          stream: true,
          messages: [{ role: "user", content: "Hi" }],
        })) as Response,
      ),
    );
    console.log(`API turn, new session: ${JSON.stringify(calls)}`);
    // Before the chat engine: 13 calls, 12 before the provider, all 12 one after another. The session is created
    // with its first reply, so nothing is written before the provider is called.
    expect(calls).toEqual({ total: 6, beforeProvider: 5, sequentialBeforeProvider: 2 });
  });
});
