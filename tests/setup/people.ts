// Signed-in people for integration tests: a user document, a real sealed
// session cookie, and requests that carry it.
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { callerFor, userHashFor } from "~/identity/caller.server";
import type { Caller } from "~/models/caller";
import { signInUser } from "~/models/users.server";
import { getSignedInUser, signInCookie } from "~/identity/cookie.server";
import { action as signInAction } from "~/routes/_index";
import { FAKE_CHAT_MODELS } from "../fakes/openai-server";

export type Person = {
  userId: string;
  /** The person as the data layer takes them. */
  caller: Caller;
  apiKey: string;
  cookie: string;
  request: (path: string, init?: RequestInit) => Request;
  form: (path: string, fields: Record<string, string | string[]>) => Request;
};

export async function signedInPerson(
  models: string[] = [...FAKE_CHAT_MODELS],
  apiKey = `sk-test-${randomUUID()}`,
): Promise<Person> {
  const { userId } = await signInUser(userHashFor(apiKey), models);
  return personWithCookie(userId, apiKey, (await signInCookie({ userId, apiKey })).split(";")[0]!);
}

/** The sign-in form submitted with a key, from an address of its own; its outcome as the route gave it. */
export function submitSignIn(apiKey: string): Promise<Outcome> {
  const request = new Request("http://localhost/?index", {
    method: "POST",
    body: new URLSearchParams({ apiKey }),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  return run(() => signInAction({ request, params: {}, context: { clientAddress: randomUUID() } }));
}

/** A person signed in through the sign-in form, as a browser would be: whoever the app makes of the key. */
export async function signInWithKey(apiKey: string): Promise<Person> {
  const outcome = await submitSignIn(apiKey);
  expect(outcome.status).toBe(302);
  const cookie = outcome.headers.get("Set-Cookie")!.split(";")[0]!;
  const user = (await getSignedInUser(new Request("http://localhost/", { headers: { Cookie: cookie } })))!;
  return personWithCookie(user.userId, apiKey, cookie);
}

function personWithCookie(userId: string, apiKey: string, cookie: string): Person {
  const request = (path: string, init: RequestInit = {}) =>
    new Request(`http://localhost${path}`, { ...init, headers: { ...init.headers, Cookie: cookie } });
  const form = (path: string, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
    }
    return request(path, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  };
  return { userId, caller: callerFor({ userId, apiKey }), apiKey, cookie, request, form };
}

export type Outcome = { status: number; headers: Headers; data: unknown };

/**
 * Runs a loader or action; a thrown Response or data() is an outcome like a
 * returned one. A JSON Response's body is read (a stream's is left alone).
 */
export async function run(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return await toOutcome(await fn());
  } catch (thrown) {
    if (thrown instanceof Response || isDataWithInit(thrown)) return toOutcome(thrown);
    throw thrown;
  }
}

type DataWithInit = { data: unknown; init: { status?: number; headers?: HeadersInit } | null };

function isDataWithInit(value: unknown): value is DataWithInit {
  return typeof value === "object" && value !== null && "init" in value && "data" in value;
}

async function toOutcome(value: unknown): Promise<Outcome> {
  if (value instanceof Response) {
    const json = value.headers.get("Content-Type")?.startsWith("application/json");
    return { status: value.status, headers: value.headers, data: json ? await value.clone().json() : null };
  }
  if (isDataWithInit(value)) {
    return { status: value.init?.status ?? 200, headers: new Headers(value.init?.headers), data: value.data };
  }
  return { status: 200, headers: new Headers(), data: value };
}
