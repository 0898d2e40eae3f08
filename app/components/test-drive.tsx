import { useRef, useState } from "react";
import { readChatEvents, type ChatError } from "~/utils/chat-events";
import { Markdown } from "./markdown";
import { buttonPrimary, buttonSecondary, inputClass } from "./ui";

type Turn = { role: "user" | "assistant"; content: string; error?: ChatError; interrupted?: boolean };

export type Draft = Record<string, string>;

/** Chat with the lab's unsaved settings. Nothing is saved and no session is counted. */
export function TestDrive({ draft }: { draft: Draft }) {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [input, setInput] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [streaming, setStreaming] = useState(false);
  const controller = useRef<AbortController | null>(null);

  const updateLast = (change: (turn: Turn) => Turn) =>
    setTurns((current) => [...current.slice(0, -1), change(current[current.length - 1]!)]);

  async function send(text: string) {
    const history = [...turns.filter((turn) => turn.content), { role: "user" as const, content: text }];
    setTurns([...history, { role: "assistant", content: "" }]);
    setInput("");
    setProblem(null);
    setStreaming(true);
    controller.current = new AbortController();
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          mode: "draft",
          draft,
          messages: history.map(({ role, content }) => ({ role, content })),
        }),
        signal: controller.current.signal,
      });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        setTurns(history.slice(0, -1));
        setInput(text);
        setProblem(body?.error?.message ?? `The test drive failed (HTTP ${response.status}).`);
        return;
      }
      for await (const event of readChatEvents(response.body)) {
        if (event.type === "delta") updateLast((turn) => ({ ...turn, content: turn.content + event.text }));
        if (event.type === "error") updateLast((turn) => ({ ...turn, error: event.error }));
        if (event.type === "done" && event.interrupted) updateLast((turn) => ({ ...turn, interrupted: true }));
      }
    } catch (error) {
      if ((error as Error).name === "AbortError") updateLast((turn) => ({ ...turn, interrupted: true }));
      else setProblem("The connection was lost. Try again.");
    } finally {
      setStreaming(false);
      controller.current = null;
    }
  }

  return (
    <section aria-label="Test drive" className="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <div className="flex items-center justify-between">
        <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Test drive</h2>
        {turns.length > 0 && !streaming ? (
          <button type="button" onClick={() => setTurns([])} className="text-xs text-slate-500 underline">
            Clear
          </button>
        ) : null}
      </div>
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">Try the current settings before saving. Nothing here is saved.</p>
      <ol aria-live="polite" className="mt-3 max-h-96 space-y-3 overflow-y-auto">
        {turns.map((turn, index) => (
          <li key={index} className={turn.role === "user" ? "ml-6 rounded-lg bg-indigo-50 p-2 text-sm dark:bg-indigo-950" : "mr-2"}>
            <span className="sr-only">{turn.role === "user" ? "You:" : "Assistant:"}</span>
            {turn.role === "user" ? <p className="whitespace-pre-wrap">{turn.content}</p> : <Markdown>{turn.content}</Markdown>}
            {turn.interrupted ? <p className="mt-1 text-xs text-amber-700 dark:text-amber-400">Stopped.</p> : null}
            {turn.error ? <p role="alert" className="mt-1 text-xs text-red-700 dark:text-red-400">{turn.error.message}</p> : null}
          </li>
        ))}
      </ol>
      {problem ? <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-400">{problem}</p> : null}
      <form
        className="mt-3 flex gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          if (input.trim() && !streaming) void send(input.trim());
        }}
      >
        <label htmlFor="test-drive-message" className="sr-only">
          Test message
        </label>
        <input id="test-drive-message" value={input} onChange={(event) => setInput(event.target.value)} placeholder="Say hello…" className={`${inputClass} mt-0`} />
        {streaming ? (
          <button type="button" onClick={() => controller.current?.abort()} className={buttonSecondary}>
            Stop
          </button>
        ) : (
          <button type="submit" className={buttonPrimary} disabled={!input.trim()}>
            Send
          </button>
        )}
      </form>
    </section>
  );
}
