// Hostile input against the production server, run as its own process on its
// own Firestore project: every form action and JSON body gets generated input
// that is certainly invalid (each case carries at least one violation), and the
// product's rule must hold for every case: a 4xx with a human-readable message
// (the JSON `error.message` under /api and /v1, a form error or the error page
// for forms), no document changed, a small answer, and a server that keeps
// answering /healthz. See docs/decisions/015-bounded-request-bodies.md.
//
// Defects this file found, each now fixed and kept by its own test below
// (the generated properties leave those inputs to them):
//  1. Ids Firestore reserves (`__x__`, `__proto__`) were taken as ids; a
//     lookup failed only after ~7 s on the emulator, so the 5 s deadline
//     answered first with a 503. They are now refused at once.
//  2. A body over the limit sent without a Content-Length got a connection
//     reset instead of the 413: cancelling the request stream destroyed the
//     socket. The rest of such a body is now read and dropped (up to 64 MB).
//  3. A rejected over-long field came back two or three times in full (the
//     form, the card preview, the hydration data): 100 KB of instructions made
//     a 220 KB page. Fields are now cut one character past their limit.
//  4. GET /api/chat answered 400 "Unexpected Server Error"; it is now 405.
//  5. `name` sent twice on the lab or the edit form was a 500; a field that is
//     not a list, sent twice, is now a 400.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import fc from "fast-check";
import { deleteApp, initializeApp, type App } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FAKE_CHAT_MODELS } from "../fakes/openai-server";
import { startAppServer, type AppServer } from "../setup/app-server";
import { assistantFields } from "../setup/assistant-input";
import { allDocuments } from "../setup/firestore";
import { fakeProvider } from "../setup/integration";
import { recordReliability } from "../setup/reliability";

const ALLOWED_STATUSES = [400, 401, 403, 404, 405, 409, 413, 415, 422, 429];
const SMALL = 64 * 1024;
const FORM_RUNS = 60;
const JSON_RUNS = 100;
const MB = 1024 * 1024;
/** Firestore reserves these ids; see defect 1 above. */
const RESERVED_ID = /^__.*__$/;

// ---------------------------------------------------------------------------
// The world: one server, one person, one assistant, one chat with an exchange.

let server: AppServer;
let admin: App;
let firestore: Firestore;
let origin = "";
const apiKey = `sk-test-fuzz-${randomUUID()}`;
let cookie = "";
let botId = "";
let sessionId = "";
let baseline: Dump;
let health: HealthWatch;

beforeAll(async () => {
  const projectId = `demo-fuzz-${randomUUID().slice(0, 8)}`;
  server = await startAppServer({
    GOOGLE_CLOUD_PROJECT: projectId,
    OPENAI_BASE_URL: fakeProvider.url,
    SIGN_IN_ATTEMPTS: "1000000",
    SIGN_IN_ATTEMPTS_PER_KEY: "1000000",
    CHAT_TURNS_PER_MINUTE: "1000000",
  });
  origin = server.url;
  admin = initializeApp({ projectId }, `fuzz-${projectId}`);
  firestore = getFirestore(admin);

  const signIn = await fetch(`${origin}/?index`, {
    method: "POST",
    body: new URLSearchParams({ apiKey }),
    redirect: "manual",
  });
  expect(signIn.status).toBe(302);
  cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;

  const created = await postForm("/assistants/new", { ...VALID_LAB, "starter_prompts[0]": "Where do I start?" });
  expect(created.status).toBe(302);
  botId = /^\/assistants\/([\w-]+)\?created=1$/.exec(created.headers.get("location") ?? "")![1]!;

  const started = await postForm(`/assistants/${botId}/chat`, {});
  expect(started.status).toBe(302);
  sessionId = /^\/sessions\/([\w-]+)$/.exec(started.headers.get("location") ?? "")![1]!;

  const reply = await fetch(`${origin}/api/chat`, {
    method: "POST",
    headers: { Cookie: cookie, "Content-Type": "application/json" },
    body: JSON.stringify({ mode: "session", sessionId, message: "Hello there" }),
  });
  expect(await reply.text()).toContain("event: done");

  baseline = await dump();
  expect([...baseline.keys()].some((path) => path.startsWith(`sessions/${sessionId}/messages/`))).toBe(true);
  health = watchHealth();
});

afterAll(async () => {
  await health?.stop();
  for (const [what, tally] of tallies) recordReliability({ area: "input", what, ...tally });
  if (health) {
    const { polls, slowestMs, rssMb } = health.state;
    console.info(
      `fuzz: /healthz polled ${polls} times, slowest ${Math.round(slowestMs)} ms; server RSS ${rssMb.first}→${rssMb.peak} MB peak`,
    );
  }
  if (admin) await deleteApp(admin);
  await server?.stop();
});

const VALID_LAB = assistantFields({
  name: "Fuzz target",
  tag_line: "Takes every input",
  instructions: "Answer briefly.",
});
const LAB_FIELDS = [...Object.keys(VALID_LAB), "description", "summary_prompt", "starter_prompts"];

function postForm(path: string, fields: Record<string, string>) {
  return fetch(`${origin}${path}`, {
    method: "POST",
    headers: { Cookie: cookie },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

// ---------------------------------------------------------------------------
// Documents: a dump of the fuzz project, rate_limits left out (sign-in counts
// attempts before it reads the form, by design).

type Dump = Map<string, string>;

async function dump(): Promise<Dump> {
  const documents = await allDocuments(firestore);
  return new Map(
    documents.filter((doc) => !doc.path.startsWith("rate_limits/")).map((doc) => [doc.path, canonical(doc.data)]),
  );
}

/** JSON with sorted keys, so equal documents compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1)))
      : item,
  );
}

function changes(before: Dump, after: Dump): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].flatMap((path) => {
    if (!before.has(path)) return [`added ${path}: ${after.get(path)!.slice(0, 300)}`];
    if (!after.has(path)) return [`removed ${path}`];
    return before.get(path) === after.get(path) ? [] : [`changed ${path}: ${after.get(path)!.slice(0, 300)}`];
  });
}

// ---------------------------------------------------------------------------
// What held, per target group, for docs/RELIABILITY.md.

const tallies = new Map<string, { tried: number; held: number }>();

function tallyOf(group: string) {
  if (!tallies.has(group)) tallies.set(group, { tried: 0, held: 0 });
  return tallies.get(group)!;
}

/**
 * Runs one group's property as a batch: the documents are dumped before and
 * after, and a batch that changed any counts as not held.
 */
async function batch<Ts extends unknown[]>(group: string, property: fc.IAsyncProperty<Ts>, numRuns: number) {
  const tally = tallyOf(group);
  const heldBefore = tally.held;
  const before = await dump();
  let failure: unknown = null;
  try {
    await fc.assert(property, { numRuns });
  } catch (error) {
    failure = error;
  }
  const changed = changes(before, await dump());
  if (changed.length) tally.held = heldBefore;
  expect.soft(changed, `documents changed during "${group}"`).toEqual([]);
  if (failure) throw failure;
}

// ---------------------------------------------------------------------------
// Answers, and whether one held.

type Answer = { status: number; type: string; bytes: number; text: string };
type Kind = "form" | "json";

async function send(path: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(`${origin}${path}`, {
    redirect: "manual",
    signal: AbortSignal.timeout(20_000),
    ...init,
  });
  const reader = response.body?.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  // Read at most 1 MB: enough to say the answer was too large.
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > MB) {
      await reader.cancel();
      break;
    }
    chunks.push(value);
  }
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    bytes,
    text: Buffer.concat(chunks).toString("utf8"),
  };
}

