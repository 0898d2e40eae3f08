import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ChatEvent } from "~/chat/events";
import { readChatEvents } from "~/chat/events";
import { startEmulator, type Emulator } from "../../scripts/emulator";
import { startAppServer, type AppServer, thisProcessSecrets } from "../setup/app-server";
import { newChatOver, readTranscript, sendOver, signInOver, type WebPerson } from "../setup/cluster";
import { fakeProvider } from "../setup/integration";
import { recordReliability } from "../setup/reliability";
import { deleteApp, initializeApp, type App } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";

// The database freezes (SIGSTOP) and then dies, under a running server
// (docs/decisions/014): every request answers within its deadline, the server
// uses the database again by itself once it is back, and nothing it
// acknowledged is lost.

const DEADLINE_MS = 1_500;
/** A request makes a few Firestore calls in a row, each bounded; none may take longer than this in all. */
const ANSWER_WITHIN_MS = 4 * DEADLINE_MS;
const PROJECT = "demo-faults";

let emulator: Emulator;
let server: AppServer;
let dataDir: string;
let port: number;
let person: WebPerson;
let sessionId: string;
const tried: { what: string; ok: boolean }[] = [];

async function startOwnEmulator() {
  return startEmulator({ port, dataDir, project: PROJECT });
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "faults-"));
  port = 0;
  emulator = await startOwnEmulator();
  port = Number(emulator.host.split(":")[1]);
  const secrets = thisProcessSecrets();
  server = await startAppServer({
    ...secrets,
    OPENAI_BASE_URL: fakeProvider.url,
    FIRESTORE_EMULATOR_HOST: emulator.host,
    GOOGLE_CLOUD_PROJECT: PROJECT,
    FIRESTORE_DEADLINE_MS: String(DEADLINE_MS),
  });
  person = await signInOver(server);
  sessionId = await newChatOver(server, person);
  expect((await sendOver(server, person, sessionId, "acknowledged before the fault")).status).toBe(200);
}, 120_000);

afterAll(async () => {
  emulator.resume();
  await server.stop();
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
  const held = tried.filter((attempt) => attempt.ok).length;
  recordReliability({
    area: "faults",
    what: "requests while Firestore was frozen or down (answered in time, 503 with a message)",
    tried: tried.length,
    held,
  });
});

/** A request while the database is out: it must answer 503 with a message, in time. */
async function expectOutageAnswer(what: string, request: () => Promise<Response>, shape: "json" | "page") {
  const started = performance.now();
  const response = await request();
  const elapsed = performance.now() - started;
  const body = await response.text();
  const ok =
    response.status === 503 &&
    elapsed < ANSWER_WITHIN_MS &&
    response.headers.get("Retry-After") !== null &&
    (shape === "json" ? Boolean(JSON.parse(body).error?.message) : body.includes("did not answer in time"));
  tried.push({ what, ok });
  expect({ what, status: response.status, inTime: elapsed < ANSWER_WITHIN_MS, ok }).toEqual({
    what,
    status: 503,
    inTime: true,
    ok: true,
  });
}

function outageRequests() {
  const cookie = { Cookie: person.cookie };
  return [
    expectOutageAnswer(
      "sign-in",
      () =>
        fetch(`${server.url}/?index`, {
          method: "POST",
          body: new URLSearchParams({ apiKey: "sk-test-during-outage" }),
        }),
      "page",
    ),
    expectOutageAnswer("a chat page", () => fetch(`${server.url}/sessions/${sessionId}`, { headers: cookie }), "page"),
    expectOutageAnswer("the history page", () => fetch(`${server.url}/sessions`, { headers: cookie }), "page"),
    expectOutageAnswer(
      "a chat turn",
      () =>
        fetch(`${server.url}/api/chat`, {
          method: "POST",
          headers: { ...cookie, "Content-Type": "application/json" },
          body: JSON.stringify({ mode: "session", sessionId, message: "during the outage" }),
        }),
      "json",
    ),
    expectOutageAnswer(
      "GET /v1/models",
      () => fetch(`${server.url}/v1/models`, { headers: { Authorization: `Bearer ${person.apiKey}` } }),
      "json",
    ),
  ];
}

