// Who may do what: one row per route and intent in ACCESS below, each tried by
// another person, by a signed-out visitor and with forged credentials, with
// the owner's documents compared before and after every attempt. A route file
// without a row fails the suite, so a new route has to say who may use it.
import { readdirSync } from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { createCookieSessionStorage } from "@remix-run/node";
import { Timestamp, type DocumentReference } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bots, setBotActive, setShowcased, updateBot } from "~/models/bots.server";
import { sessions, getOwnSession } from "~/models/sessions.server";
import * as home from "~/routes/_index";
import * as chatApi from "~/routes/api.chat";
import * as assistantPage from "~/routes/assistants.$botId._index";
import * as startChat from "~/routes/assistants.$botId.chat";
import * as edit from "~/routes/assistants.$botId.edit";
import * as status from "~/routes/assistants.$botId.status";
import * as gallery from "~/routes/assistants._index";
import * as lab from "~/routes/assistants.new";
import * as healthz from "~/routes/healthz";
import * as download from "~/routes/sessions.$sessionId.download";
import * as session from "~/routes/sessions.$sessionId";
import * as history from "~/routes/sessions._index";
import * as signOut from "~/routes/sign-out";
import * as usage from "~/routes/usage";
import * as completions from "~/routes/v1.chat.completions";
import * as models from "~/routes/v1.models";
import * as modelById from "~/routes/v1.models.$modelId";
import * as unknownApiPath from "~/routes/v1.$";
import * as unknownPage from "~/routes/$";
import * as responses from "~/routes/v1.responses";
import { callerFor } from "~/identity/caller.server";
import { hashApiKey } from "~/utils/crypto.server";
import { db } from "~/utils/db.server";
import { getSignedInUser, sealAuth } from "~/identity/cookie.server";
import { assistantInput } from "../setup/assistant-input";
import { createTestBot, say, startSessionFor } from "../setup/chat";
import { run, signedInPerson, type Person } from "../setup/people";
import { recordReliability } from "../setup/reliability";

const ROUTES_DIR = path.resolve(import.meta.dirname, "../../app/routes");

// One operator, so the showcase intents can be shown to work for the one kind
// of person allowed them. The list is read once, at the first getEnv().
const OPERATOR_KEY = `sk-test-operator-${randomUUID()}`;
const operatorsBefore = process.env.OPERATOR_USER_HASHES;
process.env.OPERATOR_USER_HASHES = hashApiKey(OPERATOR_KEY, process.env.USER_HASH_SECRET!);

const context = { clientAddress: "192.0.2.10" };

// ---------------------------------------------------------------------------
// The world each row is tried against: an owner with an assistant (two
// versions of its instructions), a deactivated and a showcased assistant, and
// a chat with one exchange; and another person with their own key.

type World = {
  owner: Person;
  other: Person;
  operator: Person;
  /** The owner's active, unlisted assistant. */
  bot: string;
  /** An older, inactive version of its instructions. */
  formerInstructions: string;
  deactivated: string;
  showcased: string;
  /** The owner's chat with `bot`: one message and its reply. */
  session: string;
  /** That reply as a Responses API response id. */
  response: string;
};

let operator: Person;

async function makeWorld(): Promise<World> {
  const [owner, other] = await Promise.all([signedInPerson(), signedInPerson()]);
  const [bot, deactivated, showcased] = await Promise.all([
    createTestBot(owner, { name: "Private coach" }),
    createTestBot(owner, { name: "Retired coach" }),
    createTestBot(owner, { name: "Public coach" }),
  ]);
  await updateBot(
    owner.caller,
    bot.id,
    assistantInput({ instructions: "You are a thoughtful coach, second version." }),
  );
  await Promise.all([setBotActive(owner.caller, deactivated.id, false), setShowcased(showcased.id, true)]);
  const sessionId = await startSessionFor(owner, bot.id);
  await say(owner, sessionId, "Hello, coach");
  const { last_reply_id } = (await getOwnSession(owner.caller, sessionId))!;
  return {
    owner,
    other,
    operator,
    bot: bot.id,
    formerInstructions: bot.instructions.id,
    deactivated: deactivated.id,
    showcased: showcased.id,
    session: sessionId,
    response: `resp_${sessionId}${last_reply_id}`,
  };
}

// ---------------------------------------------------------------------------
// The table's vocabulary.

type Body = { form: Record<string, string> } | { json: unknown };

/** What a loader or action answered, thrown or returned, with a Response's body read to its end. */
type Answer = { status: number; headers: Headers; body: unknown };

type AnotherPerson =
  /** Refused like a missing thing (the Responses API answers an unknown previous response with 400). */
  | { refused: 404 | 400 }
  /** Allowed by design (sharing by link, or acting only on their own things): `check` shows the limit. */
  | { allowed: string; status: number; check?: (answer: Answer, w: World) => unknown; mayChange?: string[] };

/** How a signed-out caller is turned away. */
type SignedOut = "sign-in redirect" | "401 JSON" | "401 OpenAI error";