/** Where a page says what was wrong: a form's or chat's alert, a field's error, the error page, Express's own page. */
const PAGE_MESSAGES = [
  /role="alert"[^>]*>([^<]+)</,
  /id="[^"]+-error"[^>]*>([^<]+)</,
  /<h1[^>]*>[^<]+<\/h1><div[^>]*>([^<]+)</,
  /<pre>([^<]+)<\/pre>/,
];

function messageOf(answer: Answer, kind: Kind): string | null {
  if (kind === "json" || answer.type.startsWith("application/json")) {
    try {
      const message: unknown = (JSON.parse(answer.text) as { error?: { message?: unknown } }).error?.message;
      return typeof message === "string" && message.trim() ? message : null;
    } catch {
      return null;
    }
  }
  if (answer.type.startsWith("text/plain")) return answer.text.trim() || null;
  for (const pattern of PAGE_MESSAGES) {
    const found = pattern.exec(answer.text)?.[1]?.trim();
    if (found) return found;
  }
  return null;
}

/** What is wrong with an answer to bad input (nothing, when it held), `also` included; counted in the group's tally. */
function judge(group: string, answer: Answer, kind: Kind, also: string[] = []): string[] {
  const problems = [...also];
  if (!ALLOWED_STATUSES.includes(answer.status)) problems.push(`status ${answer.status}`);
  if (answer.bytes === 0) problems.push("an empty body");
  if (answer.bytes >= SMALL)
    problems.push(`${answer.bytes > MB ? "over 1 MB" : `${answer.bytes} bytes`} of ${answer.type}`);
  if (answer.bytes > 0 && !messageOf(answer, kind))
    problems.push(`no message in ${answer.type}: ${answer.text.slice(0, 300)}`);
  const tally = tallyOf(group);
  tally.tried++;
  if (!problems.length) tally.held++;
  return problems;
}

// ---------------------------------------------------------------------------
// Generators shared by every target.

type Entry = [string, string];

const INVISIBLES = [
  "\u0000",
  "\u0007",
  "\t",
  "\n",
  "\r",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u009f",
  "\u00ad",
  "\u061c",
  "\u180e",
  "\u200b",
  "\u200c",
  "\u200d",
  "\u200e",
  "\u200f",
  "\u202a",
  "\u202b",
  "\u202c",
  "\u202d",
  "\u202e",
  "\u2060",
  "\u2061",
  "\u2064",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\ufeff",
];

/** Short strings nobody types: controls, bidi overrides, lone surrogates, markup, number words. */
const weirdText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...INVISIBLES, "\ud800", "\udfff", "\ufffd", "\uffff", "\u0301", "👩‍💻", "\u{10ffff}"),
        fc.string({ maxLength: 3 }),
      ),
      { maxLength: 10 },
    )
    .map((parts) => parts.join("")),
  fc.constantFrom(
    "__proto__",
    "constructor",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e308",
    "-1e308",
    "null",
    "undefined",
    "true",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "//evil.example/",
    "../../etc/passwd",
    "%00",
    "%s%n",
    "' OR '1'='1",
  ),
);

const word = fc.stringMatching(/^[A-Za-z0-9]{2,12}$/);

/**
 * A label (name, tag line, title) that the schema must refuse; [] is a missing
 * field, two values a repeated one (only where the form reads every value:
 * a chat's form keeps the last).
 */
function badLabel(max: number, { twice = true } = {}): fc.Arbitrary<readonly string[]> {
  return fc.oneof(
    fc.constant([]),
    fc.constantFrom("", " ", "\t\n", "\u3000", "\u00a0 \u2003").map((blank) => [blank]),
    fc.tuple(word, fc.constantFrom(...INVISIBLES), fc.nat()).map(([text, invisible, at]) => {
      const cut = 1 + (at % (text.length - 1));
      return [text.slice(0, cut) + invisible + text.slice(cut)];
    }),
    fc
      .array(
        fc.constantFrom("-", "!", "?", "…", "★", "😀", "→", "©", "$", "%", "&", "*", "+", "=", "~", "·", "\u0301"),
        { minLength: 1, maxLength: 10 },
      )
      .map((symbols) => [symbols.join("")]),
    fc
      .tuple(fc.integer({ min: max + 1, max: max + 200 }), fc.constantFrom("a", "é", "字", "😀"))
      .map(([length, char]) => [char.repeat(length)]),
    ...(twice ? [fc.tuple(word, word).map((values) => values)] : []),
  );
}

/** Required text the schema must refuse: missing, blank, over its limit, or twice. */
function badText(max: number): fc.Arbitrary<readonly string[]> {
  return fc.oneof(
    fc.constant([]),
    fc.constantFrom("", "   ", "\n\t").map((blank) => [blank]),
    tooLong(max),
    fc.tuple(word, word).map((twice) => twice),
  );
}

function tooLong(max: number): fc.Arbitrary<string[]> {
  return fc
    .tuple(fc.integer({ min: max + 1, max: max + 500 }), fc.constantFrom("a", "é", "字", "😀"))
    .map(([length, char]) => [char.repeat(length)]);
}

/** A number field's text outside [min, max] (or not a number at all); whole numbers only when `integer`. */
function outside(min: number, max: number, integer = false): fc.Arbitrary<string> {
  const anyDouble = { noNaN: true, noDefaultInfinity: true } as const;
  return fc.oneof(
    fc.constantFrom(
      "NaN",
      "Infinity",
      "-Infinity",
      "1e308",
      "-1e308",
      "abc",
      "1,5",
      "--1",
      "١",
      "0x",
      "e",
      "9".repeat(400),
    ),
    fc
      .double({ ...anyDouble, min: max })
      .filter((value) => value > max)
      .map(String),
    fc
      .double({ ...anyDouble, max: min })
      .filter((value) => value < min)
      .map(String),
    ...(integer
      ? [
          fc
            .double({ ...anyDouble, min, max })
            .filter((value) => !Number.isInteger(value))
            .map(String),
        ]
      : []),
  );
}

/** Ids of nothing: well-formed unknown ids and malformed ones (never the reserved `__x__`, defect 1). */
const unknownId = fc
  .oneof(
    fc.stringMatching(/^[A-Za-z0-9]{20}$/),
    fc.constantFrom(
      "%00",
      "a%2Fb",
      "..%2F..",
      "%2E%2E%2F",
      "%E2%80%AE",
      "%ZZ",
      "%",
      "x".repeat(150),
      "null",
      "undefined",
      "constructor",
      "%20",
      "-",
      "new",
    ),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).map((id) => encodeURIComponent(id)),
  )
  .filter((id) => !RESERVED_ID.test(id));

/** Field names no form of ours has, sparse list indexes among them. */
const junkName = fc.oneof(
  fc.constantFrom(
    "junk",
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "name.first",
    "a[b]",
    "x[]",
    "",
    " ",
    "%",
    "\u0000",
    "\u202e",
    "starter_prompts[-1]",
    "items[0][1]",
  ),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.nat({ max: 99_999_999 }).map((index) => `junk[${index}]`),
  fc.constantFrom("junk[50000000]", "tags[1000000]"),
);

/** Extra fields that cannot repair a violation: none of the route's own names. */
function junkEntries(own: string[]): fc.Arbitrary<Entry[]> {
  const value = fc.oneof(
    { weight: 5, arbitrary: weirdText },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 8_000 }).map((length) => "j".repeat(length)) },
  );
  return fc
    .array(fc.tuple(junkName, value), { maxLength: 8 })
    .map((entries) => entries.filter(([name]) => !own.some((field) => name === field || name.startsWith(`${field}[`))));
}

/** Raw bytes after the encoded fields: broken escapes and empty pairs, under names no form has. */
// Each tail starts a pair of its own: one glued to the last value could repair the case's violation
// (a blank field followed by ";x=1" is a field with a value).
const rawTail = fc.constantFrom("", "&%", "&%zz=%", "&%ED%A0%80=%C0%AF", "&&&==", "&%00=%00", "&+%2B+=+", "&;x=1");