/** How long until the server answers a page from the database again. */
async function recoveryTime(): Promise<number> {
  const started = performance.now();
  for (;;) {
    const response = await fetch(`${server.url}/sessions/${sessionId}`, { headers: { Cookie: person.cookie } });
    if (response.status === 200) return performance.now() - started;
    expect(performance.now() - started).toBeLessThan(15_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("Firestore stops answering (the emulator is frozen)", () => {
  test("a reply that streamed while it froze ends with an error saying it was not saved, in bounded time", async () => {
    const response = await fetch(`${server.url}/api/chat`, {
      method: "POST",
      headers: { Cookie: person.cookie, "Content-Type": "application/json" },
      body: JSON.stringify({ mode: "session", sessionId, message: "[fake:slow] streamed as it froze" }),
    });
    expect(response.status).toBe(200);
    const reader = readChatEvents(response.body!)[Symbol.asyncIterator]();
    expect((await reader.next()).value).toMatchObject({ type: "delta" });
    emulator.pause();
    const rest: ChatEvent[] = [];
    let lastWords = performance.now();
    for (let next = await reader.next(); !next.done; next = await reader.next()) {
      rest.push(next.value);
      if (next.value.type === "delta") lastWords = performance.now();
    }
    const savingFor = performance.now() - lastWords;
    expect(rest.find((event) => event.type === "error")).toMatchObject({ error: { code: "not_saved" } });
    expect(rest.at(-1)).toMatchObject({ type: "done" });
    // After the reply's last words: three attempts to save, each bounded by the deadline, with pauses between.
    expect(savingFor).toBeLessThan(3 * DEADLINE_MS + 1_500 + 2_000);
    tried.push({ what: "a reply streaming as it froze", ok: true });
  }, 60_000);

  test("sign-in, pages, a chat turn and /v1 answer 503 with a message within their deadline", async () => {
    await Promise.all(outageRequests());
  }, 60_000);

  test("once it thaws, the server uses it again by itself, and what it acknowledged is there", async () => {
    emulator.resume();
    const recovered = await recoveryTime();
    expect(recovered).toBeLessThan(10_000);
    const transcript = await readOwnTranscript();
    expect(transcript.messages.map((message) => message.content)).toContain("acknowledged before the fault");
    expect(transcript.messages.map((message) => message.content)).toContain("[fake:slow] streamed as it froze");
    expect(transcript.messages.map((message) => message.content)).not.toContain("during the outage");
  }, 60_000);
});

describe("Firestore goes away (the emulator is stopped) and comes back", () => {
  test("while it is down, every request answers 503 in time; once it is back, the server recovers without a restart and nothing acknowledged is lost", async () => {
    // Everything acknowledged so far goes into the snapshot the new emulator starts from.
    await waitForLeaseToEnd();
    const turn = await sendOver(server, person, sessionId, "acknowledged before it went away");
    expect(turn.status).toBe(200);
    await emulator.save();
    await emulator.stop();

    await Promise.all(outageRequests());

    emulator = await startOwnEmulator();
    const recovered = await recoveryTime();
    expect(recovered).toBeLessThan(10_000);
    const transcript = await readOwnTranscript();
    expect(transcript.messages.map((message) => message.content)).toEqual(
      expect.arrayContaining(["acknowledged before the fault", "acknowledged before it went away"]),
    );
    expect((await sendOver(server, person, sessionId, "after it came back")).status).toBe(200);
    recordReliability({
      area: "faults",
      what: "Firestore frozen, then stopped and restarted, under a running server (acknowledged messages lost)",
      tried: 2,
      held: 2,
      lost: 0,
    });
  }, 120_000);
});

async function readOwnTranscript() {
  const app: App = initializeApp({ projectId: PROJECT }, `faults-${Date.now()}`);
  const previous = process.env.FIRESTORE_EMULATOR_HOST;
  try {
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    return await readTranscript(getFirestore(app), person, sessionId);
  } finally {
    process.env.FIRESTORE_EMULATOR_HOST = previous;
    await deleteApp(app);
  }
}

/** The turn cut by the freeze holds its lease until it runs out or its late save lands. */
async function waitForLeaseToEnd() {
  for (let i = 0; i < 120; i += 1) {
    const probe = await sendOver(server, person, sessionId, `probe ${i}`);
    if (probe.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
