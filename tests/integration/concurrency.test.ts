import { turnText } from "~/schemas/context";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admitMessage, getOwnSession, sessions } from "~/models/sessions.server";
import { readChatEvents } from "~/chat/events";
import { chat, chatRequest, createTestBot, replyText, say, startSessionFor, transcriptOf } from "../setup/chat";
import {
  newChatOver,
  openTurn,
  readTranscript,
  sendOver,
  signInOver,
  startCluster,
  stopTurn,
  turnsOf,
  type Cluster,
} from "../setup/cluster";
import { run, signedInPerson } from "../setup/people";
import { recordReliability } from "../setup/reliability";

// One turn at a time per session, across processes (docs/decisions/013): two
// sends at once admit exactly one, and the saved context never loses a
// message that the transcript keeps.

const TRIALS = 20;

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(2);
});
afterAll(() => cluster.stop());

describe("two sends to one session at the same moment", () => {
  test(
    `on one process, ${TRIALS} times: one is admitted, one refused, and the context keeps every turn`,
    { timeout: 120_000 },
    async () => {
      const person = await signedInPerson();
      const bot = await createTestBot(person, { session_type: "2" });
      let held = 0;
      for (let trial = 0; trial < TRIALS; trial += 1) {
        const sessionId = await startSessionFor(person, bot.id);
        await say(person, sessionId, `opening ${trial}`);
        // A thrown Response (the refusal) is an answer like a returned one.
        const stop = new AbortController();
        const send = (text: string) =>
          chat({
            request: chatRequest(person, { mode: "session", sessionId, message: text }, stop.signal),
            params: {},
            context: {},
          }).catch((thrown: unknown) => thrown) as Promise<Response>;
        // Slow replies: the admitted turn is still being written when the other one is decided.
        const responses = await Promise.all([send(`[fake:slow] left ${trial}`), send(`[fake:slow] right ${trial}`)]);
        expect(responses.map((response) => response.status).sort()).toEqual([200, 409]);
        expect(await responses.find((response) => response.status === 409)!.json()).toMatchObject({
          error: { code: "session_busy" },
        });
        await stopAfterFirstWords(
          responses.find((response) => response.status === 200)!,
          stop,
        );
        await untilSaved(sessionId, 4);
        const session = (await getOwnSession(person.caller, sessionId))!;
        const transcript = (await transcriptOf(person, sessionId))
          .filter((message) => message.content)
          .map(({ role, content }) => ({ role, content }));
        expect(transcript).toHaveLength(4);
        expect(session.context.turns).toEqual(transcript);
        held += 1;
      }
      recordReliability({
        area: "concurrency",
        what: "two sends to one session at once, one process",
        tried: TRIALS,
        held,
        lost: 0,
      });
    },
  );

  test(
    `on two processes, ${TRIALS} times: one is admitted, one refused, and the context keeps every turn`,
    { timeout: 120_000 },
    async () => {
      const [first, second] = cluster.servers as [(typeof cluster.servers)[0], (typeof cluster.servers)[0]];
      const person = await signInOver(first);
      let held = 0;
      let lost = 0;
      for (let trial = 0; trial < TRIALS; trial += 1) {
        const sessionId = await newChatOver(first, person);
        expect((await sendOver(second, person, sessionId, `opening ${trial}`)).status).toBe(200);
        // Slow replies, stopped only once both answers are in: the admitted turn is still being
        // written when the other is decided, however long Firestore takes to decide it.
        const turns = await Promise.all([
          openTurn(first, person, sessionId, `[fake:slow] left ${trial}`),
          openTurn(second, person, sessionId, `[fake:slow] right ${trial}`),
        ]);
        expect(turns.map((turn) => turn.status).sort()).toEqual([200, 409]);
        expect(turns.find((turn) => turn.status === 409)!.body).toMatchObject({ error: { code: "session_busy" } });
        const admitted = turns.findIndex((turn) => turn.status === 200);
        await stopTurn(admitted === 0 ? first : second, person, sessionId, turns[admitted]!);
        expect((await sendOver(first, person, sessionId, `after ${trial}`)).status).toBe(200);

        const transcript = await readTranscript(cluster.firestore, person, sessionId);
        expect(transcript.messages).toHaveLength(6);
        const missing = turnsOf(transcript).filter(
          (turn) => !transcript.context.some((kept) => kept.content === turn.content),
        );
        lost += missing.length;
        expect(transcript.context).toEqual(turnsOf(transcript));
        held += 1;
      }
      recordReliability({
        area: "concurrency",
        what: "two sends to one session at once, two processes",
        tried: TRIALS,
        held,
        lost,
      });
    },
  );
});