/** How a form is sent: as a web form, or as a body no form is (415, or 400 for broken multipart). */
const FORM_ENCODINGS = ["urlencoded", "multipart"] as const;
const NOT_A_FORM = [
  "text/plain",
  "text/plain;charset=UTF-8",
  "application/json",
  "application/xml",
  "text/html",
  "application/octet-stream",
  "multipart/mixed; boundary=x",
  "application/x-www-form-urlencoded-json",
  "form-data",
  "none",
  "multipart/form-data",
  "multipart/form-data; boundary=fuzz",
] as const;

type FormInput = {
  why: string;
  path: string;
  entries: Entry[];
  as: (typeof FORM_ENCODINGS)[number] | (typeof NOT_A_FORM)[number];
  tail: string;
  sameOrigin: boolean;
};

/** Signing in is for people signed out: a signed-in person's home page has no form to show its errors. */
const signedOut = (path: string) => path.startsWith("/?index");

function formRequest(input: FormInput): RequestInit {
  const headers: Record<string, string> = {
    ...(signedOut(input.path) ? {} : { Cookie: cookie }),
    ...(input.sameOrigin ? { Origin: origin } : {}),
  };
  const encoded = new URLSearchParams(input.entries).toString() + input.tail;
  if (input.as === "urlencoded") {
    return {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
      body: encoded,
    };
  }
  if (input.as === "multipart") {
    const form = new FormData();
    for (const [name, value] of input.entries) form.append(name, value);
    return { method: "POST", headers, body: form };
  }
  const text = input.as.includes("json") ? JSON.stringify(Object.fromEntries(input.entries)) : encoded;
  const type: Record<string, string> = input.as === "none" ? {} : { "Content-Type": input.as };
  return { method: "POST", headers: { ...headers, ...type }, body: new TextEncoder().encode(text) };
}

type Violation = { why: string; drop: string[]; add: Entry[] };

/** One field set to the values given ([] leaves it out). */
function fieldIs(name: string, values: fc.Arbitrary<readonly string[]>, why: string): fc.Arbitrary<Violation> {
  return values.map((list) => ({ why, drop: [name], add: list.map((value): Entry => [name, value]) }));
}

/**
 * A form with one violation: the route's valid fields, the violation, other
 * fields changed to odd values, extra fields, sent as a web form.
 */
function violatingForm(
  path: fc.Arbitrary<string>,
  valid: Record<string, string>,
  own: string[],
  violation: fc.Arbitrary<Violation>,
): fc.Arbitrary<FormInput> {
  const mutations = fc.array(fc.tuple(fc.constantFrom(...Object.keys(valid).concat("_")), weirdText), { maxLength: 3 });
  return fc
    .record({
      path,
      violation,
      mutations,
      junk: junkEntries(own),
      as: fc.constantFrom(...FORM_ENCODINGS),
      tail: rawTail,
      sameOrigin: fc.boolean(),
    })
    .map(({ path, violation, mutations, junk, as, tail, sameOrigin }) => {
      const fields = { ...valid };
      for (const [name, value] of mutations) if (name in fields && !violation.drop.includes(name)) fields[name] = value;
      for (const name of violation.drop) delete fields[name];
      return {
        why: violation.why,
        path,
        entries: [...Object.entries(fields), ...violation.add, ...junk],
        as,
        tail: as === "urlencoded" ? tail : "",
        sameOrigin,
      };
    });
}

/** Any fields, valid ones included, in a body no form is or flooded past the 100 fields any form may have. */
function unreadableForm(
  path: fc.Arbitrary<string>,
  valid: Record<string, string>,
  own: string[],
): fc.Arbitrary<FormInput> {
  const fields = fc.tuple(fc.constant(Object.entries(valid)), junkEntries(own)).map(([a, b]) => [...a, ...b]);
  const wrongType = fc
    .record({ path, entries: fields, as: fc.constantFrom(...NOT_A_FORM), sameOrigin: fc.boolean() })
    .map((input) => ({
      ...input,
      why: `a body sent as ${input.as}`,
      tail: "",
    }));
  const flood = fc
    .record({
      path,
      count: fc.integer({ min: 101, max: 400 }),
      as: fc.constantFrom(...FORM_ENCODINGS),
      sameOrigin: fc.boolean(),
    })
    .map(({ path, count, as, sameOrigin }) => {
      const names = [...Object.keys(valid), "junk", "junk[50000000]"];
      const entries = Array.from({ length: count }, (_, index): Entry => [names[index % names.length]!, `v${index}`]);
      return {
        why: `${count} fields`,
        path,
        entries: [...Object.entries(valid), ...entries],
        as,
        tail: "",
        sameOrigin,
      };
    });
  return fc.oneof(wrongType, flood);
}

/** Any fields, valid ones included, posted for something that does not exist. */
function formForNothing(
  path: fc.Arbitrary<string>,
  valid: Record<string, string>,
  own: string[],
): fc.Arbitrary<FormInput> {
  return violatingForm(path, valid, own, fc.constant({ why: "an id of nothing", drop: [], add: [] }));
}

/** Posts each generated form as a batch of the group. */
function fuzzForms(group: string, input: fc.Arbitrary<FormInput>) {
  const property = fc.asyncProperty(input, async (form) => {
    const answer = await send(form.path, formRequest(form));
    expect(judge(group, answer, "form"), `${form.why} to ${form.path}`).toEqual([]);
  });
  return batch(group, property, FORM_RUNS);
}

// ---------------------------------------------------------------------------
// JSON bodies.

type JsonInput = {
  why: string;
  method: string;
  contentType: string | null;
  body: string;
  headers: Record<string, string>;
};

type Change = { why: string; at: (string | number)[]; value: unknown };

/** `base` with the value at `at` replaced (undefined leaves the key out of the JSON). */
function changed(base: unknown, { at, value }: Change): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at.at(-1)!] = value;
  return copy;
}

function changeAt(at: (string | number)[], values: fc.Arbitrary<unknown>, why: string): fc.Arbitrary<Change> {
  return values.map((value) => ({ why, at, value }));
}

const jsonNumberOutside = (min: number, max: number) =>
  fc.oneof(
    fc.constantFrom<unknown>(1e308, -1e308, "abc", "NaN", "Infinity", {}, undefined),
    fc.double({ min: max, noNaN: true, noDefaultInfinity: true }).filter((value) => value > max),
    fc.double({ max: min, noNaN: true, noDefaultInfinity: true }).filter((value) => value < min),
  );

const longString = (min: number) => fc.integer({ min, max: min + 4_000 }).map((length) => "m".repeat(length));

