import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestBot, say, startSessionFor } from "../setup/chat";
import { fakeProvider } from "../setup/integration";
import { signedInPerson, type Person } from "../setup/people";
import { startAppServer, type AppServer, thisProcessSecrets } from "../setup/app-server";

// The production server as its own process: the content security policy with a
// fresh nonce per response, and which responses no cache may keep.

let server: AppServer;

beforeAll(async () => {
  // The same secrets as this process, so the server opens the people and transcripts made here.
  const secrets = thisProcessSecrets();
  server = await startAppServer({ OPENAI_BASE_URL: fakeProvider.url, ...secrets });
});
afterAll(() => server.stop());

/** The policy as directive name → its sources. */
function directives(policy: string | null): Map<string, string[]> {
  const entries = (policy ?? "").split(";").map((part) => part.trim().split(/\s+/));
  return new Map(entries.filter(([name]) => name).map(([name, ...sources]) => [name!, sources]));
}

function nonceOf(policy: string | null): string {
  const nonce = directives(policy)
    .get("script-src")
    ?.find((source) => source.startsWith("'nonce-"));
  expect(nonce, `no nonce in ${policy}`).toBeDefined();
  return nonce!.slice("'nonce-".length, -1);
}

function scriptTags(html: string): string[] {
  return html.match(/<script\b[^>]*>/g) ?? [];
}

describe("the content security policy", () => {
  test("each page gets its own nonce, and only scripts carrying it may run", async () => {
    const [first, second] = await Promise.all([fetch(`${server.url}/`), fetch(`${server.url}/`)]);
    const policy = first.headers.get("content-security-policy");
    const nonce = nonceOf(policy);
    expect(nonceOf(second.headers.get("content-security-policy"))).not.toBe(nonce);
    expect(Buffer.from(nonce, "base64").length).toBeGreaterThanOrEqual(16);

    const scriptSrc = directives(policy).get("script-src")!;
    expect(scriptSrc).toContain(`'nonce-${nonce}'`);
    expect(scriptSrc).toContain("'strict-dynamic'");
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(directives(policy).get("default-src")).toEqual(["'self'"]);
    expect(directives(policy).get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives(policy).get("object-src")).toEqual(["'none'"]);

    const scripts = scriptTags(await first.text());
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    await second.body?.cancel();
  });

  test("a signed-in page's scripts carry that response's nonce too", async () => {
    const person = await signedInPerson();
    const response = await fetch(`${server.url}/assistants/new`, { headers: { Cookie: person.cookie } });
    expect(response.status).toBe(200);
    const nonce = nonceOf(response.headers.get("content-security-policy"));
    const scripts = scriptTags(await response.text());
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });
});

describe("what no cache may keep", () => {
  let person: Person;
  let sessionId: string;

  beforeAll(async () => {
    person = await signedInPerson();
    const bot = await createTestBot(person);
    sessionId = await startSessionFor(person, bot.id);
    await say(person, sessionId, "A private question");
  });

  const get = (path: string) => fetch(`${server.url}${path}`, { headers: { Cookie: person.cookie } });

  test.each([
    ["a chat", () => `/sessions/${sessionId}`],
    ["a chat's data request", () => `/sessions/${sessionId}.data`],
    ["the history", () => "/sessions"],
    ["the history's data request", () => "/sessions.data"],
    ["the transcript download", () => `/sessions/${sessionId}/download?format=json`],
    ["the usage page", () => "/usage"],
    ["the usage page's data request", () => "/usage.data"],
    ["the gallery", () => "/assistants"],
  ])("%s is private and not stored", async (_name, path) => {
    const response = await get(path());
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    await response.body?.cancel();
  });

  test("a chat's event stream is private, not stored and not transformed", async () => {
    const response = await fetch(`${server.url}/api/chat`, {
      method: "POST",
      headers: { Cookie: person.cookie, "Content-Type": "application/json" },
      body: JSON.stringify({ mode: "session", sessionId, message: "Another private question" }),
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("cache-control")).toBe("private, no-store, no-transform");
    await response.text();
  });

  test("hashed assets keep their long caching, and a route's own Cache-Control is kept as it is", async () => {
    const html = await (await get("/")).text();
    const asset = html.match(/\/assets\/[\w.-]+\.js/)?.[0];
    expect(asset).toBeDefined();
    const assetResponse = await fetch(`${server.url}${asset}`);
    expect(assetResponse.status).toBe(200);
    expect(assetResponse.headers.get("cache-control")).toContain("immutable");
    expect(assetResponse.headers.get("cache-control")).not.toContain("no-store");
    await assetResponse.body?.cancel();

    const health = await fetch(`${server.url}/healthz`);
    expect(health.headers.get("cache-control")).toBe("no-store");
  });
});
