import { useState } from "react";
import { Markdown } from "./markdown";
import { buttonPrimary, buttonSecondary, inputClass } from "./ui";
import { useReplyStream, type Reply } from "./use-reply-stream";

type Turn = { role: "user"; content: string } | { role: "assistant"; reply: Reply };

export type Draft = Record<string, string>;

/**
 * Chat with the lab's unsaved settings, read from the form when each message
 * is sent. Nothing is saved and no session is counted.
 */
export function TestDrive({ readDraft }: { readDraft: () => Draft }) {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [input, setInput] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const { reply, streaming, send, stop, clear } = useReplyStream();

  async function submit(text: string) {
    const history = [...turns, { role: "user" as const, content: text }];
    setTurns(history);
    setInput("");
    setProblem(null);
    const messages = history.flatMap((turn): { role: "user" | "assistant"; content: string }[] =>
      turn.role === "user" ? [turn] : turn.reply.text ? [{ role: "assistant", content: turn.reply.text }] : [],
    );
    const result = await send({ mode: "draft", draft: readDraft(), messages });
    clear();
    if (result.problem) {
      // Nothing was sent to the model: put the message back to fix and resend.
      setTurns(turns);
      setInput(text);
      setProblem(result.problem.message);
    } else if (result.reply) {
      setTurns([...history, { role: "assistant", reply: result.reply }]);
    }
  }

  const shown: Turn[] = reply ? [...turns, { role: "assistant", reply }] : turns;
  return (
    <section
      aria-label="Test drive"
      className="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="flex items-center justify-between">
        <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">Test drive</h2>
        {turns.length > 0 && !streaming ? (
          <button
            type="button"
            onClick={() => setTurns([])}
            className="text-xs text-slate-600 underline dark:text-slate-400"
          >
            Clear
          </button>
        ) : null}
      </div>
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
        Try the current settings before saving. Nothing here is saved.
      </p>
      <ol aria-live="polite" className="mt-3 max-h-96 space-y-3 overflow-y-auto">
        {shown.map((turn, index) => (
          <li
            key={index}
            className={turn.role === "user" ? "ml-6 rounded-lg bg-indigo-50 p-2 text-sm dark:bg-indigo-950" : "mr-2"}
          >
            <span className="sr-only">{turn.role === "user" ? "You:" : "Assistant:"}</span>
            {turn.role === "user" ? (
              <p className="whitespace-pre-wrap">{turn.content}</p>
            ) : (
              <>
                <Markdown>{turn.reply.text}</Markdown>
                {turn.reply.interrupted ? (
                  <p className="mt-1 text-xs text-amber-700 dark:text-amber-400">Stopped.</p>
                ) : null}
                {turn.reply.error ? (
                  <p role="alert" className="mt-1 text-xs text-red-700 dark:text-red-400">
                    {turn.reply.error.message}
                  </p>
                ) : null}
              </>
            )}
          </li>
        ))}
      </ol>
      {problem ? (
        <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-400">
          {problem}
        </p>
      ) : null}
      <form
        className="mt-3 flex gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          if (input.trim() && !streaming) void submit(input.trim());
        }}
      >
        <label htmlFor="test-drive-message" className="sr-only">
          Test message
        </label>
        <input
          id="test-drive-message"
          value={input}
          onChange={(event) => setInput(event.target.value)}
          placeholder="Say hello…"
          className={`${inputClass} mt-0`}
        />
        {streaming ? (
          <button type="button" onClick={stop} className={buttonSecondary}>
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
