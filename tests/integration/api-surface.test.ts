import http from "node:http";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bots } from "~/models/bots.server";
import { createTestBot } from "../setup/chat";
import { fakeProvider } from "../setup/integration";
import { signedInPerson, type Person } from "../setup/people";
import { startAppServer, type AppServer, thisProcessSecrets } from "../setup/app-server";

// The edges of the OpenAI-compatible API, against the production server as its
// own process: models.retrieve, JSON errors for every path and method, and CORS
// on /v1 (and only there).

let server: AppServer;
/** The same app allowing browser calls from one origin only. */
let restricted: AppServer;
let person: Person;
let client: OpenAI;
const ids = { own: "", ownDeactivated: "", showcased: "", shared: "", deactivated: "" };

const ELSEWHERE = "https://elsewhere.example";
const ALLOWED = "https://allowed.example";

beforeAll(async () => {
  // The same secrets as this process, so the server knows the people made here.
  const secrets = thisProcessSecrets();
  [server, restricted] = await Promise.all([
    startAppServer({ OPENAI_BASE_URL: fakeProvider.url, ...secrets }),
    startAppServer({
      OPENAI_BASE_URL: fakeProvider.url,
      ...secrets,
      API_CORS_ORIGINS: `${ALLOWED}/, https://other.example`,
    }),
  ]);
  const [caller, someoneElse] = await Promise.all([signedInPerson(), signedInPerson()]);
  person = caller;
  const [own, ownDeactivated, showcased, shared, deactivated] = await Promise.all([
    createTestBot(person, { name: "Own Bot", tag_line: "Mine" }),
    createTestBot(person, { name: "Retired Bot" }),
    createTestBot(someoneElse, { name: "Gallery Bot", tag_line: "On show" }),
    createTestBot(someoneElse, { name: "Linked Bot", tag_line: "Shared by link" }),
    createTestBot(someoneElse, { name: "Private Bot" }),
  ]);
  await Promise.all([
    bots().doc(showcased.id).update({ showcased: true }),
    bots().doc(ownDeactivated.id).update({ is_active: false }),
    bots().doc(deactivated.id).update({ is_active: false }),
  ]);
  Object.assign(ids, {
    own: own.id,
    ownDeactivated: ownDeactivated.id,
    showcased: showcased.id,
    shared: shared.id,
    deactivated: deactivated.id,
  });
  client = new OpenAI({ apiKey: person.apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

afterAll(() => Promise.all([server?.stop(), restricted?.stop()]));

const bearer = () => ({ Authorization: `Bearer ${person.apiKey}` });

async function jsonOf(response: Response) {
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return (await response.json()) as { error: Record<string, unknown> };
}

describe("GET /v1/models/{id}", () => {
  test("retrieves the caller's own assistant as the same model object the list shows", async () => {
    const model = await client.models.retrieve(ids.own);
    expect(model).toMatchObject({ id: ids.own, object: "model", owned_by: "assistant-lab", name: "Own Bot" });
    expect(model.created).toBeGreaterThan(1_700_000_000);
    const listed = [];
    for await (const entry of client.models.list()) listed.push(entry);
    expect(listed.find((entry) => entry.id === ids.own)).toEqual(model);
  });

  test("retrieves someone else's showcased assistant, and one shared by link", async () => {
    await expect(client.models.retrieve(ids.showcased)).resolves.toMatchObject({
      id: ids.showcased,
      name: "Gallery Bot",
      tag_line: "On show",
    });
    await expect(client.models.retrieve(ids.shared)).resolves.toMatchObject({ id: ids.shared, name: "Linked Bot" });
  });

  test.each([
    ["someone else's deactivated assistant", () => ids.deactivated],
    ["the caller's own deactivated assistant, which no chat can use", () => ids.ownDeactivated],
    ["an id that names no assistant", () => "no-such-assistant"],
  ])("answers %s with OpenAI's 404 model_not_found", async (_name, id) => {
    const error = await client.models.retrieve(id()).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ status: 404, code: "model_not_found", type: "invalid_request_error" });
  });

  test("needs a bearer key: the session cookie is not one", async () => {
    const noKey = await fetch(`${server.url}/v1/models/${ids.own}`, { headers: { Cookie: person.cookie } });
    expect(noKey.status).toBe(401);
    expect((await jsonOf(noKey)).error.code).toBe("missing_api_key");
    const list = await fetch(`${server.url}/v1/models`, { headers: { Cookie: person.cookie } });
    expect(list.status).toBe(401);
    await list.body?.cancel();
  });
});

describe("errors on any /v1 path are OpenAI's JSON, never a page", () => {
  test.each([
    ["POST", "/v1/foo"],
    ["GET", "/v1/foo/bar"],
    ["GET", "/v1"],
    ["GET", "/v1/"],
    ["GET", "/v1/models/one/two"],
    ["DELETE", "/v1/chat"],
    ["GET", "/V1/Nowhere"],
    // Remix's own data URLs (single fetch), which would run the root loader and its cookie.
    ["GET", "/v1/models.data"],
    ["POST", "/v1/chat/completions.data"],
  ])("%s %s is 404 unknown_url", async (method, path) => {
    const response = await fetch(`${server.url}${path}`, { method, headers: bearer() });
    expect(response.status).toBe(404);
    const { pathname } = new URL(path, server.url);
    expect(await jsonOf(response)).toEqual({
      error: {
        message: `Invalid URL (${method} ${pathname})`,
        type: "invalid_request_error",
        param: null,
        code: "unknown_url",
      },
    });
  });

  test("the SDK raises its NotFoundError for an unknown path", async () => {
    const error = await client.post("/assistants-lab-nowhere").catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ code: "unknown_url" });
  });

  test.each([
    ["POST", "/v1/models", "GET"],
    ["DELETE", "/v1/models", "GET"],
    ["POST", "/v1/models/{own}", "GET"],
    ["PUT", "/v1/models/{own}", "GET"],
    ["GET", "/v1/chat/completions", null],
  ])("%s %s is 405 method_not_allowed", async (method, path, allow) => {
    const response = await fetch(`${server.url}${path.replace("{own}", ids.own)}`, {
      method,
      headers: { ...bearer(), "Content-Type": "application/json" },
      body: method === "GET" ? undefined : "{}",
    });
    expect(response.status).toBe(405);
    const { error } = await jsonOf(response);
    expect(error).toMatchObject({ type: "invalid_request_error", param: null, code: "method_not_allowed" });
    expect(error.message).toEqual(expect.any(String));
    if (allow) expect(response.headers.get("allow")).toBe(allow);
  });

  test("a path that cannot be decoded is a 400 in the same shape", async () => {
    const response = await fetch(`${server.url}/v1/models/%ZZ`, { headers: bearer() });
    expect(response.status).toBe(400);
    expect(await jsonOf(response)).toEqual({
      error: { message: "That request could not be read.", type: "invalid_request_error", param: null, code: null },
    });
  });
});

