import http from "node:http";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { BODY_LIMITS } from "~/utils/body-limits";
import { deleteApp, initializeApp, type App } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { describeWait } from "~/utils/format";
import { startAppServer, type AppServer, thisProcessSecrets } from "../setup/app-server";
import { fakeProvider } from "../setup/integration";
import { newChatOver, signInOver, type WebPerson } from "../setup/cluster";

// Errors as clients read them over HTTP: every /api/chat refusal is a JSON
// body with its code and message (and Retry-After where it applies), logged as
// one line; bodies too large or of the wrong type are refused before they
// are read, on a connection that stays usable.

const SIGN_IN_ATTEMPTS = 3;

const PROJECT = `demo-http-errors-${Date.now()}`;
let server: AppServer;
/** The server's own database, to check what a refusal left behind. */
let admin: App;
let person: WebPerson;
let sessionId: string;

beforeAll(async () => {
  const secrets = thisProcessSecrets();
  server = await startAppServer({
    ...secrets,
    OPENAI_BASE_URL: fakeProvider.url,
    GOOGLE_CLOUD_PROJECT: PROJECT,
    CHAT_TURNS_PER_MINUTE: "3",
    SIGN_IN_ATTEMPTS: String(SIGN_IN_ATTEMPTS),
  });
  person = await signInOver(server);
  sessionId = await newChatOver(server, person);
  admin = initializeApp({ projectId: PROJECT }, PROJECT);
});
afterAll(async () => {
  await server.stop();
  await deleteApp(admin);
});

function postChat(body: string, headers: Record<string, string> = {}, cookie = person.cookie) {
  return fetch(`${server.url}/api/chat`, {
    method: "POST",
    headers: { Cookie: cookie, "Content-Type": "application/json", ...headers },
    body,
  });
}

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toMatch(/application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  return body;
}

