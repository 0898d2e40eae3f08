import { Form, Link, useActionData, useNavigation, useSubmit } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import type { MessageView, SessionView, ToolCallView } from "~/chat/session-view.server";
import { formatCost, formatTokens } from "~/utils/format";
import { Markdown } from "./markdown";
import { buttonPrimary, buttonSecondary, inputClass } from "./ui";
import { useDraft } from "./use-draft";
import { useFollow } from "./use-follow";
import { useReplyStream, type Reply } from "./use-reply-stream";

/**
 * The turns this page streamed since the transcript was loaded. The browser
 * keeps what it was sent instead of reloading (and decrypting) the whole
 * transcript after every reply; the next load brings them from the server.
 */
type Kept = {
  messages: MessageView[];
  replaced: string[];
  tokens: number;
  cost: number;
  unpriced: number;
  title: string | null;
};

const NOTHING_KEPT: Kept = { messages: [], replaced: [], tokens: 0, cost: 0, unpriced: 0, title: null };

/** Adds a finished turn to what the page keeps; a retry's reply takes the place of the one it answers again. */
function keepTurn(
  kept: Kept,
  turn: { message: string | null; replaces: string | null; reply: Reply },
  model: string,
): Kept {
  const { reply } = turn;
  const now = new Date().toISOString();
  const index = kept.messages.length;
  const shown: MessageView[] = [];
  if (turn.message !== null) {
    shown.push({
      id: `kept-${index}`,
      role: "user",
      content: turn.message,
      toolCalls: [],
      toolCallId: null,
      status: "complete",
      model: null,
      promptTokens: 0,
      completionTokens: 0,
      cost: null,
      error: null,
      created: now,
    });
  }
  shown.push({
    id: reply.messageId ?? `kept-${index + 1}`,
    role: "assistant",
    content: reply.text,
    toolCalls: [],
    toolCallId: null,
    status: reply.failed ? "error" : reply.interrupted ? "interrupted" : "complete",
    model,
    promptTokens: reply.usage?.prompt_tokens ?? 0,
    completionTokens: reply.usage?.completion_tokens ?? 0,
    cost: reply.usage?.cost_usd ?? null,
    error: reply.error?.message ?? null,
    created: now,
  });
  const tokens = reply.usage?.total_tokens ?? 0;
  const priced = reply.usage?.cost_usd !== null && reply.usage?.cost_usd !== undefined;
  return {
    messages: [...kept.messages, ...shown],
    replaced: turn.replaces ? [...kept.replaced, turn.replaces] : kept.replaced,
    tokens: kept.tokens + tokens,
    cost: kept.cost + (reply.usage?.cost_usd ?? 0),
    unpriced: kept.unpriced + (priced ? 0 : tokens),
    title: reply.title ?? kept.title,
  };
}

