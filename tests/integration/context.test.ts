import { WriteBatch } from "firebase-admin/firestore";
import { afterEach, describe, expect, test, vi } from "vitest";
import { getOwnSession } from "~/models/sessions.server";
import { promptBudget, tokensOf } from "~/chat/context.server";
import { fakeProvider } from "../setup/integration";
import { createTestBot, say, settleStartCounters, startSessionFor } from "../setup/chat";
import { signedInPerson } from "../setup/people";

// A small window for one model makes a long conversation outgrow it quickly.
process.env.MODEL_CONTEXT_WINDOWS = JSON.stringify({ "gpt-4.1-mini": 4_000 });

const MODEL = "gpt-4.1-mini";
const MAX_TOKENS = 300;

function longMessage(turn: number) {
  return `Turn ${turn}: ${"Here is a detailed thought about focus, habits and planning my days well. ".repeat(6)}`;
}

type SentRequest = { messages: { role: string; content: string }[]; stream?: boolean };

afterEach(() => {
  vi.restoreAllMocks();
});

/** Counts document writes (create, set, update, delete) in batches while `work` runs. */
async function countWrites(work: () => Promise<unknown>): Promise<number> {
  let writes = 0;
  const spies = (["create", "set", "update", "delete"] as const).map((method) => {
    const original = WriteBatch.prototype[method] as (...args: unknown[]) => WriteBatch;
    return vi.spyOn(WriteBatch.prototype, method).mockImplementation(function (this: WriteBatch, ...args: unknown[]) {
      writes += 1;
      return original.apply(this, args);
    } as never);
  });
  await work();
  for (const spy of spies) spy.mockRestore();
  return writes;
}

describe("a 60-turn coaching conversation", () => {
  test(
    "never sends more than the budget, summarises older turns, and writes the same per turn at turn 1 and 50",
    { timeout: 180_000 },
    async () => {
      const person = await signedInPerson();
      const bot = await createTestBot(person, { model: MODEL, max_tokens: String(MAX_TOKENS), session_type: "3" });
      const sessionId = await startSessionFor(person, bot.id);
      await settleStartCounters(bot.id);
      const budget = promptBudget(MODEL, MAX_TOKENS);
      const writesPerTurn: number[] = [];

      for (let turn = 1; turn <= 60; turn += 1) {
        writesPerTurn.push(await countWrites(() => say(person, sessionId, longMessage(turn))));
      }

      const sent = fakeProvider.requests
        .filter((request) => request.apiKey === person.apiKey && request.path === "/v1/chat/completions")
        .map((request) => request.body as SentRequest);
      const replies = sent.filter((body) => body.stream);
      const summaries = sent.filter((body) => !body.stream);
      expect(replies).toHaveLength(60);
      for (const body of replies) expect(tokensOf(body.messages)).toBeLessThanOrEqual(budget);
      expect(summaries.length).toBeGreaterThan(0);
      expect(summaries[0]!.messages[1]!.content).toContain("Summarize the key points so far.");
      // Once summarised, the summary travels as a system-side note, not as a fake assistant turn.
      const last = replies.at(-1)!;
      expect(last.messages[0]).toEqual({ role: "system", content: "You are a thoughtful coach." });
      expect(last.messages[1]).toMatchObject({
        role: "system",
        content: expect.stringContaining("Summary of the conversation so far"),
      });
      expect(last.messages.at(-1)).toEqual({ role: "user", content: longMessage(60) });

      // The person's message, the session (admitting the turn), the reply, the session again, the day's
      // usage, and the turn counted against the shared rate limit.
      expect(writesPerTurn[0]).toBe(6);
      expect(writesPerTurn[49]).toBe(writesPerTurn[0]);
      expect(new Set(writesPerTurn).size).toBe(1);

      const session = (await getOwnSession(person.caller, sessionId))!;
      expect(session.context.summary).toBeTruthy();
      expect(session.message_count).toBe(120);
    },
  );
});

describe("a brainstorming conversation", () => {
  test("sends a sliding window of the newest turns that fit", { timeout: 120_000 }, async () => {
    const person = await signedInPerson();
    const bot = await createTestBot(person, { model: MODEL, max_tokens: String(MAX_TOKENS), session_type: "2" });
    const sessionId = await startSessionFor(person, bot.id);
    for (let turn = 1; turn <= 25; turn += 1) await say(person, sessionId, longMessage(turn));

    const replies = fakeProvider.requests
      .filter((request) => request.apiKey === person.apiKey && request.path === "/v1/chat/completions")
      .map((request) => request.body as SentRequest);
    expect(replies.every((body) => body.stream)).toBe(true);
    const last = replies.at(-1)!;
    expect(tokensOf(last.messages)).toBeLessThanOrEqual(promptBudget(MODEL, MAX_TOKENS));
    expect(JSON.stringify(last.messages)).not.toContain("Turn 1:");
    expect(last.messages.at(-1)).toEqual({ role: "user", content: longMessage(25) });
    expect(last.messages.some((message) => message.content.includes("Summary of the conversation"))).toBe(false);
  });
});
