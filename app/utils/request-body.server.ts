import type { z } from "zod";
import { bodyLimitFor, tooLargeMessage } from "./body-limits";

// Every request body the app reads goes through here: it is read only up to
// its route's limit, only in the content types the route speaks, and a form
// keeps only the fields its schema has, so nothing a client sends can make the
// server hold, parse or echo more than a real form would.

export type ApiErrorBody = { error: { code: string; message: string; field?: string } };

/**
 * The app's own JSON error, as a Response: a resource route returns a thrown
 * Response as it is, with its status, body and headers.
 */
export function apiError(
  status: number,
  code: string,
  message: string,
  init: { field?: string; headers?: HeadersInit } = {},
) {
  const body: ApiErrorBody = { error: { code, message, ...(init.field ? { field: init.field } : {}) } };
  return Response.json(body, { status, headers: init.headers });
}

export type BodyProblem = { status: number; code: string; message: string; field: string | null };

const problem = (status: number, code: string, message: string, field: string | null = null): BodyProblem => ({
  status,
  code,
  message,
  field,
});

function tooLarge(limit: number): BodyProblem {
  return problem(413, "too_large", tooLargeMessage(limit));
}

/** The body as bytes, refusing past the route's limit whether or not Content-Length says so. */
async function readBytes(request: Request): Promise<Buffer | BodyProblem> {
  const limit = bodyLimitFor(new URL(request.url).pathname);
  if (Number(request.headers.get("Content-Length") ?? 0) > limit) return tooLarge(limit);
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) return drainThenRefuse(reader, size, limit);
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Past a body's limit, how much more is read and dropped, so the client can read the 413 on a live connection. */
const DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * Reads and drops the rest of a body that grew past its limit without saying
 * so: cutting the stream off resets the connection before the 413 is sent. A
 * body that goes on past DRAIN_BYTES more is cut off all the same.
 */
async function drainThenRefuse(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  size: number,
  limit: number,
): Promise<BodyProblem> {
  let read = size;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return tooLarge(limit);
    read += value.byteLength;
    if (read > limit + DRAIN_BYTES) {
      await reader.cancel();
      return tooLarge(limit);
    }
  }
}