/** Text that is not JSON, made from a body that is. */
function malformed(body: unknown): fc.Arbitrary<{ why: string; text: string }> {
  const text = JSON.stringify(body);
  return fc.oneof(
    fc.nat({ max: text.length - 1 }).map((cut) => ({ why: "cut short", text: text.slice(0, cut) })),
    fc
      .constantFrom("NaN", "Infinity", "-Infinity", "undefined", "0x10", "01")
      .map((literal) => ({ why: `a ${literal} literal`, text: text.replace(/:("[^"]*"|\d+)/, `:${literal}`) })),
    fc.constant({ why: "single quotes", text: text.replace(/"/g, "'") }),
    fc.constant({ why: "a trailing comma", text: text.replace(/}$/, ",}") }),
    fc.constant({ why: "a comment", text: `// note\n${text}` }),
    fc.constant({ why: "a byte order mark", text: `\ufeff${text}` }),
    fc
      .constantFrom("", " ", "{", "}", "[", "\u0000", "null null", "{}{}")
      .map((junk) => ({ why: `the text ${JSON.stringify(junk)}`, text: junk })),
  );
}

/** A JSON top level that is not an object, or an array nested tens of thousands deep. */
const notAnObject = fc.oneof(
  fc.constantFrom("[]", '"draft"', "1", "null", "true", "[{}]").map((text) => ({ why: `the body ${text}`, text })),
  fc
    .integer({ min: 10_000, max: 100_000 })
    .map((depth) => ({ why: `arrays ${depth} deep`, text: "[".repeat(depth) + "]".repeat(depth) })),
);

/** Odd but valid text for a message: controls, bidi overrides, lone surrogates, thousands of one character. */
const oddMessage = fc.oneof(
  fc.constant("Hi"),
  weirdText.filter((text) => text.length > 0),
  fc
    .tuple(fc.integer({ min: 100, max: 4_000 }), fc.constantFrom(...INVISIBLES, "\ud800", "😀", "\u202e"))
    .map(([length, char]) => char.repeat(length)),
);

/** The base with odd text at `noiseAt`, then the violation on top, so that the noise cannot undo it. */
function violated(base: unknown, noiseAt: (string | number)[], noise: string, change: Change): unknown {
  return changed(changed(base, { why: "", at: noiseAt, value: noise }), change);
}

/** Keys no schema has (a few odd ones, or a flood of thousands), added to the body: they must change nothing. */
function withExtras(body: unknown, own: string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    fc.constantFrom("extra", "constructor", "temperature", "tools", "user", "n"),
    fc.string({ maxLength: 12 }),
  );
  const flood = fc.oneof(
    { weight: 9, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }) },
  );
  return fc
    .record({
      extras: fc.array(fc.tuple(key, fc.jsonValue({ maxDepth: 2 })), { maxLength: 4 }),
      flood,
      proto: fc.boolean(),
    })
    .map(({ extras, flood, proto }) => {
      const object = body as Record<string, unknown>;
      const flooded = Array.from({ length: flood }, (_, index): [string, unknown] => [`k${index}`, index]);
      const extra = Object.fromEntries(
        [...extras, ...flooded].filter(([name]) => !own.includes(name) && name !== "__proto__"),
      );
      const text = JSON.stringify(
        typeof object === "object" && object && !Array.isArray(object) ? { ...extra, ...object } : object,
      );
      // An own "__proto__" key, which only raw JSON text can carry.
      return proto && text.startsWith("{")
        ? `{"__proto__":{"mode":"settle","model":"x"},${text.slice(1)}`.replace(",}", "}")
        : text;
    });
}

/** Sends each generated body to `path` as a batch of the group. */
function fuzzJson(group: string, path: string, input: fc.Arbitrary<JsonInput>) {
  const property = fc.asyncProperty(input, async (json) => {
    const headers = { ...json.headers, ...(json.contentType === null ? {} : { "Content-Type": json.contentType }) };
    const answer = await send(path, { method: json.method, headers, body: new TextEncoder().encode(json.body) });
    expect(judge(group, answer, "json"), `${json.why}: ${json.body.slice(0, 300)}`).toEqual([]);
  });
  return batch(group, property, JSON_RUNS);
}

// ---------------------------------------------------------------------------
// The forms.

describe("every form action refuses bad input with a message and changes nothing", () => {
  test("sign-in forms with a key no provider accepts, or none at all", { timeout: 90_000 }, async () => {
    const badKey = fc.oneof(
      fc.constant([]),
      fc.constantFrom("", "   ", "\t").map((blank) => [blank]),
      fc
        .tuple(word, fc.constantFrom(" ", "\t", "\u00a0", "\u3000"), word)
        .map(([a, space, b]) => [`sk-${a}${space}${b}`]),
      fc.integer({ min: 513, max: 2_000 }).map((length) => [`sk-${"k".repeat(length)}`]),
      fc
        .tuple(word, fc.constantFrom("é", "“", "…", "\u0000", "\u007f", "😀", "\u202e", "\ud800"))
        .map(([text, odd]) => [`sk-${text}${odd}`]),
      // Well-formed, so the provider is asked, and it refuses anything not starting with sk-.
      fc
        .stringMatching(/^[\x21-\x7e]{1,60}$/)
        .filter((key) => !key.startsWith("sk-"))
        .map((key) => [key]),
      fc.tuple(word, word).map(([a, b]) => [`sk-${a}`, `sk-${b}`]),
    );
    const valid = { redirectTo: "/assistants" };
    const violation = fieldIs(
      "apiKey",
      badKey,
      "a key that is missing, blank, spaced, too long, not ASCII, refused or twice",
    );
    const input = fc.oneof(
      { weight: 4, arbitrary: violatingForm(fc.constant("/?index"), valid, ["apiKey", "redirectTo"], violation) },
      {
        weight: 1,
        arbitrary: unreadableForm(fc.constant("/?index"), { apiKey: `sk-test-${randomUUID()}` }, [
          "apiKey",
          "redirectTo",
        ]),
      },
    );
    await fuzzForms("malformed sign-in forms", input);
  });

  const labViolation: fc.Arbitrary<Violation> = fc.oneof(
    // A name sent twice (defect 5) is tried on its own below.
    fieldIs("name", badLabel(40, { twice: false }), "a bad name"),
    fieldIs("tag_line", badLabel(60), "a bad tag line"),
    fieldIs("instructions", badText(4_000), "bad instructions"),
    fieldIs(
      "description",
      fc.oneof(
        tooLong(300),
        fc.tuple(word, word).map((twice) => twice),
      ),
      "a bad description",
    ),
    fieldIs("summary_prompt", tooLong(1_000), "a summary prompt over its limit"),
    fieldIs(
      "session_type",
      fc.oneof(
        fc.constant([]),
        fc.constantFrom("0", "1", "4", "-2", "2.5", "NaN", "Infinity", "abc", "1e308", "", "two").map((type) => [type]),
      ),
      "a session type that is neither 2 nor 3",
    ),
    fieldIs(
      "model",
      fc.oneof(
        fc.constant([]),
        fc
          .oneof(weirdText, fc.constantFrom("GPT-4O", "gpt-4o ", "gpt-5", "gpt-4o-mini\u0000"))
          .filter((model) => !FAKE_CHAT_MODELS.includes(model))
          .map((model) => [model]),
        fc.constant(["gpt-4o", "gpt-4o"]),
      ),
      "a model the key cannot use",
    ),
    fieldIs(
      "max_tokens",
      outside(1, 32_768, true).map((value) => [value]),
      "max tokens out of range",
    ),
    fieldIs(
      "temperature",
      outside(0, 2).map((value) => [value]),
      "a temperature out of range",
    ),
    fieldIs(
      "top_p",
      outside(0, 1).map((value) => [value]),
      "a top P out of range",
    ),
    fieldIs(
      "frequency_penalty",
      outside(-2, 2).map((value) => [value]),
      "a frequency penalty out of range",
    ),
    fieldIs(
      "presence_penalty",
      outside(-2, 2).map((value) => [value]),
      "a presence penalty out of range",
    ),
    fc
      .oneof(
        fc.integer({ min: 4, max: 9_999 }).map(String),
        fc.constantFrom("0004", "00000", "1000000", "50000000", "99999999999999999999"),
      )
      .map((index) => ({
        why: `starter_prompts[${index}]`,
        drop: [],
        add: [[`starter_prompts[${index}]`, "x"] as Entry],
      })),
    fc.integer({ min: 5, max: 30 }).map((count) => ({
      why: `${count} starter prompts`,
      drop: [],
      add: Array.from({ length: count }, (_, i): Entry => ["starter_prompts", `Prompt ${i}`]),
    })),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 201, max: 500 })).map(([index, length]) => ({
      why: "a starter prompt over 200 characters",
      drop: [],
      add: [[`starter_prompts[${index}]`, "s".repeat(length)] as Entry],
    })),
  );

  test("lab forms with a field out of its limits, or a body no form is", { timeout: 90_000 }, async () => {
    const input = fc.oneof(
      { weight: 4, arbitrary: violatingForm(fc.constant("/assistants/new"), VALID_LAB, LAB_FIELDS, labViolation) },
      { weight: 1, arbitrary: unreadableForm(fc.constant("/assistants/new"), VALID_LAB, LAB_FIELDS) },
    );
    await fuzzForms("malformed lab forms", input);
  });

  test("edits and version activations that are malformed or name nothing", { timeout: 90_000 }, async () => {
    const own = [...LAB_FIELDS, "intent", "kind", "versionId"];
    const editPath = fc.constant(`/assistants/${botId}/edit`);
    const activation = fc
      .record({
        kind: fc.oneof(
          fc.constantFrom("instructions", "summary", "model_config"),
          fc.constantFrom("", "Instructions", "prompts", "model-config"),
          weirdText,
        ),
        versionId: fc.oneof(
          unknownId.map(decodeSafely),
          fc.constantFrom("", "a/b", ".", "..", "v".repeat(101)),
          weirdText,
        ),
      })
      .filter(({ versionId }) => !RESERVED_ID.test(versionId))
      .map(({ kind, versionId }): Violation => ({
        why: "an activation of no version",
        drop: [],
        add: [
          ["intent", "activate"],
          ["kind", kind],
          ["versionId", versionId],
        ],
      }));
    const editIntent = fc
      .oneof(fc.constantFrom("", "save", "activate ", "ACTIVATE", "deactivate"), weirdText)
      .filter((intent) => intent !== "activate");
    const labEdit = fc
      .tuple(labViolation, fc.option(editIntent))
      .map(([violation, intent]) =>
        intent === null ? violation : { ...violation, add: [...violation.add, ["intent", intent] as Entry] },
      );
    const input = fc.oneof(
      { weight: 3, arbitrary: violatingForm(editPath, VALID_LAB, own, labEdit) },
      { weight: 2, arbitrary: violatingForm(editPath, {}, own, activation) },
      {
        weight: 1,
        arbitrary: formForNothing(
          unknownId.map((id) => `/assistants/${id}/edit`),
          VALID_LAB,
          own,
        ),
      },
      { weight: 1, arbitrary: unreadableForm(editPath, VALID_LAB, own) },
    );
    await fuzzForms("malformed edits and version activations", input);
  });

  test("lifecycle changes with an intent that is not one, or for no assistant", { timeout: 90_000 }, async () => {
    const statusPath = fc.constant(`/assistants/${botId}/status`);
    // Showcasing is for operators only: for this person it is as unknown as any other word.
    const badIntent = fc.array(
      fc
        .oneof(
          fc.constantFrom("showcase", "unshowcase", "Deactivate", " deactivate", "reactivate ", "delete", ""),
          weirdText,
        )
        .filter((intent) => intent !== "deactivate" && intent !== "reactivate"),
      { maxLength: 2 },
    );
    const input = fc.oneof(
      {
        weight: 3,
        arbitrary: violatingForm(statusPath, {}, ["intent"], fieldIs("intent", badIntent, "an unknown intent")),
      },
      {
        weight: 1,
        arbitrary: formForNothing(
          unknownId.map((id) => `/assistants/${id}/status`),
          { intent: "deactivate" },
          ["intent"],
        ),
      },
      { weight: 1, arbitrary: unreadableForm(statusPath, { intent: "deactivate" }, ["intent"]) },
    );
    await fuzzForms("unknown lifecycle intents", input);
  });

  test("chat starts with a body no form is, or for no assistant", { timeout: 90_000 }, async () => {
    // Any model, or none, starts a chat (the assistant's model is the fallback): only the body or the id can be wrong.
    const input = fc.oneof(
      formForNothing(
        unknownId.map((id) => `/assistants/${id}/chat`),
        { model: "gpt-4o" },
        ["model"],
      ),
      unreadableForm(fc.constant(`/assistants/${botId}/chat`), { model: "gpt-4o" }, ["model"]),
    );
    await fuzzForms("chat starts with a body no form has, or for no assistant", input);
  });

  test(
    "chat renames, ratings and unknown intents that are malformed, or for no chat",
    { timeout: 90_000 },
    async () => {
      const own = ["intent", "title", "rating"];
      const chatPath = fc.constant(`/sessions/${sessionId}`);
      const notAnIntent = fc
        .oneof(fc.constantFrom("", "Rename", "delete ", "archive", "conclude!", "rate "), weirdText)
        .filter((intent) => !["rename", "delete", "rate", "conclude"].includes(intent));
      const violation = fc.oneof(
        fc.array(notAnIntent, { maxLength: 2 }).map((intents): Violation => ({
          why: "an unknown intent",
          drop: [],
          add: intents.map((intent): Entry => ["intent", intent]),
        })),
        badLabel(80, { twice: false }).map((titles): Violation => ({
          why: "a bad title",
          drop: [],
          add: [["intent", "rename"], ...titles.map((title): Entry => ["title", title])],
        })),
        fc
          .array(
            fc
              .oneof(fc.constantFrom("", "UP", " up", "down ", "neutral", "1", "true"), weirdText)
              .filter((rating) => rating !== "up" && rating !== "down"),
            { maxLength: 2 },
          )
          .map((ratings): Violation => ({
            why: "a rating that is neither up nor down",
            drop: [],
            add: [["intent", "rate"], ...ratings.map((rating): Entry => ["rating", rating])],
          })),
      );
      const input = fc.oneof(
        { weight: 3, arbitrary: violatingForm(chatPath, {}, own, violation) },
        {
          weight: 1,
          arbitrary: formForNothing(
            unknownId.map((id) => `/sessions/${id}`),
            { intent: "delete" },
            own,
          ),
        },
        { weight: 1, arbitrary: unreadableForm(chatPath, { intent: "rename", title: "Renamed" }, own) },
      );
      await fuzzForms("malformed chat intents (rename, delete, rate, conclude)", input);
    },
  );

  // Defect 3: the rejected value came back in full, two or three times.
  test("a rejected over-long field is not echoed back past 64 KB", async () => {
    const group = "over-long fields, echoed in the answer";
    const cases: [string, string, Record<string, string>][] = [
      ["100 KB of instructions", "/assistants/new", { ...VALID_LAB, instructions: "x".repeat(100_000) }],
      ["30,000 NULs as instructions", "/assistants/new", { ...VALID_LAB, instructions: "\u0000".repeat(30_000) }],
      ["a 100 KB name in an edit", `/assistants/${botId}/edit`, { ...VALID_LAB, name: "n".repeat(100_000) }],
      ["a 100 KB redirectTo beside a blank key", "/?index", { apiKey: "", redirectTo: "r".repeat(100_000) }],
    ];
    const before = await dump();
    const problems: string[] = [];
    for (const [label, path, fields] of cases) {
      const answer = await send(path, {
        method: "POST",
        headers: signedOut(path) ? {} : { Cookie: cookie },
        body: new URLSearchParams(fields),
      });
      const found = judge(group, answer, "form");
      if (found.length) problems.push(`${label} to ${path}: ${found.join("; ")}`);
    }
    expect(changes(before, await dump())).toEqual([]);
    expect(problems).toEqual([]);
  });

  // Defect 5: `name` twice was a 500 on both forms.
  test("every lab field sent twice is a 400 with its error, on the lab and the edit form", async () => {
    const group = "lab fields sent twice";
    const twice: Record<string, [string, string]> = {
      ...Object.fromEntries(
        Object.keys(VALID_LAB).map((name): [string, [string, string]] => [name, [VALID_LAB[name]!, VALID_LAB[name]!]]),
      ),
      description: ["One", "Two"],
      summary_prompt: ["One", "Two"],
    };
    const before = await dump();
    const problems: string[] = [];
    for (const path of ["/assistants/new", `/assistants/${botId}/edit`]) {
      for (const [name, values] of Object.entries(twice)) {
        const entries = [
          ...Object.entries(VALID_LAB).filter(([field]) => field !== name),
          ...values.map((value): Entry => [name, value]),
        ];
        const answer = await send(path, {
          method: "POST",
          headers: { Cookie: cookie },
          body: new URLSearchParams(entries),
        });
        const found = judge(group, answer, "form");
        if (found.length) problems.push(`${name} twice to ${path}: ${found.join("; ")}`);
      }
    }
    expect(changes(before, await dump())).toEqual([]);
    expect(problems).toEqual([]);
  });
});

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------
// The JSON bodies.