/** A saved chat: the transcript, the streaming reply, and the session's controls. */
export function ChatView({
  session: loaded,
  messages: loadedMessages,
  starterPrompts,
  ask = null,
  onTitle,
}: {
  session: SessionView;
  messages: MessageView[];
  starterPrompts: string[];
  /** A starter prompt to send at once, as a new chat's first message (picked on the assistant's page). */
  ask?: string | null;
  /** Told when a turn gives the chat its title, for what else on the page names it. */
  onTitle?: (title: string) => void;
}) {
  const { reply, streaming, send, stop } = useReplyStream();
  const submit = useSubmit();
  const [pending, setPending] = useState<{ message: string | null; replaces: string | null } | null>(null);
  // What this page streamed since `loadedMessages` came: a fresh load (after renaming, rating,
  // concluding) already holds those turns, so what was kept for an older load is dropped.
  const [keptState, setKept] = useState<Kept & { for: MessageView[] }>({ ...NOTHING_KEPT, for: loadedMessages });
  const kept = keptState.for === loadedMessages ? keptState : NOTHING_KEPT;
  const [draft, setDraft] = useDraft(loaded.id);
  const [announcement, setAnnouncement] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const actionData = useActionData<{ error: string | null }>();
  const navigation = useNavigation();
  const concluding = navigation.state !== "idle" && navigation.formData?.get("intent") === "conclude";
  const { content, following, jumpToLatest } = useFollow<HTMLElement>();

  const messages = [...loadedMessages, ...kept.messages].filter((message) => !kept.replaced.includes(message.id));
  const session: SessionView = {
    ...loaded,
    title: kept.title ?? loaded.title,
    tokens: loaded.tokens + kept.tokens,
    cost: loaded.cost + kept.cost,
    unpricedTokens: loaded.unpricedTokens + kept.unpriced,
  };

  async function turn(body: { message: string } | { retry: true }) {
    setProblem(null);
    const message = "message" in body ? body.message : null;
    const last = messages.at(-1);
    const replaces = message === null && last?.role === "assistant" ? last.id : null;
    setPending({ message, replaces });
    setAnnouncement("");
    const result = await send(
      { mode: "session", sessionId: session.id, ...body },
      messages.map((shown) => shown.id),
    );
    setPending(null);
    if (result.problem) {
      if (message) setDraft(message);
      setProblem(result.problem.message);
      if (result.problem.status === 401) {
        // Signed out meanwhile: the message stays as the draft for when the person is back.
        window.location.assign(`/?redirectTo=${encodeURIComponent(`/sessions/${session.id}`)}`);
      }
      return;
    }
    const finished = result.reply!;
    setAnnouncement(announce(finished));
    if (finished.title) onTitle?.(finished.title);
    setKept((previous) => ({
      ...keepTurn(
        previous.for === loadedMessages ? previous : NOTHING_KEPT,
        { message, replaces, reply: finished },
        session.model,
      ),
      for: loadedMessages,
    }));
    if (finished.error?.code === "key_rejected") {
      submit({ reason: "key_rejected" }, { method: "post", action: "/sign-out" });
    }
  }

  // Sent once: the address drops the prompt first, so a reload cannot send it again.
  const asked = useRef(false);
  useEffect(() => {
    if (asked.current || !ask || loadedMessages.length > 0 || !starterPrompts.includes(ask)) return;
    asked.current = true;
    window.history.replaceState(window.history.state, "", window.location.pathname);
    void turn({ message: ask });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the chat opens
  }, []);

  const lastAssistant = [...messages].reverse().find((message) => message.role === "assistant");
  const canRetry = !streaming && !session.concluded && messages.at(-1) !== undefined;
  const exchanges = messages.filter((message) => message.role === "assistant" && message.status !== "error").length;
  // While a retry streams, its new reply stands where the old one was.
  const shown = messages.filter((message) => message.id !== pending?.replaces);

  return (
    <main ref={content} className="mx-auto flex max-w-3xl flex-col px-4 py-6">
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
        {shown.map((message) => (
          <MessageItem
            key={message.id}
            author={message.role}
            content={message.content}
            toolCalls={message.toolCalls}
            usage={message.role === "assistant" ? message : null}
            interrupted={message.status === "interrupted"}
            error={message.error}
          />
        ))}
        {pending?.message ? <MessageItem author="user" content={pending.message} /> : null}
        {pending ? (
          <MessageItem
            author="assistant"
            content={reply?.text ?? ""}
            streaming={streaming}
            interrupted={reply?.interrupted}
            error={reply?.error?.message ?? null}
            usage={
              reply?.usage
                ? {
                    promptTokens: reply.usage.prompt_tokens,
                    completionTokens: reply.usage.completion_tokens,
                    cost: reply.usage.cost_usd,
                  }
                : null
            }
          />
        ) : null}
      </ol>
      {/* Finished replies only: a screen reader reading every token would never stop talking. */}
      <p role="status" aria-live="polite" className="sr-only">
        {announcement}
      </p>

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
          onJumpToLatest={following ? null : jumpToLatest}
          focusOnOpen={messages.length === 0}
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
      <p className="text-sm text-slate-600 dark:text-slate-400">
        {session.botId ? (
          <Link to={`/assistants/${session.botId}`} className="hover:underline">
            {session.botName}
          </Link>
        ) : (
          session.botName
        )}{" "}
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
            ref={(input) => input?.focus()}
          />
          <button type="submit" className={buttonSecondary}>
            Save
          </button>
        </Form>
      ) : (
        <div className="mt-1 flex items-center gap-2">
          <h1 className="text-xl font-semibold">{session.title}</h1>
          <button
            type="button"
            onClick={() => setRenaming(true)}
            className="text-xs text-slate-600 dark:text-slate-400 underline"
          >
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
  author,
  content,
  toolCalls = null,
  streaming = false,
  interrupted = false,
  error = null,
  usage = null,
}: {
  author: "user" | "assistant" | "tool";
  content: string;
  toolCalls?: ToolCallView[] | null;
  streaming?: boolean;
  interrupted?: boolean;
  error?: string | null;
  usage?: ReplyUsage | null;
}) {
  if (author === "tool") {
    return (
      <li className="mr-4 rounded-md border border-slate-200 px-3 py-2 text-xs dark:border-slate-700">
        <span className="font-medium">Tool result:</span>
        <pre className="mt-1 whitespace-pre-wrap">{content}</pre>
      </li>
    );
  }
  if (author === "user") {
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
        <p className="text-sm text-slate-600 dark:text-slate-400">Thinking…</p>
      ) : null}
      {toolCalls?.length ? (
        <ul aria-label="Functions called" className="mt-1 space-y-1 text-xs">
          {toolCalls.map((call) => (
            <li key={call.id}>
              Called <code>{`${call.name}(${call.arguments})`}</code>
            </li>
          ))}
        </ul>
      ) : null}
      {interrupted ? (
        <p className="mt-1 text-xs text-amber-700 dark:text-amber-400">Stopped before it finished.</p>
      ) : null}
      {error ? (
        <p role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      ) : null}
      {!streaming && usage ? <UsageLine usage={usage} /> : null}
    </li>
  );
}

