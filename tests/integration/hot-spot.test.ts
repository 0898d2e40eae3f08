import { describe, expect, test, vi } from "vitest";
import { exactCount, foldShards, SHARDS } from "~/models/counters.server";
import { db } from "~/utils/db.server";
import { apiCompletion, createTestBot, startSessionFor } from "../setup/chat";
import { signedInPerson, type Person } from "../setup/people";

// A showcased assistant that hundreds start at once: every start is counted
// exactly, and no document takes a write per start (Firestore sustains about
// one write a second to one document). Starts go to the bot's and its
// prompt's shards; their fields are folded from the shards a few times.

const STARTS = 500;
const PEOPLE = 50;

async function apiStart(person: Person, botId: string) {
  const response = await apiCompletion(person, { model: botId, messages: [{ role: "user", content: "Hi" }] });
  await response.text();
  expect(response.status).toBe(200);
}

describe("one assistant started 500 times at once", () => {
  test(
    "every start counts, exactly, without a write per start on the bot or its prompt",
    { timeout: 120_000 },
    async () => {
      const owner = await signedInPerson();
      const bot = await createTestBot(owner, { session_type: "2" });
      const people = await Promise.all(Array.from({ length: PEOPLE }, () => signedInPerson()));
      const botRef = db().collection("bots").doc(bot.id);
      const promptRef = botRef.collection("prompts").doc(bot.instructions.id);
      // Every value the bot document's counter takes while the starts land: one per write to it (or fewer, when
      // the listener coalesces), so a write per start shows as hundreds.
      const seenCounts = new Set<number>();
      const stopWatching = botRef.onSnapshot((snapshot) => seenCounts.add(snapshot.get("sessions_started") ?? 0));

      const started = performance.now();
      // Nine in ten start on the web, one in ten with its first API call; all at once, in waves of a hundred.
      for (let wave = 0; wave < STARTS / 100; wave += 1) {
        await Promise.all(
          Array.from({ length: 100 }, (_, index) => {
            const person = people[index % PEOPLE]!;
            return index % 10 === 0 ? apiStart(person, bot.id) : startSessionFor(person, bot.id);
          }),
        );
      }
      console.log(`${STARTS} starts in ${Math.round(performance.now() - started)} ms`);

      expect(await exactCount(botRef, "sessions_started")).toBe(STARTS);
      expect(await exactCount(promptRef, "sessions_started")).toBe(STARTS);
      // The starts were spread over the shards, and the bot document itself was written only by folds: a few, not 500.
      stopWatching();
      const shards = await botRef.collection("counter_shards").get();
      expect(shards.size).toBeLessThanOrEqual(SHARDS);
      console.log(`the bot's counter took ${seenCounts.size} values`);
      expect(seenCounts.size).toBeLessThan(20);
      // Once folded, the fields that the gallery and GPT Lab read hold the whole count.
      await vi.waitFor(
        async () => {
          await Promise.all([foldShards(botRef), foldShards(promptRef)]);
          expect((await botRef.get()).get("sessions_started")).toBe(STARTS);
          expect((await promptRef.get()).get("sessions_started")).toBe(STARTS);
        },
        { timeout: 10_000 },
      );
      expect((await botRef.collection("counter_shards").get()).size).toBe(0);
    },
  );
});
