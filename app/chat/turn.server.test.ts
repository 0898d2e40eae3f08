import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { describe, expect, test, vi } from "vitest";
import type { OpenChatStream } from "~/provider/client.server";
import { DatabaseUnavailable } from "~/utils/db.server";
import { openEarly, runTurn, SAVE_ATTEMPTS, type Turn, type TurnEvent, type TurnOutcome } from "./turn.server";

// The engine with a scripted provider: what a turn yields, in what order, and
// what it saves, whatever the provider or the person does.

function chunk(content: string | null, finish: string | null = null): ChatCompletionChunk {
  return {
    id: "chatcmpl-scripted",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini",
    choices: [
      {
        index: 0,
        delta: content === null ? {} : { content },
        finish_reason: finish as ChatCompletionChunk.Choice["finish_reason"],
        logprobs: null,
      },
    ],
  };
}

const usageChunk: ChatCompletionChunk = {
  id: "chatcmpl-scripted",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4o-mini",
  choices: [],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
};

const REPLY = [chunk("Hel"), chunk("lo"), chunk("!"), chunk(null, "stop"), usageChunk];

/**
 * A provider that sends `chunks` one every `gapMs`, and behaves as the
 * openai SDK's stream does when aborted: it throws APIUserAbortError. After
 * the chunks it can hang (`then: "hang"`) until aborted.
 */
function scripted(chunks: ChatCompletionChunk[], options: { gapMs?: number; then?: "end" | "hang" } = {}) {
  const open: OpenChatStream = async (_params, signal) =>
    (async function* () {
      for (const next of chunks) {
        await delay(options.gapMs ?? 1, signal);
        yield next;
      }
      if (options.then === "hang") await delay(60_000, signal);
    })();
  return vi.fn(open);
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new OpenAI.APIUserAbortError());
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new OpenAI.APIUserAbortError());
    });
  });
}

function turnWith(overrides: Partial<Turn>): Turn {
  return {
    request: { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }], max_tokens: 100 },
    open: scripted(REPLY),
    stallMs: 2_000,
    signal: new AbortController().signal,
    costOf: (_model, usage) => usage.prompt_tokens * 0.001 + usage.completion_tokens * 0.002,
    ...overrides,
  };
}

/** A store that records what it was asked to save. */
function recordingStore(
  save: (outcome: TurnOutcome) => Promise<{ messageId: string }> = async () => ({ messageId: "m1" }),
) {
  const saved: TurnOutcome[] = [];
  const store = {
    save: vi.fn(async (outcome: TurnOutcome) => {
      saved.push(structuredClone(outcome));
      return save(outcome);
    }),
    release: vi.fn(),
  };
  return { store, saved };
}

async function collect(turn: Turn, onEvent?: (event: TurnEvent) => void): Promise<TurnEvent[]> {
  const events: TurnEvent[] = [];
  for await (const event of runTurn(turn)) {
    events.push(event);
    onEvent?.(event);
  }
  return events;
}

const endOf = (events: TurnEvent[]) => (events.at(-1) as Extract<TurnEvent, { type: "end" }>).outcome;