describe("every JSON body is refused with error.message and changes nothing", () => {
  test(
    "/api/chat drafts, turns and settles that are malformed, mistyped or for no session",
    { timeout: 90_000 },
    async () => {
      const group = "malformed /api/chat bodies (draft, session, settle)";
      const draft = {
        mode: "draft",
        draft: {
          instructions: "Be brief.",
          session_type: 2,
          model: "gpt-4o-mini",
          max_tokens: 100,
          temperature: 1,
          top_p: 1,
          frequency_penalty: 0,
          presence_penalty: 0,
        },
        messages: [{ role: "user", content: "Hi" }],
      };
      const turn = { mode: "session", sessionId, message: "Hi" };
      const settle = { mode: "settle", sessionId: "" };
      const validMessage = { role: "user", content: "Hi" };
      const mistyped = fc.constantFrom<unknown>(undefined, null, 1, "x", [], {}, true);
      const badSessionId = fc.oneof(
        fc.constantFrom<unknown>("", "a/b", "a b", "..", "\u0000", "%2F", "x".repeat(101), 1, null, undefined, [], {}),
        weirdText.filter((id) => !/^[\w-]{1,100}$/.test(id)),
        unknownId.filter((id) => /^[\w-]{1,100}$/.test(id)),
      );
      const draftChange = fc.oneof(
        changeAt(
          ["mode"],
          fc.constantFrom<unknown>(undefined, "Draft", "", "chat", 1, null, [], {}, true),
          "a mode that is not one",
        ),
        changeAt(["draft"], fc.constantFrom<unknown>(undefined, null, "x", [], 1), "no draft"),
        changeAt(
          ["draft", "instructions"],
          fc.oneof(fc.constantFrom<unknown>(undefined, 1, null, []), longString(4_001)),
          "bad instructions",
        ),
        changeAt(
          ["draft", "model"],
          fc.oneof(
            fc.constantFrom<unknown>(undefined, 1, null),
            weirdText.filter((model) => !FAKE_CHAT_MODELS.includes(model)),
          ),
          "a model the key cannot use",
        ),
        changeAt(
          ["draft", "max_tokens"],
          fc.oneof(jsonNumberOutside(1, 32_768), fc.constantFrom<unknown>(0, -1, 32_769, 1.5, null, [])),
          "max tokens out of range",
        ),
        changeAt(["draft", "temperature"], jsonNumberOutside(0, 2), "a temperature out of range"),
        changeAt(["draft", "top_p"], jsonNumberOutside(0, 1), "a top P out of range"),
        changeAt(["draft", "frequency_penalty"], jsonNumberOutside(-2, 2), "a frequency penalty out of range"),
        changeAt(["draft", "presence_penalty"], jsonNumberOutside(-2, 2), "a presence penalty out of range"),
        changeAt(
          ["draft", "session_type"],
          fc.constantFrom<unknown>("abc", {}, [1, 2], undefined),
          "a session type that is not a number",
        ),
        changeAt(
          ["messages"],
          fc.oneof(
            fc.constantFrom<unknown>(undefined, [], "hi", null, {}),
            fc.integer({ min: 41, max: 60 }).map((count) => Array(count).fill(validMessage)),
          ),
          "no messages, or too many",
        ),
        changeAt(["messages", 0], mistyped, "a message that is not one"),
        changeAt(
          ["messages", 0, "role"],
          fc.constantFrom<unknown>("system", "tool", "", undefined, 1, "User"),
          "a role that is not one",
        ),
        changeAt(
          ["messages", 0, "content"],
          fc.oneof(fc.constantFrom<unknown>("", undefined, 1, null, [], {}), longString(8_001)),
          "content empty or over 8,000 characters",
        ),
      );
      const turnChange = fc.oneof(
        changeAt(["sessionId"], badSessionId, "a session id of nothing"),
        changeAt(
          ["message"],
          fc.oneof(fc.constantFrom<unknown>("", 1, null, [], {}, undefined), longString(8_001)),
          "a message empty, mistyped, missing or too long",
        ),
        changeAt(["retry"], fc.constantFrom<unknown>(true, false, "true", 1, null), "a retry beside a message"),
        changeAt(["mode"], fc.constantFrom<unknown>("Session", "sessions", undefined), "a mode that is not one"),
      );
      const settleChange = changeAt(["sessionId"], badSessionId, "a settle for no session");
      const bodies = fc.oneof(
        fc.tuple(draftChange, oddMessage).map(([change, odd]) => ({
          why: change.why,
          body: violated(draft, ["messages", 0, "content"], odd, change),
        })),
        fc
          .tuple(turnChange, oddMessage)
          .map(([change, odd]) => ({ why: change.why, body: violated(turn, ["message"], odd, change) })),
        settleChange.map((change) => ({ why: change.why, body: changed(settle, change) })),
      );
      const typed = (
        body: fc.Arbitrary<{ why: string; text: string }>,
        contentType: fc.Arbitrary<string | null>,
        method: fc.Arbitrary<string> = fc.constant("POST"),
        session = fc.constant(cookie),
      ) =>
        fc.record({ body, contentType, method, session }).map(({ body, contentType, method, session }): JsonInput => ({
          why: body.why,
          method,
          contentType,
          body: body.text,
          headers: session ? { Cookie: session } : {},
        }));
      const json = fc.constantFrom("application/json", "application/json; charset=utf-8", "Application/JSON");
      const validBodies = fc
        .constantFrom<unknown>(draft, turn)
        .map((body) => ({ why: "a valid body", text: JSON.stringify(body) }));
      const input = fc.oneof(
        {
          weight: 6,
          arbitrary: typed(
            bodies.chain(({ why, body }) =>
              withExtras(body, ["mode", "draft", "messages", "sessionId", "message", "retry"]).map((text) => ({
                why,
                text,
              })),
            ),
            json,
          ),
        },
        { weight: 2, arbitrary: typed(fc.oneof(malformed(draft), malformed(turn), notAnObject), json) },
        // A valid turn, but not as JSON: what a cross-site page can send without asking.
        {
          weight: 1,
          arbitrary: typed(
            validBodies,
            fc.constantFrom(
              "text/plain",
              "text/plain;charset=UTF-8",
              "application/x-www-form-urlencoded",
              "multipart/form-data; boundary=x",
              null,
              "application/jsonx",
              "application/json-patch+json",
            ),
          ).map((input) => ({ ...input, why: `sent as ${input.contentType}` })),
        },
        {
          weight: 1,
          arbitrary: typed(validBodies, json, fc.constantFrom("PUT", "PATCH", "DELETE")).map((input) => ({
            ...input,
            why: `a ${input.method}`,
          })),
        },
        {
          weight: 1,
          arbitrary: typed(
            validBodies,
            json,
            fc.constant("POST"),
            fc.constantFrom("", "al_session=garbage", cookie.slice(0, -5)),
          ).map((input) => ({ ...input, why: "signed out" })),
        },
      );
      await fuzzJson(group, "/api/chat", input);
    },
  );

  test(
    "/v1/chat/completions bodies that are malformed, mistyped, for no assistant or without a user's last word",
    { timeout: 90_000 },
    async () => {
      const group = "malformed /v1/chat/completions bodies";
      const valid = { model: botId, messages: [{ role: "user", content: "Hi" }] };
      const own = ["model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens"];
      const change = fc.oneof(
        changeAt(
          ["model"],
          fc.oneof(
            fc.constantFrom<unknown>(undefined, "", 1, null, []),
            unknownId.map(decodeSafely),
            weirdText.filter((model) => !RESERVED_ID.test(model) && model !== botId && model.length > 0),
          ),
          "a model that is no assistant",
        ),
        changeAt(["messages"], fc.constantFrom<unknown>(undefined, [], "hi", null, {}, [1], [null]), "no messages"),
        changeAt(
          ["messages", 0, "role"],
          fc.constantFrom<unknown>("tool", "function", "", "User", 1, undefined),
          "a role that is not one",
        ),
        changeAt(
          ["messages", 0, "content"],
          fc.oneof(
            fc.constantFrom<unknown>(
              1,
              null,
              undefined,
              {},
              [{ type: "image_url", image_url: { url: "x" } }],
              [{ type: "text" }],
              [{ type: "text", text: 1 }],
            ),
            longString(32_001),
          ),
          "content of the wrong shape or over 32,000 characters",
        ),
        changeAt(["messages", 0, "name"], fc.constantFrom<unknown>(1, {}, null, []), "a name that is not a string"),
        changeAt(
          ["messages", 1],
          fc.constantFrom("assistant", "system", "developer").map((role) => ({ role, content: "Last word" })),
          "a last message that is not the user's",
        ),
        changeAt(
          ["messages"],
          fc
            .integer({ min: 1_000, max: 25_000 })
            .map((count) => [
              ...Array<unknown>(count).fill({ role: "user", content: "Hi" }),
              { role: "assistant", content: "Last" },
            ]),
          "thousands of messages, the last not the user's",
        ),
        changeAt(
          ["messages", 0, "content"],
          fc.constantFrom<unknown>("", "   \n", [], [{ type: "text", text: "  " }]),
          "a last message with no text",
        ),
        changeAt(["stream"], fc.constantFrom<unknown>("yes", 1, "true", {}), "stream that is not a boolean"),
        changeAt(
          ["stream_options"],
          fc.constantFrom<unknown>("x", 1, { include_usage: "yes" }, []),
          "stream options of the wrong shape",
        ),
        changeAt(
          ["max_tokens"],
          fc.constantFrom<unknown>(0, -1, 1.5, "10", 1e308, -1e308, {}, true),
          "max tokens that are not a positive whole number",
        ),
        changeAt(
          ["max_completion_tokens"],
          fc.constantFrom<unknown>(0, -1, 1.5, "10", 1e308, {}),
          "max completion tokens that are not a positive whole number",
        ),
      );
      const bearer = `Bearer ${apiKey}`;
      const sessionHeader = fc.option(
        fc.stringMatching(/^[\x21-\x7e]{1,40}$/).filter((id) => !RESERVED_ID.test(id) && id !== sessionId),
        { nil: undefined },
      );
      const anyType = fc.constantFrom("application/json", "text/plain", null, "application/x-www-form-urlencoded");
      const request = (
        body: fc.Arbitrary<{ why: string; text: string }>,
        authorization: fc.Arbitrary<string | undefined> = fc.constant(bearer),
        method: fc.Arbitrary<string> = fc.constant("POST"),
      ) =>
        fc
          .record({ body, authorization, method, contentType: anyType, session: sessionHeader })
          .map(({ body, authorization, method, contentType, session }): JsonInput => ({
            why: body.why,
            method,
            contentType,
            body: body.text,
            headers: {
              ...(authorization === undefined ? {} : { Authorization: authorization }),
              ...(session === undefined ? {} : { "X-Session-Id": session }),
            },
          }));
      const validBody = fc.constant({ why: "a valid body", text: JSON.stringify(valid) });
      const input = fc.oneof(
        {
          weight: 6,
          arbitrary: request(
            fc.tuple(change, oddMessage).chain(([one, odd]) =>
              withExtras(violated(valid, ["messages", 0, "content"], odd, one), own).map((text) => ({
                why: one.why,
                text,
              })),
            ),
          ),
        },
        { weight: 2, arbitrary: request(fc.oneof(malformed(valid), notAnObject)) },
        {
          weight: 1,
          arbitrary: request(
            validBody,
            fc.constantFrom(
              undefined,
              "",
              "Bearer",
              "Bearer ",
              "Basic c2stdGVzdA==",
              `Token ${apiKey}`,
              `Bearer ${apiKey} extra`,
              "Bearer not-a-provider-key",
            ),
          ).map((input) => ({
            ...input,
            why: `authorization ${JSON.stringify(input.headers.Authorization ?? null)}`,
          })),
        },
        {
          weight: 1,
          arbitrary: request(validBody, fc.constant(bearer), fc.constantFrom("PUT", "PATCH", "DELETE")).map(
            (input) => ({ ...input, why: `a ${input.method}` }),
          ),
        },
      );
      await fuzzJson(group, "/v1/chat/completions", input);
    },
  );

  // Defect 4: GET /api/chat answered 400 {"message":"Unexpected Server Error"}.
  test("every method but POST on the JSON routes is answered 405 with error.message", async () => {
    const group = "other methods on the JSON routes";
    const problems: string[] = [];
    for (const path of ["/api/chat", "/v1/chat/completions"]) {
      for (const method of ["GET", "PUT", "PATCH", "DELETE"]) {
        const answer = await send(path, { method, headers: { Cookie: cookie, Authorization: `Bearer ${apiKey}` } });
        const found = judge(group, answer, "json", answer.status === 405 ? [] : [`status ${answer.status}, not 405`]);
        if (found.length) problems.push(`${method} ${path}: ${found.join("; ")}: ${answer.text.slice(0, 200)}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Large bodies, sent over a raw socket so that what the server does with the
// connection shows: the answer, the reset, the next request on it.

type RawResponse = { status: number; type: string; body: string };
type Exchange = { responses: RawResponse[]; error: string | null };

/** Complete HTTP/1.1 responses at the start of `data` (bodies with a Content-Length or chunked). */
function parseResponses(data: Buffer): RawResponse[] {
  const found: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const headEnd = data.indexOf("\r\n\r\n", at);
    if (headEnd < 0) return found;
    const head = data.subarray(at, headEnd).toString("latin1");
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
    const type = /\r\ncontent-type: *([^\r]+)/i.exec(head)?.[1] ?? "";
    let cursor = headEnd + 4;
    const body: Buffer[] = [];
    if (length !== undefined) {
      if (cursor + Number(length) > data.length) return found;
      body.push(data.subarray(cursor, cursor + Number(length)));
      cursor += Number(length);
    } else {
      for (;;) {
        const lineEnd = data.indexOf("\r\n", cursor);
        if (lineEnd < 0) return found;
        const size = parseInt(data.subarray(cursor, lineEnd).toString("latin1"), 16);
        if (lineEnd + 2 + size + 2 > data.length) return found;
        body.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        cursor = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
    }
    found.push({ status, type, body: Buffer.concat(body).toString("utf8") });
    at = cursor;
  }
}

/**
 * POSTs `size` bytes of "a" (with a Content-Length, or chunked without one),
 * then asks GET /healthz on the same connection.
 */
function postLarge(path: string, headers: Record<string, string>, size: number, chunked: boolean): Promise<Exchange> {
  const { hostname, port, host } = new URL(origin);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    const received: Buffer[] = [];
    let error: string | null = null;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses: parseResponses(Buffer.concat(received)), error });
    };
    const timer = setTimeout(finish, 30_000);
    socket.on("data", (data: Buffer) => {
      received.push(data);
      if (parseResponses(Buffer.concat(received)).length === 2) finish();
    });
    socket.on("error", (failure) => (error = failure.message));
    socket.on("close", finish);
    const lines = [
      `POST ${path} HTTP/1.1`,
      `Host: ${host}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(
      `${[...lines, chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${size}`].join("\r\n")}\r\n\r\n`,
    );
    const block = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const pump = () => {
      while (sent < size && !socket.destroyed) {
        const piece = block.subarray(0, Math.min(block.length, size - sent));
        sent += piece.length;
        const framed = chunked
          ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")])
          : piece;
        if (!socket.write(framed)) return void socket.once("drain", pump);
      }
      if (!socket.destroyed)
        socket.write(`${chunked ? "0\r\n\r\n" : ""}GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    };
    pump();
  });
}

const LARGE_TARGETS = (): { path: string; kind: Kind; headers: Record<string, string> }[] => [
  { path: "/?index", kind: "form", headers: { "Content-Type": "application/x-www-form-urlencoded" } },
  {
    path: "/assistants/new",
    kind: "form",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
  },
  {
    path: `/sessions/${sessionId}`,
    kind: "form",
    headers: { "Content-Type": "multipart/form-data; boundary=fuzz", Cookie: cookie },
  },
  { path: "/api/chat", kind: "json", headers: { "Content-Type": "application/json", Cookie: cookie } },
  {
    path: "/v1/chat/completions",
    kind: "json",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${apiKey}` },
  },
];

/** Each target with 1 MB and 50 MB; what went wrong, per case. */
async function largeBodies(group: string, chunked: boolean, nextRequestWorks: boolean): Promise<string[]> {
  const problems: string[] = [];
  for (const target of LARGE_TARGETS()) {
    for (const size of [MB, 50 * MB]) {
      const { responses, error } = await postLarge(target.path, target.headers, size, chunked);
      const [first, next] = responses;
      const label = `${size / MB} MB ${chunked ? "chunked" : "with a Content-Length"} to ${target.path}`;
      if (!first) {
        tallyOf(group).tried++;
        problems.push(`${label}: no answer (${error ?? "closed"})`);
        continue;
      }
      const nextFailed =
        nextRequestWorks && next?.status !== 200
          ? [`the next request on the connection got ${next?.status ?? `nothing (${error ?? "closed"})`}`]
          : [];
      const found = judge(
        group,
        { status: first.status, type: first.type, bytes: Buffer.byteLength(first.body), text: first.body },
        target.kind,
        nextFailed,
      );
      if (found.length) problems.push(`${label}: ${found.join("; ")}`);
    }
  }
  return problems;
}

describe("large bodies are refused with their message and change nothing", () => {
  test(
    "1 MB and 50 MB bodies with a Content-Length get their 4xx, and the connection serves the next request",
    { timeout: 60_000 },
    async () => {
      const group = "1 MB and 50 MB bodies with a Content-Length";
      const before = await dump();
      const problems = await largeBodies(group, false, true);
      expect(changes(before, await dump())).toEqual([]);
      expect(problems).toEqual([]);
    },
  );

  // Defect 2: all but /v1's 1 MB (under its 2 MB limit) got a connection reset.
  test(
    "1 MB and 50 MB bodies sent chunked, without a Content-Length, get their 4xx too",
    { timeout: 60_000 },
    async () => {
      const group = "1 MB and 50 MB bodies sent chunked";
      const before = await dump();
      const problems = await largeBodies(group, true, false);
      expect(changes(before, await dump())).toEqual([]);
      expect(problems).toEqual([]);
    },
  );
});

describe("ids Firestore reserves are refused like any other id of nothing", () => {
  // Defect 1: each of these waited 5 s for the Firestore deadline and answered 503.
  test(
    "reserved document ids (__x__) in paths and bodies are a quick 404, not a 503 after the deadline",
    { timeout: 30_000 },
    async () => {
      const group = "reserved document ids in paths and bodies";
      const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
        method: "POST",
        headers: { Cookie: cookie, Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
      const form = (fields: Record<string, string>): RequestInit => ({
        method: "POST",
        headers: { Cookie: cookie },
        body: new URLSearchParams(fields),
      });
      const cases: [string, Kind, RequestInit][] = ["__x__", "__proto__"].flatMap(
        (id): [string, Kind, RequestInit][] => [
          [`/assistants/${id}/status`, "form", form({ intent: "deactivate" })],
          [`/assistants/${id}/chat`, "form", form({})],
          [`/assistants/${id}/edit`, "form", form(VALID_LAB)],
          [`/sessions/${id}`, "form", form({ intent: "delete" })],
          ["/api/chat", "json", json({ mode: "session", sessionId: id, message: "Hi" })],
          ["/api/chat", "json", json({ mode: "settle", sessionId: id })],
          ["/v1/chat/completions", "json", json({ model: id, messages: [{ role: "user", content: "Hi" }] })],
          [
            "/v1/chat/completions",
            "json",
            json({ model: botId, messages: [{ role: "user", content: "Hi" }] }, { "X-Session-Id": id }),
          ],
        ],
      );
      const before = await dump();
      // All at once: each one that fails waits out the 5 s deadline.
      const problems = await Promise.all(
        cases.map(async ([path, kind, init]) => {
          const started = performance.now();
          const answer = await send(path, init);
          const ms = performance.now() - started;
          const found = judge(group, answer, kind, ms > 2_000 ? [`took ${Math.round(ms)} ms`] : []);
          return found.length ? [`${init.body?.toString().slice(0, 80)} to ${path}: ${found.join("; ")}`] : [];
        }),
      );
      expect(changes(before, await dump())).toEqual([]);
      expect(problems.flat()).toEqual([]);
    },
  );
});

// ---------------------------------------------------------------------------
// Liveness, and the whole run.

type HealthWatch = {
  state: { polls: number; slowestMs: number; failures: string[]; rssMb: { first: number; peak: number } };
  stop: () => Promise<void>;
};

/** The server's resident memory in MB, from /proc (0 where there is none). */
function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** Polls GET /healthz every ~100 ms until stopped, keeping the slowest answer and the peak memory. */
function watchHealth(): HealthWatch {
  const first = rssMb(server.pid);
  const state: HealthWatch["state"] = { polls: 0, slowestMs: 0, failures: [], rssMb: { first, peak: first } };
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(10_000) });
        await response.text();
        if (response.status !== 200) state.failures.push(`status ${response.status}`);
      } catch (error) {
        state.failures.push(String(error));
      }
      state.slowestMs = Math.max(state.slowestMs, performance.now() - started);
      state.polls++;
      state.rssMb.peak = Math.max(state.rssMb.peak, rssMb(server.pid));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    state,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe("the whole run", () => {
  test("/healthz answered within 2 s throughout, and the server's memory stayed bounded", () => {
    const { polls, slowestMs, failures, rssMb: rss } = health.state;
    expect(polls).toBeGreaterThan(10);
    expect(failures).toEqual([]);
    expect(slowestMs).toBeLessThan(2_000);
    // Refused bodies are not held: the 015 flood took 3.3 GB, dozens of 50 MB bodies held would too.
    if (rss.first) expect(rss.peak).toBeLessThan(1_024);
  });

  test("no document changed from before the first bad input to after the last", async () => {
    expect(changes(baseline, await dump())).toEqual([]);
  });
});
