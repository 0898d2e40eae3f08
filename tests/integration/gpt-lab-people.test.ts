import crypto, { randomUUID } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, test, vi } from "vitest";
import { getSignedInUser } from "~/identity/cookie.server";
import { callerFor } from "~/identity/caller.server";
import { listOwnBots } from "~/models/bots.server";
import { action as signInAction } from "~/routes/_index";
import { action as completions } from "~/routes/v1.chat.completions";
import { db } from "~/utils/db.server";
import { run } from "../setup/people";

// A GPT Lab person signing in here with the key they used there: their
// identity is GPT Lab's PBKDF2 of the key, which only a first sign-in
// computes; they are adopted (their users document, so their assistants and
// sessions), and GPT Lab's identity then signs in no one else.

/** GPT Lab's identity for a key, computed here independently of the app's code. */
function gptLabHash(apiKey: string): string {
  return crypto.pbkdf2Sync(apiKey, apiKey, 200_000, 32, "sha256").toString("hex");
}

/** A GPT Lab person as GPT Lab's code writes them: a users document and a user_hash index without user_id. */
async function gptLabPerson(apiKey: string) {
  const hash = gptLabHash(apiKey);
  const created = new Timestamp(1_683_000_000, 123_456_000);
  const userRef = db().collection("users").doc();
  await userRef.set({
    user_hash: hash,
    created_date: created,
    last_modified_date: created,
    sessions_started: 3,
    sessions_ended: 1,
    bots_created: 1,
  });
  await db().collection("user_hash").doc(hash).set({ user_hash_type: "open_ai_key", created_date: created });
  const botRef = db().collection("bots").doc();
  await botRef.set({
    name: "My GPT Lab tutor",
    tag_line: "Built in GPT Lab",
    description: "",
    session_type: 2,
    creator_user_id: userRef.id,
    created_date: created,
    last_modified_date: created,
    active_initial_prompt_id: "p1",
    active_model_config_id: "m1",
    active_summary_prompt_id: "p2",
    showcased: false,
    is_active: true,
  });
  return { userId: userRef.id, hash, botId: botRef.id };
}

async function signIn(apiKey: string) {
  const request = new Request("http://localhost/?index", {
    method: "POST",
    body: new URLSearchParams({ apiKey }),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  const outcome = await run(() => signInAction({ request, params: {}, context: { clientAddress: randomUUID() } }));
  expect(outcome.status).toBe(302);
  const cookie = outcome.headers.get("Set-Cookie")!.split(";")[0]!;
  return (await getSignedInUser(new Request("http://localhost/", { headers: { Cookie: cookie } })))!;
}

describe("a GPT Lab person's first sign-in", () => {
  test("adopts them: the same person, their assistants, GPT Lab's identity retired, no key stored", async () => {
    const apiKey = `sk-gptlab-${randomUUID()}`;
    const gptLab = await gptLabPerson(apiKey);
    const pbkdf2 = vi.spyOn(crypto, "pbkdf2");

    const started = performance.now();
    const user = await signIn(apiKey);
    console.log(`first sign-in of a GPT Lab person, PBKDF2 included: ${Math.round(performance.now() - started)} ms`);
    expect(user.userId).toBe(gptLab.userId);
    expect(pbkdf2).toHaveBeenCalledTimes(1);

    const caller = callerFor(user);
    expect((await listOwnBots(caller)).map((bot) => bot.id)).toEqual([gptLab.botId]);
    const userDoc = (await db().collection("users").doc(gptLab.userId).get()).data()!;
    expect(userDoc).toMatchObject({ user_hash: caller.userHash, sessions_started: 3, bots_created: 1 });
    expect((await db().collection("user_hash").doc(caller.userHash).get()).data()).toMatchObject({
      user_hash_type: "open_ai_key",
      user_id: gptLab.userId,
    });
    expect((await db().collection("user_hash").doc(gptLab.hash).get()).exists).toBe(false);
    expect(JSON.stringify(userDoc)).not.toContain(apiKey);

    // The next sign-in is an ordinary one: no PBKDF2.
    expect((await signIn(apiKey)).userId).toBe(gptLab.userId);
    expect(pbkdf2).toHaveBeenCalledTimes(1);
  });

  test("GPT Lab's identity, once adopted, signs in no one else; a key GPT Lab never saw makes a new person", async () => {
    const apiKey = `sk-gptlab-${randomUUID()}`;
    const gptLab = await gptLabPerson(apiKey);
    expect((await signIn(apiKey)).userId).toBe(gptLab.userId);
    // Someone whose new hash is unknown but who presents GPT Lab's old identity finds nothing to adopt.
    const { signInUser } = await import("~/models/users.server");
    const stranger = await signInUser(`stranger-${randomUUID()}`, ["gpt-4o-mini"], gptLab.hash);
    expect(stranger).toMatchObject({ created: true });
    expect(stranger.userId).not.toBe(gptLab.userId);

    const newcomer = await signIn(`sk-new-${randomUUID()}`);
    expect(newcomer.userId).not.toBe(gptLab.userId);
  });

  test("a GPT Lab person's first API call adopts them too", async () => {
    const apiKey = `sk-gptlab-${randomUUID()}`;
    const gptLab = await gptLabPerson(apiKey);
    const response = (await completions({
      request: new Request("http://localhost/v1/chat/completions", {
        method: "POST",
        body: JSON.stringify({ model: gptLab.botId, messages: [{ role: "user", content: "Hi" }] }),
        headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
      }),
      params: {},
      context: { clientAddress: randomUUID() },
    })) as Response;
    await response.text();
    const hashDoc = await db().collection("user_hash").doc(gptLab.hash).get();
    expect(hashDoc.exists).toBe(false);
    const users = await db().collection("users").where("user_hash", "==", gptLab.hash).get();
    expect(users.empty).toBe(true);
    expect((await db().collection("users").doc(gptLab.userId).get()).get("user_hash")).not.toBe(gptLab.hash);
  });
});