describe("a turn", () => {
  test("yields each chunk and its text in order, saves once, then ends", async () => {
    const { store, saved } = recordingStore();
    const events = await collect(turnWith({ store }));
    expect(events.map((event) => (event.type === "text" ? `text:${event.text}` : event.type))).toEqual([
      "chunk",
      "text:Hel",
      "chunk",
      "text:lo",
      "chunk",
      "text:!",
      "chunk",
      "chunk",
      "end",
    ]);
    expect(store.save).toHaveBeenCalledTimes(1);
    expect(store.release).toHaveBeenCalledTimes(1);
    expect(endOf(events)).toMatchObject({
      text: "Hello!",
      finishReason: "stop",
      interrupted: false,
      failure: null,
      error: null,
      messageId: "m1",
      saved: true,
      usageEstimated: false,
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
    });
    expect(saved[0]!.text).toBe("Hello!");
  });

  test("cost is computed once, and the number the event carries is the number saved", async () => {
    const { store, saved } = recordingStore();
    const costOf = vi.fn(() => 0.0123);
    const events = await collect(turnWith({ store, costOf }));
    expect(costOf).toHaveBeenCalledTimes(1);
    expect(endOf(events).usage.cost_usd).toBe(0.0123);
    expect(saved[0]!.usage).toEqual(endOf(events).usage);
  });

  test("a test drive has no store: nothing is saved and the turn still ends", async () => {
    const events = await collect(turnWith({}));
    expect(endOf(events)).toMatchObject({ text: "Hello!", saved: true, messageId: null });
  });

  test("stopped before the first token: interrupted, empty, and saved as such", async () => {
    const stop = new AbortController();
    const { store, saved } = recordingStore();
    const open = scripted(REPLY, { gapMs: 50 });
    setTimeout(() => stop.abort(), 10);
    const events = await collect(turnWith({ store, open, signal: stop.signal }));
    expect(events.map((event) => event.type)).toEqual(["end"]);
    expect(endOf(events)).toMatchObject({ text: "", interrupted: true, failure: null, error: null });
    expect(saved).toHaveLength(1);
    expect(saved[0]!.interrupted).toBe(true);
  });

  test("stopped mid-reply: what arrived is kept, estimated usage, no error", async () => {
    const stop = new AbortController();
    const { store, saved } = recordingStore();
    const events = await collect(
      turnWith({ store, open: scripted(REPLY, { gapMs: 20 }), signal: stop.signal }),
      (event) => {
        if (event.type === "text" && event.text === "lo") stop.abort();
      },
    );
    expect(endOf(events)).toMatchObject({ text: "Hello", interrupted: true, failure: null, usageEstimated: true });
    expect(endOf(events).usage.completion_tokens).toBeGreaterThan(0);
    expect(saved[0]!.text).toBe("Hello");
  });

  test("a provider that goes silent is abandoned after the stall time, keeping what arrived", async () => {
    const { store } = recordingStore();
    const started = performance.now();
    const events = await collect(
      turnWith({ store, stallMs: 100, open: scripted([chunk("Half a")], { then: "hang" }) }),
    );
    expect(performance.now() - started).toBeLessThan(5_000);
    const outcome = endOf(events);
    expect(outcome).toMatchObject({ text: "Half a", interrupted: false, saved: true });
    expect(outcome.failure).toMatchObject({ kind: "timeout", partial: true });
    expect(outcome.error).toMatchObject({ code: "timeout", retryable: true });
    expect(outcome.error!.message).toContain("What arrived is kept");
  });

  test("a provider refusal before any text is a failure with the provider's kind, saved as an error", async () => {
    const { store, saved } = recordingStore();
    const refusal = OpenAI.APIError.generate(
      429,
      { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } },
      undefined,
      new Headers({ "retry-after": "7" }),
    );
    const open: OpenChatStream = async () => {
      throw refusal;
    };
    const events = await collect(turnWith({ store, open }));
    expect(endOf(events).failure).toMatchObject({ kind: "rate_limited", retryAfterSeconds: 7, partial: false });
    expect(endOf(events).error).toMatchObject({ code: "rate_limited", retry_after_seconds: 7 });
    expect(saved[0]!.failure?.kind).toBe("rate_limited");
  });

  test("a save that fails is tried again, then the turn ends unsaved instead of failing", async () => {
    const { store } = recordingStore(async () => {
      throw new DatabaseUnavailable();
    });
    const events = await collect(turnWith({ store }));
    expect(store.save).toHaveBeenCalledTimes(SAVE_ATTEMPTS);
    expect(endOf(events)).toMatchObject({ text: "Hello!", saved: false, messageId: null });
    expect(store.release).toHaveBeenCalledTimes(1);
  });

  test("a save that fails for a reason trying again cannot fix is not tried again", async () => {
    const { store } = recordingStore(async () => {
      throw new Error("a bug");
    });
    const events = await collect(turnWith({ store }));
    expect(store.save).toHaveBeenCalledTimes(1);
    expect(endOf(events).saved).toBe(false);
  });

  test("a server shutting down cuts the reply, which is saved, and says why", async () => {
    const shutdown = new AbortController();
    const { store, saved } = recordingStore();
    const events = await collect(
      turnWith({ store, shutdown: shutdown.signal, open: scripted(REPLY, { gapMs: 20 }) }),
      (event) => {
        if (event.type === "text") shutdown.abort();
      },
    );
    expect(endOf(events)).toMatchObject({
      text: "Hel",
      interrupted: true,
      failure: null,
      error: { code: "shutting_down" },
    });
    expect(saved[0]!.text).toBe("Hel");
  });
});

