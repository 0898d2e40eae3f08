import { afterAll, beforeAll, expect, test } from "vitest";
import { readChatEvents, type ChatEvent } from "~/chat/events";
import { newChatOver, readTranscript, signInOver, startCluster, type Cluster } from "../setup/cluster";
import { recordReliability } from "../setup/reliability";

// SIGTERM with replies streaming (docs/decisions/016): the server stops
// accepting, lets them run for the grace period, then cuts them; every partial
// reply is saved, and the process is gone within its deadline.

const GRACE_SECONDS = 1;
const STREAMS = 5;

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(1, { SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS) });
});
afterAll(() => cluster.stop());

test(
  `SIGTERM with ${STREAMS} replies streaming saves every partial reply and exits within the deadline`,
  { timeout: 60_000 },
  async () => {
    const [server] = cluster.servers;
    const person = await signInOver(server!);
    const sessionIds = await Promise.all(Array.from({ length: STREAMS }, () => newChatOver(server!, person)));
    const streams = await Promise.all(
      sessionIds.map(async (sessionId) => {
        const response = await fetch(`${server!.url}/api/chat`, {
          method: "POST",
          headers: { Cookie: person.cookie, "Content-Type": "application/json" },
          body: JSON.stringify({ mode: "session", sessionId, message: `[fake:slow] long answer for ${sessionId}` }),
        });
        expect(response.status).toBe(200);
        const events = readChatEvents(response.body!)[Symbol.asyncIterator]();
        // Wait until the reply has begun: the provider is mid-stream when the signal comes.
        expect((await events.next()).value).toMatchObject({ type: "delta" });
        return events;
      }),
    );

    const started = performance.now();
    const stopped = server!.stop();
    const endings = await Promise.all(
      streams.map(async (events) => {
        const rest: ChatEvent[] = [];
        for (let next = await events.next(); !next.done; next = await events.next()) rest.push(next.value);
        return rest;
      }),
    );
    await stopped;
    const exitedAfter = performance.now() - started;
    // The grace period, then the cut replies' saves (bounded by the database deadline).
    expect(exitedAfter).toBeLessThan(GRACE_SECONDS * 1000 + 10_000);

    let saved = 0;
    for (const [index, rest] of endings.entries()) {
      expect(rest.find((event) => event.type === "error")).toMatchObject({ error: { code: "shutting_down" } });
      expect(rest.at(-1)).toMatchObject({ type: "done", interrupted: true });
      const transcript = await readTranscript(cluster.firestore, person, sessionIds[index]!);
      const reply = transcript.messages.find((message) => message.role === "assistant");
      expect(reply).toMatchObject({ status: "interrupted", content: expect.stringContaining("Thanks for asking") });
      // Cut short: the slow reply would have gone on for seconds more.
      expect(reply!.content).not.toContain("one step at a time");
      if (reply) saved += 1;
    }
    recordReliability({
      area: "process",
      what: `SIGTERM with ${STREAMS} replies streaming (partial replies saved)`,
      tried: STREAMS,
      held: saved,
      lost: STREAMS - saved,
    });
  },
);
