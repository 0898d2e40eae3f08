import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { db } from "~/utils/db.server";
import { allDocuments } from "../setup/firestore";
import { fakeProvider } from "../setup/integration";
import { runFailingServer, startAppServer, TEST_SECRETS, type AppServer } from "../setup/app-server";

// These run the production server as its own process, as `npm start` does.

describe("the running server", () => {
  let server: AppServer;

  beforeAll(async () => {
    server = await startAppServer({ OPENAI_BASE_URL: fakeProvider.url });
  });
  afterAll(() => server.stop());

  test("the key appears in no document, no log line and no page after signing in", async () => {
    const key = `sk-test-leakcheck-${randomUUID()}`;
    const signIn = await fetch(`${server.url}/?index`, {
      method: "POST",
      body: new URLSearchParams({ apiKey: key }),
      redirect: "manual",
    });
    expect(signIn.status).toBe(302);
    const cookie = signIn.headers.get("set-cookie")!;
    expect(cookie).toBeTruthy();

    const page = await fetch(`${server.url}/assistants?tab=mine`, { headers: { Cookie: cookie.split(";")[0]! } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("You have not created an assistant yet");

    // A failed attempt with another key, which the server also handles and logs.
    const rejectedKey = `sk-fake-rejected-${randomUUID()}`;
    const rejected = await fetch(`${server.url}/?index`, {
      method: "POST",
      body: new URLSearchParams({ apiKey: rejectedKey }),
    });
    expect(rejected.status).toBe(401);
    const rejectedPage = await rejected.text();

    const documents = JSON.stringify(await allDocuments(db()));
    expect(documents).toContain("user_hash"); // the scan did see the sign-in's documents
    const encodings = (secret: string) => [secret, Buffer.from(secret).toString("base64"), encodeURIComponent(secret)];
    for (const secret of [key, rejectedKey]) {
      for (const form of encodings(secret)) {
        expect(documents).not.toContain(form);
        expect(server.logs()).not.toContain(form);
        expect(cookie).not.toContain(form);
        expect(html).not.toContain(form);
        expect(rejectedPage).not.toContain(form);
      }
    }
    expect(server.logs()).toContain("POST /?index 302");
  });

  test("a form posted from another site is refused before it reaches the app", async () => {
    const forged = await fetch(`${server.url}/?index`, {
      method: "POST",
      headers: { Origin: "https://evil.example" },
      body: new URLSearchParams({ apiKey: "sk-test-attacker" }),
      redirect: "manual",
    });
    expect(forged.status).toBe(403);
    expect(forged.headers.get("set-cookie")).toBeNull();
    const sameSite = await fetch(`${server.url}/?index`, {
      method: "POST",
      headers: { Origin: server.url },
      body: new URLSearchParams({ apiKey: "sk-test-same-site" }),
      redirect: "manual",
    });
    expect(sameSite.status).toBe(302);
  });

  test("pages send a policy that keeps images and frames to this site", async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.headers.get("content-security-policy")).toContain("img-src 'self' data:");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  test("ids with slashes are a 404, not an error", async () => {
    const cookie = (
      await fetch(`${server.url}/?index`, {
        method: "POST",
        body: new URLSearchParams({ apiKey: "sk-test-slashes" }),
        redirect: "manual",
      })
    ).headers.get("set-cookie")!;
    for (const path of ["/assistants/a%2Fb", "/sessions/a%2Fb", "/assistants/x%2Fprompts%2Fy/edit"]) {
      const response = await fetch(`${server.url}${path}`, { headers: { Cookie: cookie.split(";")[0]! } });
      expect(response.status, path).toBe(404);
    }
  });

  test("GET /healthz answers 200 with the Firestore status", async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", firestore: { ok: true } });
  });

  test("a garbage cookie on any page is a signed-out visit, not an error", async () => {
    const response = await fetch(`${server.url}/assistants/new`, {
      headers: { Cookie: "al_session=not-a-real-cookie" },
      redirect: "manual",
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/?redirectTo=%2Fassistants%2Fnew");
  });

  test("sign out is a POST that clears the cookie", async () => {
    const response = await fetch(`${server.url}/sign-out`, { method: "POST", redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("set-cookie")).toMatch(/al_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i);
  });
});

test("GET /healthz answers 503 when Firestore cannot be reached", async () => {
  const server = await startAppServer({ FIRESTORE_EMULATOR_HOST: "127.0.0.1:9" });
  try {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: "unavailable", firestore: { ok: false } });
  } finally {
    await server.stop();
  }
});

test.each(["SESSION_SECRETS", "USER_HASH_SECRET", "ENCRYPTION_SECRET"])(
  "in production a missing %s stops the server at boot, naming it",
  async (name) => {
    const { code, output } = await runFailingServer({ ...TEST_SECRETS, [name]: undefined });
    expect(code).not.toBe(0);
    expect(output).toContain(`${name}: ${name} is missing`);
  },
);