function mediaType(request: Request): string {
  return (request.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * Reads a JSON body and parses it with the schema. A problem names the failing
 * field; callers phrase it in their own error shape. `strictType` refuses
 * bodies not labelled application/json: a cross-site page can send text/plain
 * without asking the browser first, never application/json.
 */
export async function parseJsonBody<T extends z.ZodType>(
  request: Request,
  schema: T,
  options: {
    strictType?: boolean;
    /** Words and field for a refusal, where a caller's dialect has its own (OpenAI's, on /v1). */
    describeIssue?: (issue: z.core.$ZodIssue) => { message: string; field: string | null } | null;
  } = {},
): Promise<{ ok: true; value: z.infer<T> } | ({ ok: false } & BodyProblem)> {
  if (options.strictType && mediaType(request) !== "application/json") {
    return {
      ok: false,
      ...problem(415, "unsupported_media_type", "Send the request as JSON, with Content-Type: application/json."),
    };
  }
  const bytes = await readBytes(request);
  if (!Buffer.isBuffer(bytes)) return { ok: false, ...bytes };
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { ok: false, ...problem(400, "invalid_json", "The request body is not valid JSON.") };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const described = options.describeIssue?.(issue);
  if (described) return { ok: false, ...problem(400, "invalid_request", described.message, described.field) };
  const field = issue.path.join(".");
  return {
    ok: false,
    ...problem(400, "invalid_request", field ? `${field}: ${issue.message}` : issue.message, field || null),
  };
}

/** parseJsonBody for the app's own API: a problem is thrown as its JSON error. */
export async function readJsonBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const parsed = await parseJsonBody(request, schema, { strictType: true });
  if (parsed.ok) return parsed.value;
  throw apiError(parsed.status, parsed.code, parsed.message, parsed.field ? { field: parsed.field } : {});
}

export type FormShape = {
  /** The form's field names (a schema's keys); anything else is dropped. */
  fields: readonly string[];
  /** Fields that are lists, with how many items they may have (`name[0]` … `name[max - 1]`). */
  lists?: Record<string, number>;
  /** The most characters of a field (or of each item of a list) worth keeping: its limit and one more. */
  maxChars?: Record<string, number>;
};

/** For fields without their own: more than any field of ours allows, far less than a body holds. */
const DEFAULT_MAX_CHARS = 8_001;

/** The most entries a form may send: far more than any of ours has, far fewer than it takes to hurt. */
const MAX_FORM_ENTRIES = 100;

/**
 * A web form's fields, read within its route's limit and cut down to the
 * fields the form has. Thrown as a plain-text Response (the error page says
 * it) when the body is too large, not a form, or shaped like no form of ours.
 */
export async function readForm(request: Request, shape: FormShape): Promise<FormData> {
  const type = mediaType(request);
  if (type !== "application/x-www-form-urlencoded" && type !== "multipart/form-data") {
    throw formProblem(problem(415, "unsupported_media_type", "This address accepts only web forms."));
  }
  const bytes = await readBytes(request);
  if (!Buffer.isBuffer(bytes)) throw formProblem(bytes);
  const raw = await parseFormBytes(bytes, request.headers.get("Content-Type")!).catch(() => null);
  if (!raw) throw formProblem(problem(400, "invalid_form", "The form could not be read."));
  return keepFormFields(raw, shape);
}

async function parseFormBytes(bytes: Buffer, contentType: string): Promise<[string, FormDataEntryValue][]> {
  const form = await new Response(new Uint8Array(bytes), { headers: { "Content-Type": contentType } }).formData();
  return [...form.entries()];
}

/**
 * Keeps the form's own fields, in order, each cut to its most characters (a
 * value one past its limit still fails validation, with the same message, and
 * what comes back in the page stays small); refuses a list index past the
 * list's size and floods of entries.
 */
export function keepFormFields(entries: Iterable<[string, FormDataEntryValue]>, shape: FormShape): FormData {
  const fields = new Set(shape.fields);
  const kept = new FormData();
  let count = 0;
  for (const [name, raw] of entries) {
    if (++count > MAX_FORM_ENTRIES)
      throw formProblem(problem(413, "too_many_fields", "The form has more fields than any form here."));
    // Files are never part of our forms.
    if (typeof raw !== "string") continue;
    const item = /^([a-z_]+)\[(\d+)\]$/.exec(name);
    const value = cut(raw, shape.maxChars?.[item?.[1] ?? name] ?? DEFAULT_MAX_CHARS);
    if (item) {
      const max = shape.lists?.[item[1]!];
      if (max === undefined) continue;
      if (item[2]!.length > 4 || Number(item[2]) >= max) {
        throw formProblem(
          problem(400, "too_many_items", `The form has more ${item[1]!.replace(/_/g, " ")} than the ${max} allowed.`),
        );
      }
      kept.append(name, value);
    } else if (fields.has(name)) {
      const max = shape.lists?.[name];
      if (max === undefined) {
        // A field that is not a list has one value; a browser never sends two.
        if (kept.has(name))
          throw formProblem(problem(400, "repeated_field", `The form has more than one ${name.replace(/_/g, " ")}.`));
        kept.append(name, value);
      } else if (kept.getAll(name).length >= max) {
        throw formProblem(
          problem(400, "too_many_items", `The form has more ${name.replace(/_/g, " ")} than the ${max} allowed.`),
        );
      } else {
        kept.append(name, value);
      }
    }
  }
  return kept;
}

/**
 * The first `cap` characters, counted whole (an emoji is one): never a split
 * surrogate pair, and never fewer UTF-16 units than `cap`, so a value cut one
 * past its limit still fails the schema's length check.
 */
function cut(value: string, cap: number): string {
  if (value.length <= cap) return value;
  return Array.from(value).slice(0, cap).join("");
}

function formProblem(found: BodyProblem): Response {
  return new Response(found.message, {
    status: found.status,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}
