import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, test, vi } from "vitest";
import seeds from "../../firebase/seed/showcase.json";
import {
  createShowcaseBots,
  getOpenableBot,
  listShowcasedBots,
  setShowcased,
  stopShowcaseIndex,
} from "~/models/bots.server";
import { seedShowcase } from "~/models/showcase-seed.server";
import { loader as galleryLoader } from "~/routes/assistants._index";
import { db } from "~/utils/db.server";
import { assistantInput } from "../setup/assistant-input";
import { run, signedInPerson } from "../setup/people";

// Showcased bots are shared by every test in the emulator, so each test names
// its bots with a word of its own and searches for it.

afterAll(() => stopShowcaseIndex());
function uniqueWord() {
  return `zq${randomUUID().replaceAll("-", "").slice(0, 10)}`;
}

async function showcase(word: string, count: number) {
  const input = assistantInput({ name: `${word} helper` });
  const ids = Array.from({ length: count }, (_, index) => `${word}-${index}`);
  await createShowcaseBots(ids.map((id) => ({ id, input })));
  return ids;
}

describe("the showcased gallery", () => {
  test("orders by sessions started, most used first, and pages without repeats", async () => {
    const word = uniqueWord();
    const ids = await showcase(word, 5);
    await Promise.all(
      ids.map((id, index) =>
        db()
          .collection("bots")
          .doc(id)
          .update({ sessions_started: index * 10 }),
      ),
    );

    // The counts were written straight to Firestore: the gallery's index sees them within its listener's latency.
    await vi.waitFor(async () => {
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await listShowcasedBots({ sort: "popular", search: word, after, limit: 2 });
        seen.push(...page.bots.map((bot) => bot.id));
        after = page.nextCursor ?? undefined;
      } while (after);
      expect(seen).toEqual([...ids].reverse());
    });
  });

  test("sorts by newest", async () => {
    const word = uniqueWord();
    const [first] = await showcase(word, 1);
    const [second] = await showcase(`${word}b`, 1);
    const page = await listShowcasedBots({ sort: "newest", search: "helper", limit: 50 });
    const order = page.bots.map((bot) => bot.id);
    expect(order.indexOf(second!)).toBeLessThan(order.indexOf(first!));
  });

  test("search finds by a prefix of any word and requires every word", async () => {
    const word = uniqueWord();
    const [id] = await showcase(word, 1);
    expect(
      (await listShowcasedBots({ sort: "popular", search: word.slice(0, 8), limit: 10 })).bots.map((bot) => bot.id),
    ).toContain(id);
    expect(
      (await listShowcasedBots({ sort: "popular", search: `${word} helper`, limit: 10 })).bots.map((bot) => bot.id),
    ).toEqual([id]);
    expect((await listShowcasedBots({ sort: "popular", search: `${word} nomatchword`, limit: 10 })).bots).toEqual([]);
  });

  test("leaves out bots that are not showcased or not active", async () => {
    const word = uniqueWord();
    const [shown, unlisted, retired] = await showcase(word, 3);
    await setShowcased(unlisted!, false);
    await db().collection("bots").doc(retired!).update({ is_active: false });
    // Deactivated straight in Firestore: the gallery's index drops it once its listener hears of it.
    await vi.waitFor(async () => {
      const page = await listShowcasedBots({ sort: "popular", search: word, limit: 10 });
      expect(page.bots.map((bot) => bot.id)).toEqual([shown]);
    });
  });

  test("is readable signed out, and My assistants asks to sign in", async () => {
    const word = uniqueWord();
    const [id] = await showcase(word, 1);
    const signedOut = await run(() =>
      galleryLoader({ request: new Request(`http://localhost/assistants?q=${word}`), params: {}, context: {} }),
    );
    expect(signedOut.data).toMatchObject({ signedIn: false, page: { bots: [{ id }] } });
    const mine = await run(() =>
      galleryLoader({ request: new Request("http://localhost/assistants?tab=mine"), params: {}, context: {} }),
    );
    expect(mine.status).toBe(302);
  });

  test("nonsense query parameters fall back to defaults instead of failing", async () => {
    const person = await signedInPerson();
    const outcome = await run(() =>
      galleryLoader({
        request: person.request("/assistants?tab=bogus&sort=sideways&after=%00%00"),
        params: {},
        context: {},
      }),
    );
    expect(outcome.status).toBe(200);
    expect(outcome.data).toMatchObject({ tab: "showcased" });
  });
});

describe("seed data", () => {
  test("every seeded assistant is valid and seeding twice changes nothing", async () => {
    await seedShowcase();
    const again = await seedShowcase();
    expect(again).toEqual([]);
    for (const seed of seeds) {
      const bot = await getOpenableBot(seed.id);
      expect(bot).toMatchObject({ name: seed.name, showcased: true, is_active: true });
      expect(bot!.instructions.message).toBe(seed.instructions);
    }
  });

  test("seeding only into an empty database does nothing when bots exist", async () => {
    await seedShowcase();
    expect(await seedShowcase({ onlyIfEmpty: true })).toEqual([]);
  });
});