describe("two sends to one session with replies that finish at once", () => {
  test(
    `on two processes, ${TRIALS} times: whatever is admitted, the saved context keeps every turn the transcript has`,
    { timeout: 120_000 },
    async () => {
      // The race that used to lose messages: the second send is decided after the first reply
      // is already saved, and must then see it in the context rather than what it read before.
      const [first, second] = cluster.servers as [(typeof cluster.servers)[0], (typeof cluster.servers)[0]];
      const person = await signInOver(second);
      let held = 0;
      let lost = 0;
      for (let trial = 0; trial < TRIALS; trial += 1) {
        const sessionId = await newChatOver(second, person);
        expect((await sendOver(first, person, sessionId, `opening ${trial}`)).status).toBe(200);
        const results = await Promise.all([
          sendOver(first, person, sessionId, `left ${trial}`),
          sendOver(second, person, sessionId, `right ${trial}`),
        ]);
        for (const result of results) {
          expect([200, 409]).toContain(result.status);
          if (result.status === 409) expect(result.body).toMatchObject({ error: { code: "session_busy" } });
        }
        const transcript = await readTranscript(cluster.firestore, person, sessionId);
        const admitted = results.filter((result) => result.status === 200).length;
        expect(transcript.messages).toHaveLength(2 + 2 * admitted);
        const missing = turnsOf(transcript).filter(
          (turn) => !transcript.context.some((kept) => kept.content === turn.content),
        );
        lost += missing.length;
        expect(transcript.context).toEqual(turnsOf(transcript));
        held += 1;
      }
      recordReliability({
        area: "concurrency",
        what: "two sends to one session at once with fast replies, two processes (context keeps the transcript)",
        tried: TRIALS,
        held,
        lost,
      });
    },
  );
});

describe("a turn whose server died mid-reply", () => {
  test(
    "on another server, the next message is told how long to wait, and goes through once the lease runs out",
    { timeout: 90_000 },
    async () => {
      const crashing = await startCluster(2);
      try {
        const [doomed, survivor] = crashing.servers as [(typeof crashing.servers)[0], (typeof crashing.servers)[0]];
        const person = await signInOver(survivor);
        const sessionId = await newChatOver(survivor, person);
        const turn = await openTurn(doomed, person, sessionId, "[fake:slow] asked just before the crash");
        expect(turn.status).toBe(200);
        process.kill(doomed.pid, "SIGKILL");
        await turn.stop.abort();

        const refused = await sendOver(survivor, person, sessionId, "are you there?");
        expect(refused.status).toBe(409);
        expect(refused.body).toMatchObject({
          error: { code: "session_busy", message: expect.stringMatching(/at most \d+ seconds/) },
        });
        const wait = Number(
          /at most (\d+) seconds/.exec((refused.body as { error: { message: string } }).error.message)![1],
        );
        expect(wait).toBeLessThanOrEqual(20);
        await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 500));

        const answered = await sendOver(survivor, person, sessionId, "are you there?");
        expect(answered.status).toBe(200);
        const transcript = await readTranscript(crashing.firestore, person, sessionId);
        expect(transcript.context.map((turn) => turn.content.slice(0, 24))).toEqual([
          "[fake:slow] asked just b",
          "are you there?",
          expect.stringContaining("Thanks for asking"),
        ]);
        recordReliability({
          area: "process",
          what: "a server killed mid-reply (the session frees itself within its lease)",
          tried: 1,
          held: 1,
          lost: 0,
        });
      } finally {
        await crashing.stop();
      }
    },
  );

  test("the next message is told how long to wait, and goes through once the lease runs out", async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { session_type: "2" });
    const sessionId = await startSessionFor(person, bot.id);
    // A server admits a turn and dies before it answers: nothing renews or ends its lease.
    await admitMessage(person.caller, (await getOwnSession(person.caller, sessionId))!, "orphaned question");

    const refused = await run(() =>
      chat({
        request: chatRequest(person, { mode: "session", sessionId, message: "are you there?" }),
        params: {},
        context: {},
      }),
    );
    expect(refused.status).toBe(409);
    const wait = Number(refused.headers.get("Retry-After"));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(20);
    expect(refused.data).toMatchObject({ error: { message: expect.stringMatching(/at most \d+ seconds/) } });

    // Twenty seconds later, as far as the lease can tell.
    await sessions()
      .doc(sessionId)
      .update({ reply_lease_until: new Date(Date.now() - 1_000) });
    expect(replyText(await say(person, sessionId, "are you there?"))).toContain("are you there?");
    const session = (await getOwnSession(person.caller, sessionId))!;
    expect(session.context.turns.map((turn) => turnText(turn).slice(0, 20))).toEqual([
      "orphaned question",
      "are you there?",
      expect.stringContaining("Thanks for asking"),
    ]);
  });
});