type ReplyUsage = Pick<MessageView, "promptTokens" | "completionTokens" | "cost">;

/** What one reply used: the tokens it was sent and wrote, and what they cost. */
function UsageLine({ usage }: { usage: ReplyUsage }) {
  if (usage.promptTokens + usage.completionTokens === 0 && usage.cost === null) return null;
  return (
    <p aria-label="Reply usage" className="mt-1 text-xs text-slate-500 dark:text-slate-400">
      {usage.promptTokens.toLocaleString("en-US")} in · {usage.completionTokens.toLocaleString("en-US")} out ·{" "}
      {formatCost(usage.cost, usage.cost === null ? usage.promptTokens + usage.completionTokens : 0)}
    </p>
  );
}

/** What a screen reader says when a reply ends. */
function announce(reply: Reply): string {
  if (reply.failed) return "The reply failed.";
  if (reply.interrupted) return `Reply stopped. ${reply.text}`.trim();
  return `The assistant replied: ${reply.text}`;
}

function Composer({
  draft,
  setDraft,
  streaming,
  onSend,
  onStop,
  onRetry,
  onJumpToLatest,
  focusOnOpen,
}: {
  draft: string;
  setDraft: (value: string) => void;
  streaming: boolean;
  onSend: (message: string) => void;
  onStop: () => void;
  onRetry: (() => void) | null;
  onJumpToLatest: (() => void) | null;
  focusOnOpen: boolean;
}) {
  const box = useRef<HTMLTextAreaElement>(null);
  // A new chat starts with writing; an ongoing one leaves focus where the person put it.
  useEffect(() => {
    if (focusOnOpen) box.current?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the chat opens
  }, []);
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
      {onJumpToLatest ? (
        <button
          type="button"
          onClick={onJumpToLatest}
          className="absolute -top-12 left-1/2 -translate-x-1/2 rounded-full border border-slate-300 bg-white px-3 py-1.5 text-sm shadow-md hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
        >
          Jump to latest <span aria-hidden>↓</span>
        </button>
      ) : null}
      <label htmlFor="message" className="sr-only">
        Message
      </label>
      <textarea
        id="message"
        ref={box}
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
