import { randomUUID } from "node:crypto";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { afterAll, describe, expect, test, vi } from "vitest";
import {
  bots,
  createShowcaseBots,
  listShowcasedBots,
  setShowcased,
  stopShowcaseIndex,
  updateBot,
} from "~/models/bots.server";
import { ShowcaseIndex, type ShowcasedBot } from "~/models/showcase-index.server";
import { assistantInput } from "../setup/assistant-input";
import { signedInPerson } from "../setup/people";

// The gallery answered from memory (docs/decisions/028): the same bots, in the
// same order, as Firestore's queries gave, kept fresh by a listener, and
// never hiding a bot only because a field this product adds is missing.

afterAll(() => stopShowcaseIndex());

function uniqueWord() {
  return `zx${randomUUID().replaceAll("-", "").slice(0, 10)}`;
}

async function allPages(options: { sort: "popular" | "newest"; search: string }, limit = 2): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  do {
    const page = await listShowcasedBots({ ...options, after, limit });
    seen.push(...page.bots.map((bot) => bot.id));
    after = page.nextCursor ?? undefined;
  } while (after);
  return seen;
}

/** A fresh index on the showcased bots, as an instance that has just started has. */
function freshIndex() {
  return new ShowcaseIndex<ShowcasedBot>(
    () => bots().where("showcased", "==", true),
    (snapshot) => ({
      id: snapshot.id,
      name: snapshot.get("name"),
      tag_line: snapshot.get("tag_line") ?? "",
      description: snapshot.get("description") ?? "",
      sessions_started: snapshot.get("sessions_started") ?? 0,
      created_date: snapshot.get("created_date") ?? null,
      is_active: snapshot.get("is_active") === true,
    }),
  );
}

describe("the gallery's index", () => {
  test("pages in both orders, with cursors, as Firestore orders them: most used or newest first, ties by id", async () => {
    const word = uniqueWord();
    const ids = Array.from({ length: 7 }, (_, index) => `${word}-${index}`);
    await createShowcaseBots(ids.map((id) => ({ id, input: assistantInput({ name: `${word} planner` }) })));
    const counts = [5, 30, 30, 0, 12, 30, 7];
    await Promise.all(ids.map((id, index) => bots().doc(id).update({ sessions_started: counts[index] })));
    const popular = [...ids].sort((a, b) => counts[ids.indexOf(b)]! - counts[ids.indexOf(a)]! || (a < b ? 1 : -1));
    await vi.waitFor(async () => expect(await allPages({ sort: "popular", search: word })).toEqual(popular));
    const newest = await allPages({ sort: "newest", search: word }, 3);
    expect(newest).toHaveLength(7);
    expect(new Set(newest)).toEqual(new Set(ids));
  });

  test("search needs every word, each as the start of a word of the name, tag line or description", async () => {
    const word = uniqueWord();
    await createShowcaseBots([
      { id: `${word}-a`, input: assistantInput({ name: `${word} Tutor`, tag_line: "Algebra with patience" }) },
      { id: `${word}-b`, input: assistantInput({ name: `${word} Coach`, description: "Résumés and interviews" }) },
    ]);
    const search = async (query: string) =>
      (await listShowcasedBots({ sort: "popular", search: `${word} ${query}`, limit: 10 })).bots.map((bot) => bot.id);
    await vi.waitFor(async () => expect(await search("tut")).toEqual([`${word}-a`]));
    expect(await search("alg pat")).toEqual([`${word}-a`]);
    expect(await search("resume")).toEqual([`${word}-b`]);
    expect((await search("")).sort()).toEqual([`${word}-a`, `${word}-b`]);
    expect(await search("tutor interviews")).toEqual([]);
    expect(await search("utor")).toEqual([]);
  });

  test("what this instance changes shows at once; what another writes, within the listener's latency", async () => {
    const word = uniqueWord();
    const person = await signedInPerson();
    const [id] = await createShowcaseBots([{ id: `${word}-x`, input: assistantInput({ name: `${word} Original` }) }]);
    await vi.waitFor(async () => expect(await allPages({ sort: "popular", search: word })).toEqual([id]));

    // Renamed by its creator through the app (the showcase's creator is nobody: written as another writer would).
    await bots()
      .doc(id!)
      .update({ name: `${word} Renamed`, creator_user_id: person.userId });
    expect(await updateBot(person.caller, id!, assistantInput({ name: `${word} Renamed again` }))).toBe(true);
    expect(
      (await listShowcasedBots({ sort: "popular", search: `${word} again`, limit: 5 })).bots.map((b) => b.name),
    ).toEqual([`${word} Renamed again`]);

    expect(await setShowcased(id!, false)).toBe(true);
    expect(await allPages({ sort: "popular", search: word })).toEqual([]);
    expect(await setShowcased(id!, true)).toBe(true);
    expect(await allPages({ sort: "popular", search: word })).toEqual([id]);

    // Deactivated by another writer: gone once the listener hears of it.
    await bots().doc(id!).update({ is_active: false });
    await vi.waitFor(async () => expect(await allPages({ sort: "popular", search: word })).toEqual([]));
  });

  test("a bot as GPT Lab writes it, without counters or search terms, is in the pages and the search", async () => {
    const word = uniqueWord();
    const id = `${word}-gptlab`;
    await bots()
      .doc(id)
      .set({
        name: `${word} Socratic`,
        tag_line: "Questions first",
        description: "A GPT Lab bot",
        session_type: 2,
        creator_user_id: "gpt-lab-user",
        created_date: Timestamp.fromMillis(Date.now() - 86_400_000),
        last_modified_date: FieldValue.serverTimestamp(),
        active_initial_prompt_id: "p1",
        active_model_config_id: "m1",
        active_summary_prompt_id: "p2",
        showcased: true,
        is_active: true,
      });
    await vi.waitFor(async () => {
      expect(await allPages({ sort: "popular", search: word })).toEqual([id]);
      expect(await allPages({ sort: "newest", search: `${word} questions` })).toEqual([id]);
    });
  });

  test("a new instance answers from Firestore until its listener's first snapshot, then from memory", async () => {
    const word = uniqueWord();
    await createShowcaseBots([{ id: `${word}-n`, input: assistantInput({ name: `${word} Navigator` }) }]);
    const index = freshIndex();
    try {
      expect(index.page({ order: "popular", search: word, limit: 5 })).toBeNull();
      await vi.waitFor(() =>
        expect(index.page({ order: "popular", search: word, limit: 5 })?.bots.map((bot) => bot.id)).toEqual([
          `${word}-n`,
        ]),
      );
      // A cursor whose bot has left the showcase cannot be placed: the caller asks Firestore instead.
      expect(index.page({ order: "popular", after: `${word}-gone`, limit: 5 })).toBeNull();
    } finally {
      index.stop();
    }
  });
});
