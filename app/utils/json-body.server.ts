import { data } from "@remix-run/node";
import type { z } from "zod";

export const MAX_BODY_BYTES = 256 * 1024;

export type ApiErrorBody = { error: { code: string; message: string; field?: string } };

export function apiError(status: number, code: string, message: string, init: { field?: string; headers?: HeadersInit } = {}) {
  const body: ApiErrorBody = { error: { code, message, ...(init.field ? { field: init.field } : {}) } };
  return data(body, { status, headers: init.headers });
}

/**
 * Reads a JSON body no larger than MAX_BODY_BYTES and parses it with the
 * schema. Throws a 400/413 with a message naming the failing field.
 */
export async function readJsonBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const declared = Number(request.headers.get("Content-Length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw apiError(413, "too_large", "The request is too large.");
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw apiError(413, "too_large", "The request is too large.");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw apiError(400, "invalid_json", "The request body is not valid JSON.");
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join(".");
    throw apiError(400, "invalid_request", field ? `${field}: ${issue.message}` : issue.message, { field });
  }
  return result.data;
}