/** The same request by someone allowed it: shows each refusal is about who asks, not a malformed request. */
type Control = { by: "owner" | "operator"; status: number; changes?: boolean; note?: string };

type Entry = {
  /** The file in app/routes. */
  route: string;
  method: "GET" | "POST";
  /** The action's intent, or which case of the route this row tries. */
  intent?: string;
  path: (w: World) => string;
  send?: (w: World) => Body;
  headers?: (w: World) => Record<string, string>;
  call: (request: Request, w: World) => unknown;
} & ({ public: string; answers: number } | { anotherPerson: AnotherPerson; signedOut: SignedOut; control: Control });

const NOT_FOUND = { refused: 404 } as const;
/** The Responses API refuses an id it cannot find (a previous response, an item) with 400. */
const UNKNOWN_ID = { refused: 400 } as const;
const SIGN_IN = "sign-in redirect";
const CHAT_401 = "401 JSON";
const OPENAI_401 = "401 OpenAI error";

const allowed = (
  reason: string,
  status: number,
  check?: (answer: Answer, w: World) => unknown,
  mayChange?: string[],
): AnotherPerson => ({
  allowed: reason,
  status,
  check,
  mayChange,
});
const byOwner = (status: number, more: Omit<Control, "by" | "status"> = {}): Control => ({
  by: "owner",
  status,
  ...more,
});
const byOperator = (status: number, more: Omit<Control, "by" | "status"> = {}): Control => ({
  by: "operator",
  status,
  ...more,
});

const assistantFields = (name: string, instructions: string) => ({
  name,
  tag_line: "Does what I say",
  description: "",
  instructions,
  summary_prompt: "",
  session_type: "2",
  model: "gpt-4o-mini",
  max_tokens: "200",
  temperature: "1",
  top_p: "1",
  frequency_penalty: "0",
  presence_penalty: "0",
});

const testDrive = {
  mode: "draft",
  draft: {
    instructions: "Be brief.",
    session_type: 2,
    model: "gpt-4o-mini",
    max_tokens: 50,
    temperature: 1,
    top_p: 1,
    frequency_penalty: 0,
    presence_penalty: 0,
  },
  messages: [{ role: "user", content: "Hello" }],
};

const locationId = (answer: Answer, prefix: string) =>
  (answer.headers.get("Location") ?? "").replace(prefix, "").split("?")[0]!;
const ownerOf = async (collection: "bots" | "sessions", id: string) =>
  (await db().collection(collection).doc(id).get()).get(collection === "bots" ? "creator_user_id" : "user_id");

// ---------------------------------------------------------------------------
// The table: every route file, and every method and intent of it.