describe("/api/chat errors keep their words", () => {
  test("each refusal is JSON with its code and message, and the log has one line for it", async () => {
    const logBefore = server.logs().length;
    await expectError(
      await postChat(JSON.stringify({ mode: "session", sessionId, message: "hi" }), {}, ""),
      401,
      "signed_out",
    );
    await expectError(await postChat("{not json"), 400, "invalid_json");
    await expectError(
      await postChat(JSON.stringify({ mode: "session", sessionId: "nope", message: "hi" })),
      404,
      "not_found",
    );
    await expectError(await postChat("x".repeat(BODY_LIMITS.chat + 1)), 413, "too_large");
    await expectError(
      await fetch(`${server.url}/api/chat`, { headers: { Cookie: person.cookie } }),
      405,
      "method_not_allowed",
    );

    // A reply still being written: 409 with how long to wait at most.
    const slow = await postChat(JSON.stringify({ mode: "session", sessionId, message: "[fake:slow] long" }));
    const busy = await postChat(JSON.stringify({ mode: "session", sessionId, message: "meanwhile" }));
    expect(busy.headers.get("Retry-After")).toMatch(/^\d+$/);
    await expectError(busy, 409, "session_busy");
    // Three turns a minute here: the slow one, the refused one did not count, so two more and then 429.
    await slow.body?.cancel();
    // A line is written when its response ends; the last may still be on its way from the process.
    const refusalsLogged = () =>
      server
        .logs()
        .slice(logBefore)
        .match(/POST \/api\/chat (401|400|404|413|409)/g)?.length;
    await vi.waitFor(() => expect(refusalsLogged()).toBe(5), { timeout: 5_000 });
    const log = server.logs().slice(logBefore);
    expect(log).not.toContain("Unexpected Server Error");
    expect(log).not.toMatch(/\n\s+at /); // no stack traces
  });

  test("a turn over the limit is 429 with Retry-After and says when to try again", async () => {
    const other = await signInOver(server);
    const session = await newChatOver(server, other);
    const statuses: number[] = [];
    let limited: Response | null = null;
    for (let turn = 0; turn < 4 && !limited; turn += 1) {
      const response = await postChat(
        JSON.stringify({ mode: "session", sessionId: session, message: `turn ${turn}` }),
        {},
        other.cookie,
      );
      statuses.push(response.status);
      if (response.status === 429) limited = response;
      else await response.text();
    }
    expect(limited).not.toBeNull();
    const retryAfter = Number(limited!.headers.get("Retry-After"));
    // A sliding minute: at most until the turns of this minute have slid out of the next one.
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(120);
    const body = await expectError(limited!, 429, "too_many_messages");
    expect(body.error.message).toContain(`Try again in ${describeWait(retryAfter)}.`);
    // The provider started on the refused message while its limit was counted, and was stopped: nothing of
    // that turn was saved, and the session's saved messages are those of the turns answered.
    const refused = `turn ${statuses.length - 1}`;
    expect(fakeProvider.requests.some((request) => JSON.stringify(request.body ?? null).includes(refused))).toBe(true);
    const sessionDoc = getFirestore(admin).collection("sessions").doc(session);
    expect((await sessionDoc.collection("messages").get()).size).toBe(2 * statuses.filter((s) => s === 200).length);
    expect((await sessionDoc.get()).get("reply_lease_id")).toBeNull();
  });

  test("an API call over the limit is 429 in OpenAI's shape, and what it sent is not saved", async () => {
    const caller = await signInOver(server);
    const session = await newChatOver(server, caller);
    const sessionDoc = getFirestore(admin).collection("sessions").doc(session);
    const botId = (await sessionDoc.get()).get("bot_id") as string;
    const statuses: number[] = [];
    let limited: Response | null = null;
    for (let call = 0; call < 4 && !limited; call += 1) {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${caller.apiKey}`,
          "Content-Type": "application/json",
          "X-Session-Id": session,
        },
        body: JSON.stringify({ model: botId, messages: [{ role: "user", content: `api call ${call}` }] }),
      });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
      else await response.text();
    }
    expect(limited).not.toBeNull();
    expect(Number(limited!.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await limited!.json()).toMatchObject({ error: { type: "rate_limit_error", code: "rate_limit_exceeded" } });
    const refused = `api call ${statuses.length - 1}`;
    expect(fakeProvider.requests.some((request) => JSON.stringify(request.body ?? null).includes(refused))).toBe(true);
    expect((await sessionDoc.collection("messages").get()).size).toBe(2 * statuses.filter((s) => s === 200).length);
    expect((await sessionDoc.get()).get("reply_lease_id")).toBeNull();
  });
});

describe("addresses", () => {
  test("a path with a malformed escape is a 400, logged as one line without a stack trace", async () => {
    const logBefore = server.logs().length;
    const response = await fetch(`${server.url}/assistants/%ZZ/status`, {
      method: "POST",
      headers: { Cookie: person.cookie },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toBe("That request could not be read.");
    await vi.waitFor(() => expect(server.logs().slice(logBefore)).toContain("POST /assistants/%ZZ/status 400"));
    expect(server.logs().slice(logBefore)).not.toMatch(/\n\s+at /);
  });
});

describe("bodies", () => {
  test("JSON sent as text/plain, which a page on another site could send, is refused with 415", async () => {
    const response = await postChat(JSON.stringify({ mode: "session", sessionId, message: "hi" }), {
      "Content-Type": "text/plain",
    });
    await expectError(response, 415, "unsupported_media_type");
  });

  test("a sparse list index is refused with a small answer, at once", async () => {
    const started = performance.now();
    const response = await fetch(`${server.url}/assistants/new`, {
      method: "POST",
      headers: { Cookie: person.cookie, "Content-Type": "application/x-www-form-urlencoded" },
      body: "name=x&starter_prompts[50000000]=x&junk[50000000]=x",
    });
    const body = await response.text();
    expect(response.status).toBe(400);
    // Said on the page itself, not only in its data.
    expect(body).toMatch(/<main[^]*more starter prompts than the 4 allowed[^]*<\/main>/);
    // The error page (the old answer echoed 50 million list slots: 150 MB).
    expect(body.length).toBeLessThan(64 * 1024);
    // A liveness bound, not a performance target: the old echo took over 10 s.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  test("a form sent as anything but a web form is 415, not a server error", async () => {
    const response = await fetch(`${server.url}/assistants/new`, {
      method: "POST",
      headers: { Cookie: person.cookie, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "x" }),
    });
    expect(response.status).toBe(415);
    expect(await response.text()).toMatch(/only (its own|web) forms/);
  });

  test("a body larger than its route accepts is refused with 413, and the connection stays usable", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL(server.url);
    const send = (path: string, body: Buffer | null) =>
      new Promise<{ status: number; text: string; reused: boolean }>((resolve, reject) => {
        const request = http.request(
          {
            host: url.hostname,
            port: url.port,
            path,
            method: body ? "POST" : "GET",
            agent,
            headers: body
              ? { Cookie: person.cookie, "Content-Type": "application/json", "Content-Length": body.length }
              : {},
          },
          (response) => {
            let text = "";
            response.setEncoding("utf8");
            response.on("data", (chunk: string) => (text += chunk));
            response.on("end", () => resolve({ status: response.statusCode!, text, reused: request.reusedSocket }));
          },
        );
        request.on("error", reject);
        request.end(body ?? undefined);
      });
    const tooLarge = await send("/api/chat", Buffer.alloc(3 * BODY_LIMITS.chat, "x"));
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.text)).toMatchObject({
      error: { code: "too_large", message: expect.stringMatching(/larger than the 512 KB/) },
    });
    const next = await send("/healthz", null);
    expect(next.status).toBe(200);
    expect(next.reused).toBe(true);
    agent.destroy();
  });
});

describe("sign-in over its limit", () => {
  // Last in this file: it spends this server's sign-in budget for the address.
  test("the error page says when to try again, and so does Retry-After", async () => {
    const attempt = () =>
      fetch(`${server.url}/?index`, {
        method: "POST",
        body: new URLSearchParams({ apiKey: "sk-fake-rejected-over-the-limit" }),
      });
    const statuses: number[] = [];
    let refused: Response | null = null;
    for (let i = 0; i < SIGN_IN_ATTEMPTS + 1; i += 1) {
      const response = await attempt();
      statuses.push(response.status);
      if (response.status === 429) refused = response;
      else await response.text();
    }
    expect(statuses).toEqual([...Array(SIGN_IN_ATTEMPTS).fill(401), 429]);
    const retryAfter = Number(refused!.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(await refused!.text()).toContain(`Try again in ${describeWait(retryAfter)}.`);
  });
});
