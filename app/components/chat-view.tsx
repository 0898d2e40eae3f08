import { Form, Link, useActionData, useNavigation, useRevalidator, useSubmit } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import type { MessageView, SessionView } from "~/chat/session-view.server";
import { formatCost, formatTokens } from "~/utils/format";
import { Markdown } from "./markdown";
import { buttonPrimary, buttonSecondary, inputClass } from "./ui";
import { useReplyStream, type Reply } from "./use-reply-stream";

/** A turn shown while it streams, until the saved transcript moves past `after` (its last message then). */
type Pending = { message: string | null; reply: Reply | null; after: string | null };

const draftKey = (sessionId: string) => `assistant-lab:draft:${sessionId}`;

/** A saved chat: the transcript, the streaming reply, and the session's controls. */
export function ChatView({
  session,
  messages,
  starterPrompts,
}: {
  session: SessionView;
  messages: MessageView[];
  starterPrompts: string[];
}) {
  const { reply, streaming, send, stop } = useReplyStream();
  const revalidator = useRevalidator();
  const submit = useSubmit();
  const [pendingTurn, setPending] = useState<Pending | null>(null);
  const [draft, setDraft] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const actionData = useActionData<{ error: string | null }>();
  const navigation = useNavigation();
  const concluding = navigation.state !== "idle" && navigation.formData?.get("intent") === "conclude";
  const bottom = useRef<HTMLDivElement>(null);

  // Once the saved transcript has been reloaded, it replaces what was shown while streaming.
  useEffect(() => {
    setPending(null);
  }, [messages]);
  useEffect(() => {
    const saved = sessionStorage.getItem(draftKey(session.id));
    if (saved) {
      setDraft(saved);
      sessionStorage.removeItem(draftKey(session.id));
    }
  }, [session.id]);
  // Block body: newer browsers return a promise from scrollIntoView, which an effect must not return.
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [messages, reply?.text, pendingTurn]);

  async function turn(body: { message: string } | { retry: true }) {
    setProblem(null);
    const message = "message" in body ? body.message : null;
    const after = messages.at(-1)?.id ?? null;
    setPending({ message, reply: null, after });
    const result = await send({ mode: "session", sessionId: session.id, ...body });
    if (result.problem) {
      setPending(null);
      if (message) setDraft(message);
      setProblem(result.problem.message);
      if (result.problem.status === 401) {
        // Signed out meanwhile: keep the message for when the person is back.
        if (message) sessionStorage.setItem(draftKey(session.id), message);
        window.location.assign(`/?redirectTo=${encodeURIComponent(`/sessions/${session.id}`)}`);
      }
      return;
    }
    setPending({ message, reply: result.reply, after });
    if (result.reply?.error?.code === "key_rejected") {
      submit({ reason: "key_rejected" }, { method: "post", action: "/sign-out" });
      return;
    }
    revalidator.revalidate();
  }

  // Hidden in the very render that brings the saved turn, so it never shows twice.
  const pending = pendingTurn && (messages.at(-1)?.id ?? null) === pendingTurn.after ? pendingTurn : null;
  const shownReply = streaming ? reply : pending?.reply;
  const lastAssistant = [...messages].reverse().find((message) => message.role === "assistant");
  const canRetry = !streaming && !session.concluded && messages.at(-1) !== undefined;
  const exchanges = messages.filter((message) => message.role === "assistant" && message.status !== "error").length;

  return (
    <main className="mx-auto flex max-w-3xl flex-col px-4 py-6">
      <SessionHeader
        session={session}
        canConclude={exchanges >= 2 && !session.concluded && !streaming}
        concluding={concluding}
      />
      {actionData?.error ? (
        <p
          role="alert"
          className="mt-3 rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {actionData.error}
        </p>
      ) : null}

      <ol aria-label="Conversation" className="mt-6 space-y-5">
        {messages.map((message) => (
          <MessageItem
            key={message.id}
            role={message.role}
            content={message.content}
            cost={message.cost}
            interrupted={message.status === "interrupted"}
            error={message.error}
          />
        ))}
        {pending?.message ? <MessageItem role="user" content={pending.message} /> : null}
        {pending && (shownReply || streaming) ? (
          <MessageItem
            role="assistant"
            content={shownReply?.text ?? ""}
            streaming={streaming}
            interrupted={shownReply?.interrupted}
            error={shownReply?.error?.message ?? null}
            cost={shownReply?.usage?.cost_usd ?? null}
          />
        ) : null}
      </ol>
      <div ref={bottom} />

      {messages.length === 0 && !pending && starterPrompts.length > 0 ? (
        <div className="mt-6">
          <p className="text-sm text-slate-600 dark:text-slate-300">Start with one of these, or write your own:</p>
          <ul className="mt-2 flex flex-wrap gap-2">
            {starterPrompts.map((prompt) => (
              <li key={prompt}>
                <button
                  type="button"
                  onClick={() => void turn({ message: prompt })}
                  className="rounded-full border border-indigo-300 px-3 py-1 text-sm hover:bg-indigo-50 dark:border-indigo-700 dark:hover:bg-indigo-950"
                >
                  {prompt}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {problem ? (
        <p role="alert" className="mt-4 text-sm text-red-700 dark:text-red-400">
          {problem}
        </p>
      ) : null}

      {session.concluded ? (
        <Recap session={session} />
      ) : (
        <Composer
          draft={draft}
          setDraft={setDraft}
          streaming={streaming}
          onSend={(message) => void turn({ message })}
          onStop={stop}
          onRetry={canRetry && lastAssistant ? () => void turn({ retry: true }) : null}
        />
      )}
    </main>
  );
}

function SessionHeader({
  session,
  canConclude,
  concluding,
}: {
  session: SessionView;
  canConclude: boolean;
  concluding: boolean;
}) {
  const [renaming, setRenaming] = useState(false);
  return (
    <header className="border-b border-slate-200 pb-4 dark:border-slate-800">
      <p className="text-sm text-slate-500">
        <Link to={`/assistants/${session.botId}`} className="hover:underline">
          {session.botName}
        </Link>{" "}
        · {session.model} · {session.sessionType}
      </p>
      {renaming ? (
        <Form method="post" onSubmit={() => setRenaming(false)} className="mt-1 flex gap-2">
          <input type="hidden" name="intent" value="rename" />
          <label htmlFor="title" className="sr-only">
            Title
          </label>
          <input
            id="title"
            name="title"
            defaultValue={session.title}
            maxLength={80}
            className={`${inputClass} mt-0`}
            autoFocus
          />
          <button type="submit" className={buttonSecondary}>
            Save
          </button>
        </Form>
      ) : (
        <div className="mt-1 flex items-center gap-2">
          <h1 className="text-xl font-semibold">{session.title}</h1>
          <button type="button" onClick={() => setRenaming(true)} className="text-xs text-slate-500 underline">
            Rename
          </button>
        </div>
      )}
      <div className="mt-2 flex flex-wrap items-center gap-x-4 gap-y-2 text-xs text-slate-600 dark:text-slate-300">
        <span>{session.statusLabel}</span>
        <span aria-label="Session usage">
          {formatTokens(session.tokens)} · {formatCost(session.cost, session.unpricedTokens)}
        </span>
        <a href={`/sessions/${session.id}/download?format=md`} className="underline">
          Download Markdown
        </a>
        <a href={`/sessions/${session.id}/download?format=json`} className="underline">
          Download JSON
        </a>
        {canConclude ? (
          <Form method="post">
            <input type="hidden" name="intent" value="conclude" />
            <button type="submit" disabled={concluding} className={buttonSecondary}>
              {concluding ? "Writing the recap…" : "Conclude"}
            </button>
          </Form>
        ) : null}
        <Form
          method="post"
          onSubmit={(event) => {
            if (!confirm("Delete this chat and all its messages?")) event.preventDefault();
          }}
        >
          <input type="hidden" name="intent" value="delete" />
          <button type="submit" className="text-red-700 underline dark:text-red-400">
            Delete
          </button>
        </Form>
      </div>
      {session.unreadable ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          Part of this chat could not be decrypted: it may have been altered in the database.
        </p>
      ) : null}
    </header>
  );
}

function MessageItem({
  role,
  content,
  streaming = false,
  interrupted = false,
  error = null,
  cost = null,
}: {
  role: "user" | "assistant";
  content: string;
  streaming?: boolean;
  interrupted?: boolean;
  error?: string | null;
  cost?: number | null;
}) {
  if (role === "user") {
    return (
      <li className="ml-10 rounded-xl bg-indigo-50 px-4 py-3 dark:bg-indigo-950">
        <span className="sr-only">You said:</span>
        <p className="whitespace-pre-wrap text-sm">{content}</p>
      </li>
    );
  }
  return (
    <li className="mr-4" aria-busy={streaming}>
      <span className="sr-only">The assistant said:</span>
      {content ? (
        <Markdown>{content}</Markdown>
      ) : streaming ? (
        <p className="text-sm text-slate-500">Thinking…</p>
      ) : null}
      {interrupted ? (
        <p className="mt-1 text-xs text-amber-700 dark:text-amber-400">Stopped before it finished.</p>
      ) : null}
      {error ? (
        <p role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      ) : null}
      {!streaming && cost !== null ? <p className="mt-1 text-xs text-slate-400">{formatCost(cost)}</p> : null}
    </li>
  );
}

function Composer({
  draft,
  setDraft,
  streaming,
  onSend,
  onStop,
  onRetry,
}: {
  draft: string;
  setDraft: (value: string) => void;
  streaming: boolean;
  onSend: (message: string) => void;
  onStop: () => void;
  onRetry: (() => void) | null;
}) {
  const sendDraft = () => {
    const message = draft.trim();
    if (!message || streaming) return;
    setDraft("");
    onSend(message);
  };
  return (
    <form
      className="sticky bottom-0 mt-6 border-t border-slate-200 bg-slate-50 pt-4 pb-4 dark:border-slate-800 dark:bg-slate-950"
      onSubmit={(event) => {
        event.preventDefault();
        sendDraft();
      }}
    >
      <label htmlFor="message" className="sr-only">
        Message
      </label>
      <textarea
        id="message"
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          // Enter sends; Shift+Enter (and composing input methods) make a new line.
          if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            sendDraft();
          }
        }}
        rows={3}
        maxLength={8_000}
        placeholder="Write a message… (Enter to send, Shift+Enter for a new line)"
        className={`${inputClass} mt-0 resize-y`}
      />
      <div className="mt-2 flex justify-end gap-2">
        {onRetry ? (
          <button type="button" onClick={onRetry} className={buttonSecondary}>
            Retry
          </button>
        ) : null}
        {streaming ? (
          <button type="button" onClick={onStop} className={buttonSecondary}>
            Stop
          </button>
        ) : (
          <button type="submit" disabled={!draft.trim()} className={buttonPrimary}>
            Send
          </button>
        )}
      </div>
    </form>
  );
}

function Recap({ session }: { session: SessionView }) {
  return (
    <section
      aria-label="Recap"
      className="mt-8 rounded-xl border border-emerald-200 bg-emerald-50 p-4 dark:border-emerald-900 dark:bg-emerald-950"
    >
      <h2 className="font-semibold">Recap</h2>
      <div className="mt-2">
        <Markdown>{session.recap ?? ""}</Markdown>
      </div>
      <div className="mt-4 flex items-center gap-2 text-sm">
        <span>Was this chat helpful?</span>
        {(["up", "down"] as const).map((rating) => (
          <Form method="post" key={rating}>
            <input type="hidden" name="intent" value="rate" />
            <input type="hidden" name="rating" value={rating} />
            <button
              type="submit"
              aria-pressed={session.rating === rating}
              className={`rounded-md border px-2 py-1 ${session.rating === rating ? "border-indigo-600 bg-indigo-100 dark:bg-indigo-900" : "border-slate-300 dark:border-slate-700"}`}
            >
              {rating === "up" ? "Thumbs up" : "Thumbs down"}
            </button>
          </Form>
        ))}
      </div>
    </section>
  );
}