const ACCESS: Entry[] = [
  {
    route: "_index.tsx",
    method: "GET",
    path: () => "/",
    call: (request) => home.loader({ request, params: {}, context }),
    public: "the home page, with the sign-in form",
    answers: 200,
  },
  {
    route: "_index.tsx",
    method: "POST",
    intent: "sign in",
    path: () => "/?index",
    send: () => ({ form: { apiKey: `sk-test-${randomUUID()}`, redirectTo: "" } }),
    call: (request) => home.action({ request, params: {}, context: { clientAddress: "192.0.2.20" } }),
    public: "signing in is how a visitor gets a cookie",
    answers: 302,
  },
  {
    route: "api.chat.ts",
    method: "POST",
    intent: "a message in a session",
    path: () => "/api/chat",
    send: (w) => ({ json: { mode: "session", sessionId: w.session, message: "Let me in" } }),
    call: (request) => chatApi.action({ request, params: {}, context }),
    anotherPerson: NOT_FOUND,
    signedOut: CHAT_401,
    control: byOwner(200, { changes: true }),
  },
  {
    route: "api.chat.ts",
    method: "POST",
    intent: "a retry in a session",
    path: () => "/api/chat",
    send: (w) => ({ json: { mode: "session", sessionId: w.session, retry: true } }),
    call: (request) => chatApi.action({ request, params: {}, context }),
    anotherPerson: NOT_FOUND,
    signedOut: CHAT_401,
    control: byOwner(200, { changes: true }),
  },
  {
    route: "api.chat.ts",
    method: "POST",
    intent: "waiting for a stopped reply to be saved",
    path: () => "/api/chat",
    send: (w) => ({ json: { mode: "settle", sessionId: w.session } }),
    call: (request) => chatApi.action({ request, params: {}, context }),
    anotherPerson: NOT_FOUND,
    signedOut: CHAT_401,
    control: byOwner(200),
  },
  {
    route: "api.chat.ts",
    method: "GET",
    path: () => "/api/chat",
    call: () => chatApi.loader(),
    public: "it answers 405 to every GET and reads nothing",
    answers: 405,
  },
  {
    route: "api.chat.ts",
    method: "POST",
    intent: "a test drive",
    path: () => "/api/chat",
    send: () => ({ json: testDrive }),
    call: (request) => chatApi.action({ request, params: {}, context }),
    anotherPerson: allowed("may test-drive unsaved settings on their own key, which saves nothing", 200),
    signedOut: CHAT_401,
    control: byOwner(200),
  },
  {
    route: "assistants.$botId._index.tsx",
    method: "GET",
    intent: "an active assistant, shared by its link",
    path: (w) => `/assistants/${w.bot}`,
    call: (request, w) => assistantPage.loader({ request, params: { botId: w.bot }, context }),
    anotherPerson: allowed("may open it by its link, but not as its creator or an operator", 200, (answer) =>
      expect(answer.body).toMatchObject({ isCreator: false, isOperator: false }),
    ),
    signedOut: SIGN_IN,
    control: byOwner(200),
  },
  {
    route: "assistants.$botId._index.tsx",
    method: "GET",
    intent: "a deactivated assistant",
    path: (w) => `/assistants/${w.deactivated}`,
    call: (request, w) => assistantPage.loader({ request, params: { botId: w.deactivated }, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOwner(404, { note: "a deactivated assistant is a 404 to everyone, its creator included" }),
  },
  {
    route: "assistants.$botId.chat.ts",
    method: "GET",
    path: (w) => `/assistants/${w.bot}/chat`,
    call: (_request, w) => startChat.loader({ params: { botId: w.bot } }),
    public: "it only redirects to the assistant's page, which checks access itself",
    answers: 302,
  },
  {
    route: "assistants.$botId.chat.ts",
    method: "POST",
    intent: "start a chat with an active assistant, shared by its link",
    path: (w) => `/assistants/${w.bot}/chat`,
    send: () => ({ form: { model: "gpt-4o" } }),
    call: (request, w) => startChat.action({ request, params: { botId: w.bot }, context }),
    anotherPerson: allowed(
      "may start a chat of their own with it by its link (only its start counters move)",
      302,
      async (answer, w) => expect(await ownerOf("sessions", locationId(answer, "/sessions/"))).toBe(w.other.userId),
      ["sessions_started"],
    ),
    signedOut: SIGN_IN,
    control: byOwner(302, { changes: true }),
  },
  {
    route: "assistants.$botId.chat.ts",
    method: "POST",
    intent: "start a chat with a deactivated assistant",
    path: (w) => `/assistants/${w.deactivated}/chat`,
    send: () => ({ form: {} }),
    call: (request, w) => startChat.action({ request, params: { botId: w.deactivated }, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOwner(404, { note: "a deactivated assistant is a 404 to everyone, its creator included" }),
  },
  {
    route: "assistants.$botId.edit.tsx",
    method: "GET",
    path: (w) => `/assistants/${w.bot}/edit`,
    call: (request, w) => edit.loader({ request, params: { botId: w.bot }, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOwner(200),
  },
  {
    route: "assistants.$botId.edit.tsx",
    method: "POST",
    intent: "save an edit",
    path: (w) => `/assistants/${w.bot}/edit`,
    send: () => ({ form: assistantFields("Taken over", "Obey whoever edited you last.") }),
    call: (request, w) => edit.action({ request, params: { botId: w.bot }, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOwner(302, { changes: true }),
  },
  {
    route: "assistants.$botId.edit.tsx",
    method: "POST",
    intent: "activate",
    path: (w) => `/assistants/${w.bot}/edit`,
    send: (w) => ({ form: { intent: "activate", kind: "instructions", versionId: w.formerInstructions } }),
    call: (request, w) => edit.action({ request, params: { botId: w.bot }, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOwner(302, { changes: true }),
  },
  {
    route: "assistants.$botId.status.ts",
    method: "GET",
    path: (w) => `/assistants/${w.bot}/status`,
    call: (_request, w) => status.loader({ params: { botId: w.bot } }),
    public: "it only redirects to the assistant's page, which checks access itself",
    answers: 302,
  },
  {
    route: "assistants.$botId.status.ts",
    method: "POST",
    intent: "deactivate",
    path: (w) => `/assistants/${w.bot}/status`,
    send: () => ({ form: { intent: "deactivate" } }),
    call: (request, w) => status.action({ request, params: { botId: w.bot }, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOwner(302, { changes: true }),
  },
  {
    route: "assistants.$botId.status.ts",
    method: "POST",
    intent: "reactivate",
    path: (w) => `/assistants/${w.deactivated}/status`,
    send: () => ({ form: { intent: "reactivate" } }),
    call: (request, w) => status.action({ request, params: { botId: w.deactivated }, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOwner(302, { changes: true }),
  },
  {
    route: "assistants.$botId.status.ts",
    method: "POST",
    intent: "showcase",
    path: (w) => `/assistants/${w.bot}/status`,
    send: () => ({ form: { intent: "showcase" } }),
    call: (request, w) => status.action({ request, params: { botId: w.bot }, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOperator(302, {
      changes: true,
      note: "curating the gallery is an operator's job, even for the creator",
    }),
  },
  {
    route: "assistants.$botId.status.ts",
    method: "POST",
    intent: "unshowcase",
    path: (w) => `/assistants/${w.showcased}/status`,
    send: () => ({ form: { intent: "unshowcase" } }),
    call: (request, w) => status.action({ request, params: { botId: w.showcased }, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOperator(302, {
      changes: true,
      note: "curating the gallery is an operator's job, even for the creator",
    }),
  },
  {
    route: "assistants._index.tsx",
    method: "GET",
    intent: "the showcased gallery",
    path: () => "/assistants",
    call: (request) => gallery.loader({ request, params: {}, context }),
    public: "the gallery of showcased assistants is readable signed out",
    answers: 200,
  },
  {
    route: "assistants._index.tsx",
    method: "GET",
    intent: "my assistants",
    path: () => "/assistants?tab=mine",
    call: (request) => gallery.loader({ request, params: {}, context }),
    anotherPerson: allowed("sees only their own assistants", 200, (answer, w) => {
      const own = (answer.body as { own: { id: string }[] }).own.map((bot) => bot.id);
      expect(own).not.toContain(w.bot);
      expect(own).not.toContain(w.deactivated);
      expect(own).not.toContain(w.showcased);
    }),
    signedOut: SIGN_IN,
    control: byOwner(200),
  },
  {
    route: "assistants.new.tsx",
    method: "GET",
    intent: "duplicate an active assistant, shared by its link",
    path: (w) => `/assistants/new?from=${w.bot}`,
    call: (request) => lab.loader({ request, params: {}, context }),
    anotherPerson: allowed("may duplicate it into their own lab by its link", 200),
    signedOut: SIGN_IN,
    control: byOwner(200),
  },
  {
    route: "assistants.new.tsx",
    method: "GET",
    intent: "duplicate a deactivated assistant",
    path: (w) => `/assistants/new?from=${w.deactivated}`,
    call: (request) => lab.loader({ request, params: {}, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOwner(404, { note: "a deactivated assistant is a 404 to everyone, its creator included" }),
  },
  {
    route: "assistants.new.tsx",
    method: "POST",
    intent: "create",
    path: () => "/assistants/new",
    send: () => ({ form: assistantFields("Someone's own", "Help.") }),
    call: (request) => lab.action({ request, params: {}, context }),
    anotherPerson: allowed("creates an assistant of their own, never the owner's", 302, async (answer, w) =>
      expect(await ownerOf("bots", locationId(answer, "/assistants/"))).toBe(w.other.userId),
    ),
    signedOut: SIGN_IN,
    control: byOwner(302, { changes: true }),
  },
  {
    route: "healthz.ts",
    method: "GET",
    path: () => "/healthz",
    call: () => healthz.loader(),
    public: "load balancers check it without credentials",
    answers: 200,
  },
  {
    route: "sessions.$sessionId.download.ts",
    method: "GET",
    path: (w) => `/sessions/${w.session}/download?format=json`,
    call: (request, w) => download.loader({ request, params: { sessionId: w.session }, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOwner(200),
  },
  {
    route: "sessions.$sessionId.tsx",
    method: "GET",
    path: (w) => `/sessions/${w.session}`,
    call: (request, w) => session.loader({ request, params: { sessionId: w.session }, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOwner(200),
  },
  ...(["rename", "delete", "rate", "conclude"] as const).map((intent): Entry => ({
    route: "sessions.$sessionId.tsx",
    method: "POST",
    intent,
    path: (w) => `/sessions/${w.session}`,
    send: () => ({
      form: {
        intent,
        ...(intent === "rename" ? { title: "Taken over" } : intent === "rate" ? { rating: "down" } : {}),
      },
    }),
    call: (request, w) => session.action({ request, params: { sessionId: w.session }, context }),
    anotherPerson: NOT_FOUND,
    signedOut: SIGN_IN,
    control: byOwner(intent === "delete" ? 302 : 200, { changes: true }),
  })),
  {
    route: "sessions._index.tsx",
    method: "GET",
    path: () => "/sessions",
    call: (request) => history.loader({ request, params: {}, context }),
    anotherPerson: allowed("sees only their own chats", 200, (answer, w) =>
      expect((answer.body as { sessions: { id: string }[] }).sessions.map((chat) => chat.id)).not.toContain(w.session),
    ),
    signedOut: SIGN_IN,
    control: byOwner(200),
  },
  {
    route: "sign-out.ts",
    method: "GET",
    path: () => "/sign-out",
    call: () => signOut.loader(),
    public: "it only redirects home; signing out is a POST",
    answers: 302,
  },
  {
    route: "sign-out.ts",
    method: "POST",
    path: () => "/sign-out",
    send: () => ({ form: {} }),
    call: (request) => signOut.action({ request, params: {}, context }),
    public: "clearing a cookie needs none",
    answers: 302,
  },
  {
    route: "usage.tsx",
    method: "GET",
    path: () => "/usage",
    call: (request) => usage.loader({ request, params: {}, context }),
    anotherPerson: allowed("sees only their own usage", 200, (answer, w) =>
      expect((answer.body as { byBot: { id: string }[] }).byBot.map((row) => row.id)).not.toContain(w.bot),
    ),
    signedOut: SIGN_IN,
    control: byOwner(200),
  },
  {
    route: "v1.chat.completions.ts",
    method: "GET",
    path: () => "/v1/chat/completions",
    call: (request) => completions.loader({ request, params: {}, context }),
    public: "it answers 405 to every GET and reads nothing",
    answers: 405,
  },
  {
    route: "v1.chat.completions.ts",
    method: "POST",
    intent: "continue a session by X-Session-Id",
    path: () => "/v1/chat/completions",
    headers: (w) => ({ "X-Session-Id": w.session }),
    send: (w) => ({ json: { model: w.bot, messages: [{ role: "user", content: "Let me in" }] } }),
    call: (request) => completions.action({ request, params: {}, context }),
    anotherPerson: NOT_FOUND,
    signedOut: OPENAI_401,
    control: byOwner(200, { changes: true }),
  },
  {
    route: "v1.chat.completions.ts",
    method: "POST",
    intent: "a new session with an active assistant, shared by its id",
    path: () => "/v1/chat/completions",
    send: (w) => ({ json: { model: w.bot, messages: [{ role: "user", content: "Hello" }] } }),
    call: (request) => completions.action({ request, params: {}, context }),
    anotherPerson: allowed(
      "may call it by its id, as a session of their own (only its start counters move)",
      200,
      async (answer, w) => expect(await ownerOf("sessions", answer.headers.get("X-Session-Id")!)).toBe(w.other.userId),
      ["sessions_started"],
    ),
    signedOut: OPENAI_401,
    control: byOwner(200, { changes: true }),
  },
  {
    route: "v1.chat.completions.ts",
    method: "POST",
    intent: "a new session with a deactivated assistant",
    path: () => "/v1/chat/completions",
    send: (w) => ({ json: { model: w.deactivated, messages: [{ role: "user", content: "Hello" }] } }),
    call: (request) => completions.action({ request, params: {}, context }),
    anotherPerson: NOT_FOUND,
    signedOut: OPENAI_401,
    control: byOwner(404, { note: "a deactivated assistant is a 404 to everyone, its creator included" }),
  },
  {
    route: "v1.responses.ts",
    method: "GET",
    path: () => "/v1/responses",
    call: (request) => responses.loader({ request, params: {}, context }),
    public: "it answers 405 to every GET and reads nothing",
    answers: 405,
  },
  {
    route: "v1.responses.ts",
    method: "POST",
    intent: "continue a session by previous_response_id",
    path: () => "/v1/responses",
    send: (w) => ({ json: { model: w.bot, input: "Let me in", previous_response_id: w.response } }),
    call: (request) => responses.action({ request, params: {}, context }),
    anotherPerson: UNKNOWN_ID,
    signedOut: OPENAI_401,
    control: byOwner(200, { changes: true }),
  },
  {
    route: "v1.responses.ts",
    method: "POST",
    intent: "refer to an earlier reply by its item id",
    path: () => "/v1/responses",
    send: (w) => ({
      json: {
        model: w.bot,
        input: [
          { role: "user", content: "Hello, coach" },
          { type: "item_reference", id: w.response.replace(/^resp_/, "msg_") },
          { role: "user", content: "And again" },
        ],
      },
    }),
    call: (request) => responses.action({ request, params: {}, context }),
    anotherPerson: UNKNOWN_ID,
    signedOut: OPENAI_401,
    control: byOwner(200, { changes: true }),
  },
  {
    route: "v1.models.ts",
    method: "GET",
    path: () => "/v1/models",
    call: (request) => models.loader({ request, params: {}, context }),
    anotherPerson: allowed(
      "lists the showcased assistants and their own, not the owner's unlisted or deactivated ones",
      200,
      (answer, w) => {
        const ids = (answer.body as { data: { id: string }[] }).data.map((model) => model.id);
        expect(ids).not.toContain(w.bot);
        expect(ids).not.toContain(w.deactivated);
      },
    ),
    signedOut: OPENAI_401,
    control: byOwner(200),
  },
  {
    route: "v1.models.ts",
    method: "POST",
    path: () => "/v1/models",
    call: (request) => models.action({ request, params: {}, context }),
    public: "it answers 405 to every POST and reads nothing",
    answers: 405,
  },
  {
    route: "v1.models.$modelId.ts",
    method: "GET",
    path: (w) => `/v1/models/${w.bot}`,
    call: (request, w) => modelById.loader({ request, params: { modelId: w.bot }, context }),
    anotherPerson: allowed("an active assistant opens by link, so it is a model to anyone with its id", 200),
    signedOut: OPENAI_401,
    control: byOwner(200),
  },
  {
    route: "v1.models.$modelId.ts",
    method: "POST",
    path: (w) => `/v1/models/${w.bot}`,
    call: (request) => modelById.action({ request, params: {}, context }),
    public: "it answers 405 to every POST and reads nothing",
    answers: 405,
  },
  {
    route: "v1.$.ts",
    method: "GET",
    path: () => "/v1/nothing-here",
    call: (request) => unknownApiPath.loader({ request, params: { "*": "nothing-here" }, context }),
    public: "an unknown /v1 path answers OpenAI's 404 and reads nothing",
    answers: 404,
  },
  {
    route: "v1.$.ts",
    method: "POST",
    path: () => "/v1/nothing-here",
    call: (request) => unknownApiPath.action({ request, params: { "*": "nothing-here" }, context }),
    public: "an unknown /v1 path answers OpenAI's 404 and reads nothing",
    answers: 404,
  },
  {
    route: "$.tsx",
    method: "GET",
    path: () => "/nothing-here",
    call: () => unknownPage.loader(),
    public: "an unknown page is a 404 that reads nothing",
    answers: 404,
  },
  {
    route: "$.tsx",
    method: "POST",
    path: () => "/nothing-here",
    call: () => unknownPage.action(),
    public: "an unknown page is a 404 that reads nothing",
    answers: 404,
  },
];

// ---------------------------------------------------------------------------
// Callers.

type Credentials = Record<string, string>;

const asPerson = (person: Person): Credentials => ({ Cookie: person.cookie, Authorization: `Bearer ${person.apiKey}` });

const REAL_SECRETS = () => process.env.SESSION_SECRETS!.split(",");
const WRONG_SECRETS = ["a-wrong-session-secret-0123456789abcdef"];
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** A session cookie as the app makes them, signed and sealed with the given secrets. */
async function cookieMadeWith(owner: Person, options: { signWith: string[]; sealWith: string[]; sealedAt?: number }) {
  const storage = createCookieSessionStorage<{ auth: string }>({
    cookie: { name: "al_session", secrets: options.signWith, path: "/" },
  });
  const cookieSession = await storage.getSession();
  cookieSession.set(
    "auth",
    sealAuth({ userId: owner.userId, apiKey: owner.apiKey }, options.sealWith, WEEK_MS, options.sealedAt),
  );
  return (await storage.commitSession(cookieSession)).split(";")[0]!;
}

/** The owner's real cookie with one character of its signed value changed. */
function tampered(cookie: string): string {
  const at = cookie.indexOf("=") + 12;
  return `${cookie.slice(0, at)}${cookie[at] === "A" ? "B" : "A"}${cookie.slice(at + 1)}`;
}

/** Credentials that claim to be the owner without being theirs: each must count as signed out. */
const FORGERIES: { label: string; openAiOnly?: boolean; headers: (w: World) => Promise<Credentials> | Credentials }[] =
  [
    {
      label: "a cookie with the owner's identity signed with a wrong secret",
      headers: async (w) => ({
        Cookie: await cookieMadeWith(w.owner, { signWith: WRONG_SECRETS, sealWith: REAL_SECRETS() }),
      }),
    },
    {
      label: "a cookie with the owner's identity sealed with a wrong secret",
      headers: async (w) => ({
        Cookie: await cookieMadeWith(w.owner, { signWith: REAL_SECRETS(), sealWith: WRONG_SECRETS }),
      }),
    },
    {
      label: "the owner's real cookie with one character changed",
      headers: (w) => ({ Cookie: tampered(w.owner.cookie) }),
    },
    {
      label: "an expired cookie with the owner's identity",
      headers: async (w) => ({
        Cookie: await cookieMadeWith(w.owner, {
          signWith: REAL_SECRETS(),
          sealWith: REAL_SECRETS(),
          sealedAt: Date.now() - WEEK_MS - 60_000,
        }),
      }),
    },
    {
      label: "a bearer key the provider rejects",
      openAiOnly: true,
      headers: () => ({ Authorization: `Bearer sk-fake-rejected-${randomUUID()}` }),
    },
  ];

// ---------------------------------------------------------------------------
// Trying a row.

function requestFor(entry: Entry, w: World, headers: Credentials): Request {
  const url = `http://localhost${entry.path(w)}`;
  const all = { ...entry.headers?.(w), ...headers };
  if (entry.method === "GET") return new Request(url, { headers: all });
  const body = entry.send?.(w) ?? { form: {} };
  return "json" in body
    ? new Request(url, {
        method: "POST",
        body: JSON.stringify(body.json),
        headers: { ...all, "Content-Type": "application/json" },
      })
    : new Request(url, {
        method: "POST",
        body: new URLSearchParams(body.form),
        headers: { ...all, "Content-Type": "application/x-www-form-urlencoded" },
      });
}

async function answer(entry: Entry, w: World, headers: Credentials): Promise<Answer> {
  let response: Response | undefined;
  const keep = <T>(value: T): T => {
    if (value instanceof Response) response = value;
    return value;
  };
  const outcome = await run(async () => {
    try {
      return keep(await entry.call(requestFor(entry, w, headers), w));
    } catch (thrown) {
      throw keep(thrown);
    }
  });
  // Reading a streamed reply to its end means anything it saves is saved before we look.
  return { ...outcome, body: response ? parsed(await response.text()) : outcome.data };
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------
// The owner's documents: their user, assistants, chats and usage, with every
// subcollection (versions, messages), each field as stable JSON.

type Snapshot = Map<string, Record<string, string>>;

async function ownerDocuments(w: World): Promise<Snapshot> {
  const owner = w.owner.userId;
  const found = await Promise.all([
    bots().where("creator_user_id", "==", owner).get(),
    sessions().where("user_id", "==", owner).get(),
    db().collection("usage_daily").where("user_id", "==", owner).get(),
  ]);
  const snapshot: Snapshot = new Map();
  await visit(
    [db().collection("users").doc(owner), ...found.flatMap((query) => query.docs.map((doc) => doc.ref))],
    snapshot,
  );
  return withShardsFolded(snapshot);
}

/**
 * A counter's shards (app/models/counters.server.ts) are its document's own
 * count: added into it here, so that a fold, which moves counts from the
 * shards into the document, changes nothing, and a start changes the counter.
 */
function withShardsFolded(snapshot: Snapshot): Snapshot {
  for (const [docPath, fields] of [...snapshot]) {
    const counted = /^(.*)\/counter_shards\/[^/]+$/.exec(docPath)?.[1];
    if (counted === undefined) continue;
    snapshot.delete(docPath);
    const parent = snapshot.get(counted);
    if (!parent) continue;
    for (const [field, value] of Object.entries(fields)) {
      parent[field] = String(Number(parent[field] ?? 0) + Number(value));
    }
  }
  return snapshot;
}

async function visit(refs: DocumentReference[], into: Snapshot): Promise<void> {
  await Promise.all(
    refs.map(async (ref) => {
      const [doc, subcollections] = await Promise.all([ref.get(), ref.listCollections()]);
      if (doc.exists)
        into.set(
          ref.path,
          Object.fromEntries(Object.entries(doc.data()!).map(([field, value]) => [field, stable(value)])),
        );
      for (const sub of subcollections) await visit(await sub.listDocuments(), into);
    }),
  );
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Timestamp) return item.toMillis();
    if (item && typeof item === "object" && !Array.isArray(item)) {
      return Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)));
    }
    return item;
  });
}

/** What changed, as "path field" lines, leaving out fields that may change by design. */
function changes(before: Snapshot, after: Snapshot, mayChange: string[] = []): string[] {
  const found: string[] = [];
  for (const docPath of new Set([...before.keys(), ...after.keys()])) {
    const [was, is] = [before.get(docPath), after.get(docPath)];
    if (!was || !is) {
      found.push(`${docPath} was ${was ? "deleted" : "created"}`);
      continue;
    }
    for (const field of new Set([...Object.keys(was), ...Object.keys(is)])) {
      if (was[field] !== is[field] && !mayChange.includes(field)) found.push(`${docPath} ${field}`);
    }
  }
  return found;
}

function expectTurnedAway(how: SignedOut, got: Answer, requestPath: string) {
  if (how === SIGN_IN) {
    expect(got.status).toBe(302);
    const location = new URL(got.headers.get("Location") ?? "", "http://localhost");
    expect(location.pathname).toBe("/");
    expect(location.searchParams.get("redirectTo")).toBe(requestPath);
    // A dead cookie is cleared, not kept.
    expect(got.headers.get("Set-Cookie")).toMatch(/^al_session=;.*Expires=Thu, 01 Jan 1970/);
  } else if (how === CHAT_401) {
    expect(got.status).toBe(401);
    expect(got.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  } else {
    expect(got.status).toBe(401);
    const error = (got.body as { error: Record<string, unknown> }).error;
    expect(Object.keys(error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
  }
}

// ---------------------------------------------------------------------------
// The figures: every attempt counts as tried when it starts, and as held only
// once every check of it has passed.

type CallerKind = "another person" | "signed out" | "forged credentials" | "public, signed out";

const WHAT: Record<CallerKind, string> = {
  "another person": "another person's attempts on every route and intent",
  "signed out": "signed-out attempts on every route and intent that needs a person",
  "forged credentials":
    "forged, tampered and expired cookies (and rejected API keys on /v1) on every route and intent that needs a person",
  "public, signed out": "public routes answering a signed-out visitor without error",
};

const tally = Object.fromEntries(Object.keys(WHAT).map((kind) => [kind, { tried: 0, held: 0 }])) as Record<
  CallerKind,
  { tried: number; held: number }
>;

async function attempt(kind: CallerKind, body: () => Promise<void>) {
  tally[kind].tried += 1;
  await body();
  tally[kind].held += 1;
}

beforeAll(async () => {
  operator = await signedInPerson(undefined, OPERATOR_KEY);
});

afterAll(() => {
  for (const [kind, { tried, held }] of Object.entries(tally)) {
    if (tried > 0) recordReliability({ area: "access", what: WHAT[kind as CallerKind], tried, held });
  }
  if (operatorsBefore === undefined) delete process.env.OPERATOR_USER_HASHES;
  else process.env.OPERATOR_USER_HASHES = operatorsBefore;
});

// ---------------------------------------------------------------------------

const urlOf = (route: string) =>
  `/${route
    .replace(/\.tsx?$/, "")
    .split(".")
    .filter((part) => part !== "_index")
    .map((part) => (part.startsWith("$") ? `:${part.slice(1)}` : part))
    .join("/")}`;

const titleOf = (entry: Entry) => `${entry.method} ${urlOf(entry.route)}${entry.intent ? ` (${entry.intent})` : ""}`;

describe("the access table", () => {
  test("has an entry for every file in app/routes", () => {
    const routes = readdirSync(ROUTES_DIR).filter((file) => /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file));
    const covered = new Set(ACCESS.map((entry) => entry.route));
    expect(routes.filter((file) => !covered.has(file))).toEqual([]);
    expect([...covered].filter((route) => !routes.includes(route))).toEqual([]);
  });

  test("has a GET entry for every loader and a POST entry for every action", async () => {
    const missing: string[] = [];
    for (const route of new Set(ACCESS.map((entry) => entry.route))) {
      const module = (await import(path.join(ROUTES_DIR, route))) as Record<string, unknown>;
      const has = (method: Entry["method"]) => ACCESS.some((entry) => entry.route === route && entry.method === method);
      if (typeof module.loader === "function" && !has("GET")) missing.push(`${route} loader`);
      if (typeof module.action === "function" && !has("POST")) missing.push(`${route} action`);
    }
    expect(missing).toEqual([]);
  });

  test("names each route, method and intent once", () => {
    const titles = ACCESS.map(titleOf);
    expect(titles.filter((title, index) => titles.indexOf(title) !== index)).toEqual([]);
  });

  test("forges cookies that differ from a real one only in what they forge", async () => {
    const owner = await signedInPerson();
    const genuine = await cookieMadeWith(owner, { signWith: REAL_SECRETS(), sealWith: REAL_SECRETS() });
    const signedIn = await getSignedInUser(new Request("http://localhost/", { headers: { Cookie: genuine } }));
    expect(signedIn).toEqual({ userId: owner.userId, apiKey: owner.apiKey });
    expect(tampered(owner.cookie)).not.toBe(owner.cookie);
  });

  test("has one operator, to show the showcase intents work for the people they are for", () => {
    expect(callerFor({ userId: "operator", apiKey: OPERATOR_KEY }).isOperator).toBe(true);
  });
});

for (const entry of ACCESS) {
  describe(titleOf(entry), () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld();
    });
    // Showcased assistants are seen by every suite sharing the emulator: leave none behind.
    afterAll(async () => {
      if (w) await Promise.all([setShowcased(w.showcased, false), setShowcased(w.bot, false)]);
    });

    if ("public" in entry) {
      test(`answers ${entry.answers} to a signed-out visitor: ${entry.public}`, () =>
        attempt("public, signed out", async () => {
          expect((await answer(entry, w, {})).status).toBe(entry.answers);
        }));
      return;
    }

    const { anotherPerson, signedOut, control } = entry;

    if ("refused" in anotherPerson) {
      test(`another person gets ${anotherPerson.refused}, and nothing of the owner's changes`, () =>
        attempt("another person", async () => {
          const before = await ownerDocuments(w);
          expect((await answer(entry, w, asPerson(w.other))).status).toBe(anotherPerson.refused);
          expect(changes(before, await ownerDocuments(w))).toEqual([]);
        }));
    } else {
      test(`another person ${anotherPerson.allowed}, and nothing else of the owner's changes`, () =>
        attempt("another person", async () => {
          const before = await ownerDocuments(w);
          const got = await answer(entry, w, asPerson(w.other));
          expect(got.status).toBe(anotherPerson.status);
          await anotherPerson.check?.(got, w);
          expect(changes(before, await ownerDocuments(w), anotherPerson.mayChange)).toEqual([]);
        }));
    }

    const turnedAway = signedOut === SIGN_IN ? "is sent to sign in" : "gets 401";
    test(`a signed-out caller ${turnedAway}, and nothing changes`, () =>
      attempt("signed out", async () => {
        const before = await ownerDocuments(w);
        expectTurnedAway(signedOut, await answer(entry, w, {}), entry.path(w));
        expect(changes(before, await ownerDocuments(w))).toEqual([]);
      }));

    for (const forgery of FORGERIES.filter((forgery) => !forgery.openAiOnly || signedOut === OPENAI_401)) {
      test(`${forgery.label} is treated as signed out, and nothing changes`, () =>
        attempt("forged credentials", async () => {
          const before = await ownerDocuments(w);
          expectTurnedAway(signedOut, await answer(entry, w, await forgery.headers(w)), entry.path(w));
          expect(changes(before, await ownerDocuments(w))).toEqual([]);
        }));
    }

    const who = control.by === "owner" ? "its owner" : "an operator";
    const why = control.note
      ? `: ${control.note}`
      : control.status === 404
        ? ""
        : ", so the refusals above are about who asks";
    test(`${who} gets ${control.status}${control.status === 404 ? " too" : ""}${why}`, async () => {
      const before = await ownerDocuments(w);
      const got = await answer(entry, w, asPerson(control.by === "owner" ? w.owner : w.operator));
      expect(got.status).toBe(control.status);
      expect(changes(before, await ownerDocuments(w)).length > 0).toBe(control.changes === true);
    });
  });
}
