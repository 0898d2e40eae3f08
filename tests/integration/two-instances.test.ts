import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  newChatOver,
  readTranscript,
  sendOver,
  signInOver,
  startCluster,
  turnsOf,
  type Cluster,
} from "../setup/cluster";
import { recordReliability } from "../setup/reliability";

// Two app processes on one database, as a scaled-out deployment runs: either
// can serve any request, and the limits count what both let through
// (docs/decisions/012).

const ATTEMPTS_PER_ADDRESS = 4;
const ATTEMPTS_PER_KEY = 3;
const TURNS_PER_MINUTE = 6;

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(2, {
    // Requests say which address they come from, as a proxy in front would.
    TRUST_PROXY_HOPS: "1",
    SIGN_IN_ATTEMPTS: String(ATTEMPTS_PER_ADDRESS),
    SIGN_IN_ATTEMPTS_PER_KEY: String(ATTEMPTS_PER_KEY),
    // A day-long window, so no test here straddles two.
    SIGN_IN_WINDOW_SECONDS: "86400",
    CHAT_TURNS_PER_MINUTE: String(TURNS_PER_MINUTE),
  });
});
afterAll(() => cluster.stop());

async function untilEarlyInAMinute() {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 30_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
}

const servers = () => cluster.servers as [(typeof cluster.servers)[0], (typeof cluster.servers)[0]];

function signInAttempt(server: (typeof cluster.servers)[0], apiKey: string, address: string) {
  return fetch(`${server.url}/?index`, {
    method: "POST",
    body: new URLSearchParams({ apiKey }),
    headers: { "X-Forwarded-For": address },
    redirect: "manual",
  });
}

describe("two instances", () => {
  test("a cookie from one works on the other", async () => {
    const [first, second] = servers();
    const person = await signInOver(first);
    const page = await fetch(`${second.url}/assistants?tab=mine`, { headers: { Cookie: person.cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Sign out");
  });

  test("failed sign-ins from one address are limited across both, one after another and all at once", async () => {
    const [first, second] = servers();
    const inTurn: number[] = [];
    for (let i = 0; i < ATTEMPTS_PER_ADDRESS + 2; i += 1) {
      inTurn.push((await signInAttempt(i % 2 ? second : first, `sk-fake-rejected-${i}`, "203.0.113.10")).status);
    }
    expect(inTurn).toEqual([...Array(ATTEMPTS_PER_ADDRESS).fill(401), 429, 429]);

    // At once, the two instances together still let no more than the limit through.
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        signInAttempt(i % 2 ? second : first, `sk-fake-rejected-burst-${i}`, "203.0.113.11"),
      ),
    );
    const statuses = attempts.map((response) => response.status);
    // A burst may be refused sooner than one after another (docs/decisions/012), never later.
    const through = statuses.filter((status) => status === 401).length;
    expect(through).toBeLessThanOrEqual(ATTEMPTS_PER_ADDRESS);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10 - through);
    const refused = attempts.find((response) => response.status === 429)!;
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await refused.text()).toMatch(/Too many sign-in attempts\. Try again in \d+ (minutes?|hours?)/);
    const held =
      inTurn.filter((status, i) => status === (i < ATTEMPTS_PER_ADDRESS ? 401 : 429)).length +
      (through <= ATTEMPTS_PER_ADDRESS ? 10 : 0);
    recordReliability({
      area: "instances",
      what: "failed sign-ins from one address over two instances, in turn and at once (no more than the limit let through)",
      tried: inTurn.length + 10,
      held,
    });
  });

  test("one key tried from many addresses is limited too, and good sign-ins never use up the budget", async () => {
    const [first, second] = servers();
    const statuses: number[] = [];
    for (let i = 0; i < ATTEMPTS_PER_KEY + 2; i += 1) {
      statuses.push(
        (await signInAttempt(i % 2 ? second : first, "sk-fake-rejected-the-same-key", `198.51.100.${i}`)).status,
      );
    }
    expect(statuses).toEqual([...Array(ATTEMPTS_PER_KEY).fill(401), 429, 429]);

    // An office behind one address: many people sign in successfully, more often than the limit.
    for (let i = 0; i < ATTEMPTS_PER_ADDRESS * 2; i += 1) {
      expect((await signInAttempt(i % 2 ? second : first, `sk-test-office-${i}`, "192.0.2.77")).status).toBe(302);
    }
  });

  test("chat turns are limited per person across both", { timeout: 90_000 }, async () => {
    const [first, second] = servers();
    const person = await signInOver(first);
    const sessionId = await newChatOver(first, person);
    // The window is a calendar minute: start early in one, so the run does not straddle two.
    await untilEarlyInAMinute();
    const statuses: number[] = [];
    for (let turn = 0; turn < TURNS_PER_MINUTE + 2; turn += 1) {
      statuses.push((await sendOver(turn % 2 ? second : first, person, sessionId, `turn ${turn}`)).status);
    }
    expect(statuses).toEqual([...Array(TURNS_PER_MINUTE).fill(200), 429, 429]);
    recordReliability({
      area: "instances",
      what: "chat turns over the per-minute limit, alternating two instances (refused)",
      tried: 2,
      held: statuses.filter((status) => status === 429).length,
    });
  });

  test("a conversation that alternates between them loses nothing", async () => {
    const [first, second] = servers();
    const person = await signInOver(second);
    const sessionId = await newChatOver(second, person);
    const turns = TURNS_PER_MINUTE;
    for (let turn = 0; turn < turns; turn += 1) {
      expect((await sendOver(turn % 2 ? second : first, person, sessionId, `alternating ${turn}`)).status).toBe(200);
    }
    const transcript = await readTranscript(cluster.firestore, person, sessionId);
    expect(transcript.messages).toHaveLength(turns * 2);
    expect(transcript.messages.filter((message) => message.role === "user").map((message) => message.content)).toEqual(
      Array.from({ length: turns }, (_, turn) => `alternating ${turn}`),
    );
    expect(transcript.context).toEqual(turnsOf(transcript));
    recordReliability({
      area: "instances",
      what: "a conversation alternating between two instances (messages kept)",
      tried: turns * 2,
      held: transcript.messages.length,
      lost: turns * 2 - transcript.messages.length,
    });
  });
});
