// App servers as separate processes on a Firestore project of their own, and
// people who use them only over HTTP, as browsers and API clients do. For the
// suites that run two instances, kill, pause or shut servers down.
import { randomUUID } from "node:crypto";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { readChatEvents, type ChatEvent } from "~/chat/events";
/** A turn of a web chat: text from a person or the assistant. */
export type TextTurn = { role: "user" | "assistant"; content: string };
import { open, transcriptKey } from "~/utils/transcript-crypto.server";
import { startAppServer, type AppServer, thisProcessSecrets } from "./app-server";
import { assistantFields } from "./assistant-input";
import { fakeProvider } from "./integration";

export type Cluster = { project: string; servers: AppServer[]; firestore: Firestore; stop: () => Promise<void> };

/** `count` servers sharing one fresh project, with this process's secrets so transcripts can be checked. */
export async function startCluster(count: number, env: Record<string, string> = {}): Promise<Cluster> {
  const project = `demo-${randomUUID().slice(0, 8)}`;
  const secrets = thisProcessSecrets();
  const servers: AppServer[] = [];
  for (let i = 0; i < count; i += 1) {
    servers.push(
      await startAppServer({
        OPENAI_BASE_URL: fakeProvider.url,
        GOOGLE_CLOUD_PROJECT: project,
        CHAT_TURNS_PER_MINUTE: "100000",
        SIGN_IN_ATTEMPTS: "100000",
        SIGN_IN_ATTEMPTS_PER_KEY: "100000",
        ...secrets,
        ...env,
      }),
    );
  }
  // On the emulator no credentials are used: no probing for a cloud metadata server (as db.server does).
  process.env.METADATA_SERVER_DETECTION ??= "none";
  const app = initializeApp({ projectId: project }, project);
  return {
    project,
    servers,
    firestore: getFirestore(app),
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await deleteApp(app);
    },
  };
}

/** A person with a key and a browser's cookie, who may use any server of the cluster. */
export type WebPerson = { apiKey: string; cookie: string };

export async function signInOver(server: AppServer, apiKey = `sk-test-${randomUUID()}`): Promise<WebPerson> {
  const response = await fetch(`${server.url}/?index`, {
    method: "POST",
    body: new URLSearchParams({ apiKey }),
    redirect: "manual",
  });
  if (response.status !== 302) throw new Error(`Sign-in answered ${response.status}: ${await response.text()}`);
  return { apiKey, cookie: response.headers.get("set-cookie")!.split(";")[0]! };
}

/** Posts a web form as the person; answers the response without following redirects. */
export function postForm(server: AppServer, person: WebPerson, path: string, fields: Record<string, string>) {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: { Cookie: person.cookie },
    redirect: "manual",
  });
}

const ASSISTANT = assistantFields({
  name: "Thinker",
  tag_line: "Thinks with you",
  instructions: "Help the person think.",
  max_tokens: "300",
});

/** Creates an assistant through the lab and starts a chat with it; returns the session id. */
export async function newChatOver(server: AppServer, person: WebPerson): Promise<string> {
  const created = await postForm(server, person, "/assistants/new", ASSISTANT);
  const botId = /\/assistants\/([\w-]+)/.exec(created.headers.get("location") ?? "")?.[1];
  if (!botId) throw new Error(`Creating an assistant answered ${created.status}`);
  const started = await postForm(server, person, `/assistants/${botId}/chat`, {});
  const sessionId = /\/sessions\/([\w-]+)/.exec(started.headers.get("location") ?? "")?.[1];
  if (!sessionId) throw new Error(`Starting a chat answered ${started.status}`);
  return sessionId;
}

export type TurnResult = { status: number; events: ChatEvent[]; body: unknown };

/** A turn whose answer has begun: refused (with its JSON body), or admitted with its stream still open. */
export type OpenTurn = { status: number; response: Response; stop: AbortController; body: unknown };

export async function openTurn(
  server: AppServer,
  person: WebPerson,
  sessionId: string,
  message: string,
): Promise<OpenTurn> {
  const stop = new AbortController();
  const response = await fetch(`${server.url}/api/chat`, {
    method: "POST",
    headers: { Cookie: person.cookie, "Content-Type": "application/json" },
    body: JSON.stringify({ mode: "session", sessionId, message }),
    signal: stop.signal,
  });
  const body = response.ok ? null : await response.json().catch(() => null);
  return { status: response.status, response, stop, body };
}

/** Reads an admitted turn's stream to its end. */
export async function readTurn(turn: OpenTurn): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  if (turn.status === 200) for await (const event of readChatEvents(turn.response.body!)) events.push(event);
  return events;
}

/**
 * Reads an admitted turn until its first words, then goes away as a person
 * pressing Stop does, and waits (as the browser does) until the server has
 * saved what arrived.
 */
export async function stopTurn(server: AppServer, person: WebPerson, sessionId: string, turn: OpenTurn): Promise<void> {
  try {
    for await (const event of readChatEvents(turn.response.body!)) {
      if (event.type === "delta") turn.stop.abort();
    }
  } catch (error) {
    if (!turn.stop.signal.aborted) throw error;
  }
  await settleOver(server, person, sessionId);
}

/** One message over /api/chat, read to the end when admitted. */
export async function sendOver(
  server: AppServer,
  person: WebPerson,
  sessionId: string,
  message: string,
): Promise<TurnResult> {
  const turn = await openTurn(server, person, sessionId, message);
  return { status: turn.status, events: await readTurn(turn), body: turn.body };
}

/**
 * Waits, as the browser does after Stop, until the server has saved the
 * stopped reply. Rarely the server does not notice the client going (see
 * the closing note of the hardening issue) and the reply runs to its end
 * first, so this asks up to three times (the settle route waits 10 s each).
 */
export async function settleOver(server: AppServer, person: WebPerson, sessionId: string) {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const response = await fetch(`${server.url}/api/chat`, {
      method: "POST",
      headers: { Cookie: person.cookie, "Content-Type": "application/json" },
      body: JSON.stringify({ mode: "settle", sessionId }),
    });
    if (((await response.json()) as { settled?: boolean }).settled) return;
  }
  throw new Error("The stopped reply was not saved in time.");
}

export type Transcript = { messages: (TextTurn & { status: string })[]; context: TextTurn[]; userId: string };

/** The session as stored, decrypted with the person's key: the transcript (without replaced replies) and the saved context. */
export async function readTranscript(firestore: Firestore, person: WebPerson, sessionId: string): Promise<Transcript> {
  const key = transcriptKey(person.apiKey);
  const sessionRef = firestore.collection("sessions").doc(sessionId);
  const [session, docs] = await Promise.all([
    sessionRef.get(),
    sessionRef.collection("messages").orderBy("created_date").get(),
  ]);
  const messages = docs.docs
    .filter((doc) => doc.get("status") !== "superseded")
    .map((doc) => ({
      role: doc.get("role") as TextTurn["role"],
      content: open(key, doc.get("message"), doc.ref.path, "message") ?? "<unreadable>",
      status: doc.get("status") as string,
    }));
  const stored = session.get("messages_str");
  const context =
    typeof stored === "string"
      ? (JSON.parse(open(key, stored, sessionRef.path, "messages_str")!) as { turns: TextTurn[] }).turns
      : [];
  return { messages, context, userId: session.get("user_id") };
}

/** The turns a transcript stands for: what the saved context must hold (a reply with no text adds none). */
export function turnsOf(transcript: Transcript): TextTurn[] {
  return transcript.messages.filter((message) => message.content).map(({ role, content }) => ({ role, content }));
}
