// Errors in OpenAI's shape and with its status codes, so that every OpenAI
// client raises its own typed error for them unchanged.

export type OpenAiErrorType =
  "invalid_request_error" | "authentication_error" | "rate_limit_error" | "server_error" | "api_error";

export function openAiError(
  status: number,
  message: string,
  type: OpenAiErrorType,
  code: string | null,
  options: { param?: string | null; headers?: HeadersInit } = {},
): Response {
  return Response.json(
    { error: { message, type, param: options.param ?? null, code } },
    { status, headers: options.headers },
  );
}