describe("CORS on /v1", () => {
  const preflight = (app: AppServer, path: string, origin: string) =>
    fetch(`${app.url}${path}`, {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers":
          "authorization,content-type,x-session-id,idempotency-key,openai-organization,openai-project,x-stainless-lang,x-stainless-package-version,x-stainless-os,x-stainless-arch,x-stainless-runtime,x-stainless-runtime-version,x-stainless-retry-count,x-stainless-timeout",
      },
    });

  test("a preflight from any site is answered 204 with the API's methods and the headers asked for", async () => {
    const response = await preflight(server, "/v1/chat/completions", ELSEWHERE);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")).toBe("GET,POST");
    const allowed = response.headers.get("access-control-allow-headers")!.toLowerCase().split(",");
    for (const header of ["authorization", "content-type", "x-session-id", "idempotency-key", "x-stainless-os"]) {
      expect(allowed).toContain(header);
    }
    expect(Number(response.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(await response.text()).toBe("");
  });

  test("a cross-site call runs, and its page may read the reply and the headers that matter", async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { ...bearer(), Origin: ELSEWHERE, "Content-Type": "application/json" },
      body: JSON.stringify({ model: ids.own, messages: [{ role: "user", content: "from another site" }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    const exposed = response.headers.get("access-control-expose-headers")!.toLowerCase().split(",");
    expect(exposed).toEqual(
      expect.arrayContaining([
        "x-session-id",
        "x-assistant-lab-note",
        "x-assistant-lab-warning",
        "retry-after",
        "idempotent-replayed",
      ]),
    );
    expect(response.headers.get("x-session-id")).toBeTruthy();
    const completion = (await response.json()) as OpenAI.ChatCompletion;
    expect(completion.choices[0]!.message.content).toContain("from another site");
  });

  test("errors carry CORS too, so a page can read why it failed", async () => {
    const response = await fetch(`${server.url}/v1/models`, { headers: { Origin: ELSEWHERE } });
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    await response.body?.cancel();
  });

  test("no other path gets CORS headers, and forms from other sites are still refused", async () => {
    const page = await fetch(`${server.url}/`, { headers: { Origin: ELSEWHERE } });
    expect(page.headers.get("access-control-allow-origin")).toBeNull();
    await page.body?.cancel();
    const options = await preflight(server, "/api/chat", ELSEWHERE);
    expect(options.headers.get("access-control-allow-origin")).toBeNull();
    expect(options.headers.get("access-control-allow-methods")).toBeNull();
    await options.body?.cancel();
    const form = await fetch(`${server.url}/sign-out`, { method: "POST", headers: { Origin: ELSEWHERE } });
    expect(form.status).toBe(403);
    await form.body?.cancel();
  });

  test("a path that only looks like /v1 before it is resolved does not escape the origin check", async () => {
    // fetch resolves dot segments itself; a raw request sends the path as written.
    const { status, headers } = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const { hostname, port } = new URL(server.url);
      const request = http.request({
        hostname,
        port,
        path: "/v1/../sign-out",
        method: "POST",
        headers: { Origin: ELSEWHERE, Cookie: person.cookie },
      });
      request.on("response", (response) => {
        response.resume();
        resolve(response);
      });
      request.on("error", reject);
      request.end();
    }).then((response) => ({ status: response.statusCode, headers: response.headers }));
    expect(status).toBe(403);
    expect(headers["access-control-allow-origin"]).toBeUndefined();
  });

  test("API_CORS_ORIGINS lets only its origins read the API", async () => {
    const allowed = await preflight(restricted, "/v1/models", ALLOWED);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(allowed.headers.get("vary")).toMatch(/Origin/);

    const refused = await preflight(restricted, "/v1/models", ELSEWHERE);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();

    const call = await fetch(`${restricted.url}/v1/models`, { headers: { ...bearer(), Origin: ELSEWHERE } });
    expect(call.headers.get("access-control-allow-origin")).toBeNull();
    await call.body?.cancel();
    const allowedCall = await fetch(`${restricted.url}/v1/models`, { headers: { ...bearer(), Origin: ALLOWED } });
    expect(allowedCall.status).toBe(200);
    expect(allowedCall.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    await allowedCall.body?.cancel();
  });
});
