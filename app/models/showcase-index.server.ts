import type { DocumentSnapshot, Query, Timestamp } from "firebase-admin/firestore";
import MiniSearch from "minisearch";
import { queryWords, words } from "~/utils/search-terms";

// The showcased assistants in memory, kept fresh by a Firestore listener: the
// gallery's pages and its search are answered from here, in milliseconds at
// tens of thousands of assistants, where the emulator's queries scan the
// collection (docs/decisions/028). Each app instance keeps its own, fed by
// its own listener; until the first snapshot arrives (or after the listener
// fails) the gallery asks Firestore as before.

/** What a gallery card needs of a bot, and what the index orders and searches by. */
export type ShowcasedBot = {
  id: string;
  name: string;
  tag_line: string;
  description: string;
  sessions_started: number;
  created_date: Timestamp | null;
  is_active: boolean;
};

export type ShowcasePage<T> = { bots: T[]; nextCursor: string | null };

type Order = "popular" | "newest";

/** Newer first, and for ties the document id descending: Firestore's order for a descending sort. */
const COMPARE: Record<Order, (a: ShowcasedBot, b: ShowcasedBot) => number> = {
  popular: (a, b) => b.sessions_started - a.sessions_started || byIdDescending(a, b),
  newest: (a, b) => millis(b.created_date) - millis(a.created_date) || byIdDescending(a, b),
};

function byIdDescending(a: ShowcasedBot, b: ShowcasedBot): number {
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function millis(timestamp: Timestamp | null): number {
  return timestamp?.toMillis() ?? 0;
}

/** A listener that failed is started again after this long; meanwhile the gallery asks Firestore. */
const RESTART_MS = 30_000;

export class ShowcaseIndex<T extends ShowcasedBot> {
  private readonly entries = new Map<string, T>();
  private readonly text = new MiniSearch<T>({
    fields: ["name", "tag_line", "description"],
    // The same words as the stored search terms: lower case, without diacritics, two letters or more.
    tokenize: (text) => words(text),
    processTerm: (term) => term,
    searchOptions: { prefix: true, combineWith: "AND" },
  });
  private ordered: Partial<Record<Order, T[]>> = {};
  private ready = false;
  private stopListening: (() => void) | null = null;
  private restartAt = 0;

  private readonly showcased: () => Query;
  private readonly toEntry: (snapshot: DocumentSnapshot) => T;

  constructor(showcased: () => Query, toEntry: (snapshot: DocumentSnapshot) => T) {
    this.showcased = showcased;
    this.toEntry = toEntry;
  }

  /**
   * A page of the showcased, active bots in `order`, optionally only those
   * with a word starting with each of the query's words; null while the index
   * cannot answer (not loaded yet, or the cursor's bot has left the showcase).
   */
  page(options: { order: Order; search?: string; after?: string; limit: number }): ShowcasePage<T> | null {
    this.start();
    if (!this.ready) return null;
    let list = this.sorted(options.order);
    // The stored terms' words, cut as they cut them (a long word matches by its first letters only).
    const query = queryWords(options.search ?? "").join(" ");
    if (query) {
      const found = new Set(this.text.search(query).map((result) => result.id as string));
      list = list.filter((entry) => found.has(entry.id));
    }
    let from = 0;
    if (options.after) {
      const cursor = list.findIndex((entry) => entry.id === options.after);
      if (cursor === -1) return null;
      from = cursor + 1;
    }
    const bots = list.slice(from, from + options.limit);
    const more = from + options.limit < list.length;
    return { bots, nextCursor: more ? bots.at(-1)!.id : null };
  }

  /** True once the listener's first snapshot is in. */
  get loaded(): boolean {
    return this.ready;
  }

  /** Applies documents this instance has just written, so that its own changes show at once. */
  apply(snapshots: DocumentSnapshot[]) {
    for (const snapshot of snapshots) this.put(snapshot);
  }

  /**
   * Stops listening and forgets the bots: a listener started later hears only
   * of the bots showcased then, not of those that left in between.
   */
  stop() {
    this.stopListening?.();
    this.stopListening = null;
    this.ready = false;
    this.entries.clear();
    this.text.removeAll();
    this.ordered = {};
  }

  private start() {
    if (this.stopListening || Date.now() < this.restartAt) return;
    this.stopListening = this.showcased().onSnapshot(
      (snapshot) => {
        for (const change of snapshot.docChanges()) {
          if (change.type === "removed") this.remove(change.doc.id);
          else this.put(change.doc);
        }
        this.ready = true;
      },
      (error) => {
        console.error(`The showcase index stopped listening: ${error.message.split("\n")[0]}`);
        this.stop();
        this.restartAt = Date.now() + RESTART_MS;
      },
    );
  }

  private put(snapshot: DocumentSnapshot) {
    this.remove(snapshot.id);
    if (!snapshot.exists || snapshot.get("showcased") !== true) return;
    const entry = this.toEntry(snapshot);
    if (!entry.is_active) return;
    this.entries.set(entry.id, entry);
    this.text.add(entry);
    this.ordered = {};
  }

  private remove(id: string) {
    if (!this.entries.has(id)) return;
    this.entries.delete(id);
    this.text.discard(id);
    this.ordered = {};
  }

  /** Sorted once after each change, on the next read. */
  private sorted(order: Order): T[] {
    return (this.ordered[order] ??= [...this.entries.values()].sort(COMPARE[order]));
  }
}
