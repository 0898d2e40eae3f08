// People using the app (and the provider, and the floor proxy) over HTTP, as browsers and API
// clients do, each timing what they receive.
import { createParser } from "eventsource-parser";
import { assistantFields } from "../tests/setup/assistant-input.ts";

/** What one streamed reply looked like from the client's side. */
export type StreamResult = {
  /** From sending the request to the first text of the reply. */
  ttftMs: number;
  /** From sending the request to the end of the stream. */
  endMs: number;
  /** Pieces of text received. */
  tokens: number;
  /** Why the turn failed or was lost, if it was. */
  failure: string | null;
};

/** A person signed in through the sign-in form, with the cookie a browser keeps. */
export type WebPerson = { apiKey: string; cookie: string };

export async function signIn(appUrl: string, apiKey: string): Promise<WebPerson> {
  const response = await fetch(`${appUrl}/?index`, {
    method: "POST",
    body: new URLSearchParams({ apiKey }),
    redirect: "manual",
  });
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  if (response.status !== 302 || !cookie) throw new Error(`Signing in answered ${response.status}`);
  return { apiKey, cookie };
}

async function postForm(appUrl: string, person: WebPerson, path: string, fields: Record<string, string>) {
  return fetch(`${appUrl}${path}`, {
    method: "POST",
    headers: { Cookie: person.cookie, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** Creates an assistant in the lab; its replies may be long enough for the benchmark's. */
export async function createAssistant(appUrl: string, person: WebPerson): Promise<string> {
  const created = await postForm(appUrl, person, "/assistants/new", assistantFields({ name: "Bench", max_tokens: "1000" }));
  const botId = /\/assistants\/([\w-]+)/.exec(created.headers.get("location") ?? "")?.[1];
  if (!botId) throw new Error(`Creating an assistant answered ${created.status}`);
  return botId;
}

export async function startChat(appUrl: string, person: WebPerson, botId: string): Promise<string> {
  const started = await postForm(appUrl, person, `/assistants/${botId}/chat`, {});
  const sessionId = /\/sessions\/([\w-]+)/.exec(started.headers.get("location") ?? "")?.[1];
  if (!sessionId) throw new Error(`Starting a chat answered ${started.status}`);
  return sessionId;
}

/** Sends a request and reads its Server-Sent Events, counting the text each event carries. */
async function timedStream(
  url: string,
  init: RequestInit,
  textOf: (data: string, name: string | undefined) => { text: number; end?: boolean; failure?: string },
): Promise<StreamResult> {
  const sent = performance.now();
  let ttftMs = Number.NaN;
  let tokens = 0;
  let ended = false;
  let failure: string | null = null;
  try {
    const response = await fetch(url, init);
    if (response.status !== 200) {
      await response.text();
      return { ttftMs, endMs: performance.now() - sent, tokens, failure: `HTTP ${response.status}` };
    }
    const parser = createParser({
      onEvent: (event) => {
        const seen = textOf(event.data, event.event);
        if (seen.text > 0 && Number.isNaN(ttftMs)) ttftMs = performance.now() - sent;
        tokens += seen.text;
        if (seen.end) ended = true;
        if (seen.failure) failure ??= seen.failure;
      },
    });
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      parser.feed(decoder.decode(read.value, { stream: true }));
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  if (!ended) failure ??= "the stream ended without its last event";
  return { ttftMs, endMs: performance.now() - sent, tokens, failure };
}

/** The OpenAI wire format: chunks with content, then [DONE]. */
function completionChunk(data: string) {
  if (data === "[DONE]") return { text: 0, end: true };
  const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string } }[]; error?: { message: string } };
  if (chunk.error) return { text: 0, failure: chunk.error.message };
  return { text: chunk.choices?.[0]?.delta?.content ? 1 : 0 };
}

/** The web chat's typed events (app/chat/events.ts): deltas, then done. */
function webEvent(data: string, name: string | undefined) {
  if (name === "error") return { text: 0, failure: (JSON.parse(data) as { error?: { code: string } }).error?.code ?? "error" };
  return { text: name === "delta" ? 1 : 0, end: name === "done" };
}

export function webTurn(appUrl: string, person: WebPerson, sessionId: string, message: string) {
  return timedStream(
    `${appUrl}/api/chat`,
    {
      method: "POST",
      headers: { Cookie: person.cookie, "Content-Type": "application/json" },
      body: JSON.stringify({ mode: "session", sessionId, message }),
    },
    webEvent,
  );
}

/** A streamed Chat Completions call: to an assistant through /v1 (optionally continuing a session), or to a model. */
export function completionCall(baseUrl: string, apiKey: string, model: string, message: string, sessionId?: string) {
  return timedStream(
    `${baseUrl}/chat/completions`,
    {
      method: "POST",
      headers: {
        Authorization: `Bearer ${apiKey}`,
        "Content-Type": "application/json",
        ...(sessionId ? { "X-Session-Id": sessionId } : {}),
      },
      body: JSON.stringify({
        model,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: message }],
      }),
    },
    completionChunk,
  );
}