describe("a hundred people chatting at once", () => {
  const PEOPLE = 100;
  const TURNS = 20;

  test(
    `${PEOPLE} people × ${TURNS} turns over two processes: every message is stored, in its own person's session`,
    { timeout: 240_000 },
    async () => {
      const [first, second] = cluster.servers as [(typeof cluster.servers)[0], (typeof cluster.servers)[0]];
      const people = await Promise.all(
        Array.from({ length: PEOPLE }, async (_, index) => {
          const server = index % 2 ? second : first;
          const person = await signInOver(server);
          return { index, person, sessionId: await newChatOver(server, person) };
        }),
      );
      let refused = 0;
      await Promise.all(
        people.map(async ({ index, person, sessionId }) => {
          for (let turn = 0; turn < TURNS; turn += 1) {
            // Each turn goes to either process, as a load balancer would send it.
            const server = (index + turn) % 2 ? second : first;
            const result = await sendOver(server, person, sessionId, `person ${index} turn ${turn}`);
            if (result.status !== 200) refused += 1;
          }
        }),
      );
      expect(refused).toBe(0);

      let stored = 0;
      let misattributed = 0;
      let lost = 0;
      for (const { index, person, sessionId } of people) {
        const transcript = await readTranscript(cluster.firestore, person, sessionId);
        const asked = transcript.messages
          .filter((message) => message.role === "user")
          .map((message) => message.content);
        const expected = Array.from({ length: TURNS }, (_, turn) => `person ${index} turn ${turn}`);
        lost += expected.filter((text) => !asked.includes(text)).length;
        misattributed += transcript.messages.filter(
          (message) => !message.content.includes(`person ${index} turn`),
        ).length;
        stored += transcript.messages.length;
        expect(transcript.context).toEqual(turnsOf(transcript).slice(-transcript.context.length));
      }
      recordReliability({
        area: "concurrency",
        what: `${PEOPLE} people × ${TURNS} turns at once, two processes (messages stored)`,
        tried: PEOPLE * TURNS * 2,
        held: stored - misattributed,
        lost,
      });
      expect(lost).toBe(0);
      expect(misattributed).toBe(0);
      expect(stored).toBe(PEOPLE * TURNS * 2);
    },
  );
});

/** Reads the reply until its first words, then goes away, as a person pressing Stop does. */
async function stopAfterFirstWords(response: Response, stop: AbortController) {
  for await (const event of readChatEvents(response.body!)) {
    if (event.type === "delta") break;
  }
  stop.abort();
}

/** Waits until the stopped reply is saved: the transcript has `count` messages. */
async function untilSaved(sessionId: string, count: number) {
  // Normally within a second; a slow reply that was not cut short runs on for about ten.
  for (let i = 0; i < 600; i += 1) {
    const saved = await sessions().doc(sessionId).collection("messages").count().get();
    if (saved.data().count >= count && !(await sessions().doc(sessionId).get()).get("reply_lease_id")) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`The session never had ${count} messages saved.`);
}