describe("a provider call opened before its turn runs", () => {
  test("the provider is called at once, and the turn reads that same call when it runs", async () => {
    const open = scripted(REPLY);
    const { signal, ...ready } = turnWith({ open });
    const early = openEarly(ready);
    expect(open).toHaveBeenCalledTimes(1);
    const events = await collect({ ...early.turn, signal });
    expect(open).toHaveBeenCalledTimes(1);
    expect(endOf(events)).toMatchObject({ text: "Hello!", finishReason: "stop", failure: null });
  });

  test("nothing of the reply is read before the turn runs", async () => {
    const read = vi.fn();
    const open: OpenChatStream = async () =>
      (async function* () {
        read();
        yield* REPLY;
      })();
    const { signal, ...ready } = turnWith({ open });
    const early = openEarly(ready);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(read).not.toHaveBeenCalled();
    await collect({ ...early.turn, signal });
    expect(read).toHaveBeenCalled();
  });

  test("cancelling aborts the provider call and lets go of the turn's lease", async () => {
    let callSignal: AbortSignal | undefined;
    const open: OpenChatStream = async (_params, signal) => {
      callSignal = signal;
      return (async function* () {})();
    };
    const { store } = recordingStore();
    const { signal: _unused, ...ready } = turnWith({ open, store });
    const early = openEarly(ready);
    expect(callSignal?.aborted).toBe(false);
    early.cancel();
    expect(callSignal?.aborted).toBe(true);
    expect(store.release).toHaveBeenCalledTimes(1);
    expect(store.save).not.toHaveBeenCalled();
  });

  test("a person who stops the turn once it runs stops the call opened early", async () => {
    const stop = new AbortController();
    const { signal: _unused, ...ready } = turnWith({ open: scripted(REPLY, { gapMs: 50, then: "hang" }) });
    const early = openEarly(ready);
    const events = await collect({ ...early.turn, signal: stop.signal }, (event) => {
      if (event.type === "text") stop.abort();
    });
    expect(endOf(events)).toMatchObject({ text: "Hel", interrupted: true, failure: null });
  });
});

describe("usage counts only what the provider charged", () => {
  const costOf = (_model: string, usage: { total_tokens: number }) => usage.total_tokens / 1_000;

  test("a call refused before any output costs nothing", async () => {
    const open: OpenChatStream = async () => {
      throw OpenAI.APIError.generate(400, { error: { message: "Invalid request" } }, undefined, new Headers());
    };
    const outcome = endOf(await collect(turnWith({ open, costOf })));
    expect(outcome.failure).not.toBeNull();
    expect(outcome.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0 });
  });

  test("a stream cut after output began is charged the tokenizer's estimate", async () => {
    const outcome = endOf(
      await collect(turnWith({ costOf, stallMs: 100, open: scripted([chunk("Half a")], { then: "hang" }) })),
    );
    expect(outcome.usageEstimated).toBe(true);
    expect(outcome.usage.prompt_tokens).toBeGreaterThan(0);
    expect(outcome.usage.completion_tokens).toBeGreaterThan(0);
    expect(outcome.usage.cost_usd).toBe(outcome.usage.total_tokens / 1_000);
  });

  test("a stopped call that never answered costs nothing; a complete one costs what the provider reported", async () => {
    const stop = new AbortController();
    stop.abort();
    expect(endOf(await collect(turnWith({ costOf, signal: stop.signal }))).usage.total_tokens).toBe(0);
    const complete = endOf(await collect(turnWith({ costOf })));
    expect(complete.usage).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, cost_usd: 0.015 });
  });
});
