import { randomUUID } from "node:crypto";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { afterAll, describe, expect, test, vi } from "vitest";
import {
  bots,
  createShowcaseBots,
  listShowcasedBots,
  queryShowcasedBots,
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

/** A bounded wait for what the listener delivers in its own time (no timing is asserted). */
function eventually(check: () => Promise<void> | void) {
  return vi.waitFor(check, { timeout: 5_000, interval: 20 });
}

function uniqueWord() {
  return `zx${randomUUID().replaceAll("-", "").slice(0, 10)}`;
}

type Sort = "popular" | "newest";

/** Every page, cursor after cursor, from the gallery (the index once loaded) or from Firestore's queries alone. */
async function allPages(
  options: { sort: Sort; search: string },
  limit = 2,
  list: typeof listShowcasedBots = listShowcasedBots,
): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  do {
    const page = await list({ ...options, after, limit });
    seen.push(...page.bots.map((bot) => bot.id));
    after = page.nextCursor ?? undefined;
  } while (after);
  return seen;
}

/** A bot as GPT Lab writes it: no counters, no search terms, no starter prompts. */
function gptLabBot(fields: { name: string; tag_line?: string; showcased?: boolean; daysOld?: number }) {
  return {
    name: fields.name,
    tag_line: fields.tag_line ?? "From GPT Lab",
    description: "A GPT Lab bot",
    session_type: 2,
    creator_user_id: "gpt-lab-user",
    created_date: Timestamp.fromMillis(Date.now() - (fields.daysOld ?? 1) * 86_400_000),
    last_modified_date: FieldValue.serverTimestamp(),
    active_initial_prompt_id: "p1",
    active_model_config_id: "m1",
    active_summary_prompt_id: "p2",
    showcased: fields.showcased ?? true,
    is_active: true,
  };
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
  test("pages in both orders, cursor after cursor, hold the bots in Firestore's order: most used or newest first, ties by id", async () => {
    const word = uniqueWord();
    const ids = Array.from({ length: 7 }, (_, index) => `${word}-${index}`);
    await createShowcaseBots(ids.map((id) => ({ id, input: assistantInput({ name: `${word} planner` }) })));
    // Ties on purpose in both orders: three bots share a count, two share a creation time.
    const counts = [5, 30, 30, 0, 12, 30, 7];
    const days = [3, 1, 4, 1, 5, 9, 2];
    await Promise.all(
      ids.map((id, index) =>
        bots()
          .doc(id)
          .update({
            sessions_started: counts[index],
            created_date: Timestamp.fromMillis(Date.UTC(2026, 0, 1) + days[index]! * 86_400_000),
          }),
      ),
    );
    const popular = [...ids].sort((a, b) => counts[ids.indexOf(b)]! - counts[ids.indexOf(a)]! || (a < b ? 1 : -1));
    for (const sort of ["popular", "newest"] as const) {
      const fromFirestore = await allPages({ sort, search: word }, 3, queryShowcasedBots);
      expect(fromFirestore).toHaveLength(7);
      if (sort === "popular") expect(fromFirestore).toEqual(popular);
      // The counts were written straight to Firestore: the index has them once its listener hears of them.
      await eventually(async () => {
        expect(await allPages({ sort, search: word }, 2)).toEqual(fromFirestore);
        expect(await allPages({ sort, search: word }, 3)).toEqual(fromFirestore);
      });
    }
  });

  test("search finds the same bots, in the same order, as the stored search terms do", async () => {
    const word = uniqueWord();
    await createShowcaseBots([
      { id: `${word}-a`, input: assistantInput({ name: `${word} Tutor`, tag_line: "Algebra with patience" }) },
      {
        id: `${word}-b`,
        input: assistantInput({ name: `${word} Coach`, description: "Résumés, interviews and internationalization" }),
      },
      {
        id: `${word}-c`,
        input: assistantInput({ name: `${word} Tutoring partner`, tag_line: "Spanish, step by step" }),
      },
      { id: `${word}-d`, input: assistantInput({ name: `${word} Internationalizing`, tag_line: "Locales" }) },
    ]);
    await Promise.all(
      ["a", "b", "c", "d"].map((id, index) => bots().doc(`${word}-${id}`).update({ sessions_started: index })),
    );
    const queries = [
      "",
      "tut",
      "TUTOR",
      "alg pat",
      "resume",
      "interv coach",
      "internationalization",
      "st",
      "sp st",
      "tutor interviews",
      "utor",
      "x",
    ];
    for (const query of queries) {
      for (const sort of ["popular", "newest"] as const) {
        const options = { sort, search: `${word} ${query}`, limit: 50 };
        const expected = (await queryShowcasedBots(options)).bots.map((bot) => bot.id);
        await eventually(async () =>
          expect((await listShowcasedBots(options)).bots.map((bot) => bot.id)).toEqual(expected),
        );
      }
    }
    // What the terms find, as a person reads it: every word, each as the start of a word.
    const found = async (query: string) =>
      (await listShowcasedBots({ sort: "popular", search: `${word} ${query}`, limit: 10 })).bots.map((bot) => bot.id);
    expect(await found("tut")).toEqual([`${word}-c`, `${word}-a`]);
    expect(await found("alg pat")).toEqual([`${word}-a`]);
    expect(await found("resume")).toEqual([`${word}-b`]);
    // Longer than the stored prefixes: matched by its first fifteen letters, as the terms match it.
    expect(await found("internationalization")).toEqual([`${word}-d`, `${word}-b`]);
    expect(await found("tutor interviews")).toEqual([]);
    expect(await found("utor")).toEqual([]);
  });

  test("what this instance changes shows at once; what another writes, within the listener's latency", async () => {
    const word = uniqueWord();
    const person = await signedInPerson();
    const [id] = await createShowcaseBots([{ id: `${word}-x`, input: assistantInput({ name: `${word} Original` }) }]);
    await eventually(async () => expect(await allPages({ sort: "popular", search: word })).toEqual([id]));

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
    await eventually(async () => expect(await allPages({ sort: "popular", search: word })).toEqual([]));
  });

  test("what another writer changes, the index shows once its listener hears of it: showcased, renamed, unshowcased, deactivated", async () => {
    const word = uniqueWord();
    const id = `${word}-elsewhere`;
    // Written as GPT Lab (or another instance) writes: Firestore's queries cannot find this bot, only the index can.
    await bots()
      .doc(id)
      .set(gptLabBot({ name: `${word} Original`, showcased: false }));
    const found = async (search: string) => (await listShowcasedBots({ sort: "popular", search, limit: 5 })).bots;
    expect(await found(word)).toEqual([]);

    await bots().doc(id).update({ showcased: true });
    await eventually(async () => expect((await found(word)).map((bot) => bot.id)).toEqual([id]));

    await bots()
      .doc(id)
      .update({ name: `${word} Renamed`, tag_line: "Questions first" });
    await eventually(async () =>
      expect((await found(`${word} renamed questions`)).map((bot) => bot.name)).toEqual([`${word} Renamed`]),
    );
    expect(await found(`${word} original`)).toEqual([]);

    await bots().doc(id).update({ showcased: false });
    await eventually(async () => expect(await found(word)).toEqual([]));

    await bots().doc(id).update({ showcased: true });
    await eventually(async () => expect((await found(word)).map((bot) => bot.id)).toEqual([id]));

    await bots().doc(id).update({ is_active: false });
    await eventually(async () => expect(await found(word)).toEqual([]));
  });

  test("a bot as GPT Lab writes it, without counters or search terms, is in the pages and the search", async () => {
    const word = uniqueWord();
    const id = `${word}-gptlab`;
    await bots()
      .doc(id)
      .set(gptLabBot({ name: `${word} Socratic`, tag_line: "Questions first" }));
    // Beside a bot of this product's, used once: the GPT Lab bot counts as used never.
    const [used] = await createShowcaseBots([{ id: `${word}-used`, input: assistantInput({ name: `${word} Used` }) }]);
    await bots().doc(used!).update({ sessions_started: 1 });
    await eventually(async () => {
      expect(await allPages({ sort: "popular", search: word })).toEqual([used, id]);
      expect(await allPages({ sort: "newest", search: `${word} questions` })).toEqual([id]);
      expect(await allPages({ sort: "newest", search: "" }, 1000)).toContain(id);
    });
  });

  test("before its listener's first snapshot, the gallery answers from Firestore's queries", async () => {
    const word = uniqueWord();
    const [id] = await createShowcaseBots([{ id: `${word}-p`, input: assistantInput({ name: `${word} Pathfinder` }) }]);
    const gptLab = `${word}-gptlab`;
    const leaving = `${word}-leaving`;
    await bots()
      .doc(gptLab)
      .set(gptLabBot({ name: `${word} Socratic` }));
    await bots()
      .doc(leaving)
      .set(gptLabBot({ name: `${word} Leaving` }));
    await eventually(async () => expect(await allPages({ sort: "popular", search: word })).toHaveLength(3));

    // Stopped (as on shutdown), then asked again: the request that starts the listener cannot wait for
    // its first snapshot, so Firestore answers it, and Firestore's queries know the product's bot only.
    stopShowcaseIndex();
    await bots().doc(leaving).update({ showcased: false });
    const first = await listShowcasedBots({ sort: "popular", search: word, limit: 5 });
    expect(first.bots.map((bot) => bot.id)).toEqual([id]);

    // Then from memory again, without the bot that left the showcase while nobody listened.
    await eventually(async () =>
      expect(new Set(await allPages({ sort: "popular", search: word }))).toEqual(new Set([id, gptLab])),
    );
  });

  test("a new instance answers from Firestore until its listener's first snapshot, then from memory", async () => {
    const word = uniqueWord();
    await createShowcaseBots([{ id: `${word}-n`, input: assistantInput({ name: `${word} Navigator` }) }]);
    const index = freshIndex();
    try {
      expect(index.page({ order: "popular", search: word, limit: 5 })).toBeNull();
      await eventually(() =>
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
