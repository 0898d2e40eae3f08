// Errors in OpenAI's shape and with its status codes, so that every OpenAI
// client raises its own typed error for them unchanged. No imports: the HTTP
// server (scripts/server.ts) writes this shape too, for what it refuses itself.

export type OpenAiErrorType =
  "invalid_request_error" | "authentication_error" | "rate_limit_error" | "server_error" | "api_error";

export type OpenAiErrorBody = {
  error: { message: string; type: OpenAiErrorType; param: string | null; code: string | null };
};

export function openAiErrorBody(
  message: string,
  type: OpenAiErrorType,
  code: string | null,
  param: string | null = null,
): OpenAiErrorBody {
  return { error: { message, type, param, code } };
}

export function openAiError(
  status: number,
  message: string,
  type: OpenAiErrorType,
  code: string | null,
  options: { param?: string | null; headers?: HeadersInit } = {},
): Response {
  return Response.json(openAiErrorBody(message, type, code, options.param ?? null), {
    status,
    headers: options.headers,
  });
}

/** A path under /v1 that the API does not have, worded as OpenAI words it. */
export function unknownUrlBody(method: string, pathname: string): OpenAiErrorBody {
  return openAiErrorBody(`Invalid URL (${method} ${pathname})`, "invalid_request_error", "unknown_url");
}

export function unknownUrl(request: Request): Response {
  return Response.json(unknownUrlBody(request.method, new URL(request.url).pathname), { status: 404 });
}

/** A path the API has, called with a method it does not take. */
export function methodNotAllowed(request: Request, allowed: readonly string[]): Response {
  const { pathname } = new URL(request.url);
  return openAiError(
    405,
    `Method ${request.method} is not allowed for ${pathname}: use ${allowed.join(" or ")}.`,
    "invalid_request_error",
    "method_not_allowed",
    { headers: { Allow: allowed.join(", ") } },
  );
}
