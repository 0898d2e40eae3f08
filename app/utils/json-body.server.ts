import { data } from "@remix-run/node";
import type { z } from "zod";

export const MAX_BODY_BYTES = 256 * 1024;

export type ApiErrorBody = { error: { code: string; message: string; field?: string } };

export function apiError(status: number, code: string, message: string, init: { field?: string; headers?: HeadersInit } = {}) {
  const body: ApiErrorBody = { error: { code, message, ...(init.field ? { field: init.field } : {}) } };
  return data(body, { status, headers: init.headers });
}

export type BodyProblem = { status: number; code: string; message: string; field: string | null };

/**
 * Reads a JSON body no larger than MAX_BODY_BYTES and parses it with the
 * schema. A problem names the failing field; callers phrase it in their own
 * error shape.
 */
export async function parseJsonBody<T extends z.ZodType>(
  request: Request,
  schema: T,
): Promise<{ ok: true; value: z.infer<T> } | ({ ok: false } & BodyProblem)> {
  const tooLarge = { ok: false as const, status: 413, code: "too_large", message: "The request is too large.", field: null };
  if (Number(request.headers.get("Content-Length") ?? 0) > MAX_BODY_BYTES) return tooLarge;
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return tooLarge;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, code: "invalid_json", message: "The request body is not valid JSON.", field: null };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const field = issue.path.join(".");
  return { ok: false, status: 400, code: "invalid_request", message: field ? `${field}: ${issue.message}` : issue.message, field: field || null };
}

/** parseJsonBody for the app's own API: a problem is thrown as its JSON error. */
export async function readJsonBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const parsed = await parseJsonBody(request, schema);
  if (parsed.ok) return parsed.value;
  throw apiError(parsed.status, parsed.code, parsed.message, parsed.field ? { field: parsed.field } : {});
}
