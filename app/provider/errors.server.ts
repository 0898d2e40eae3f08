import OpenAI from "openai";
import { describeWait } from "~/utils/format";

// Every way a call to the model provider can fail, in one list. Each kind says
// how to recognise it and what it means in each place the product reports it:
// a chat reply (an error event the person reads), the OpenAI-compatible API (an
// error in OpenAI's own shape, so SDKs raise their typed errors), and sign-in
// (checking a key). A new kind is one entry here and a row in its test.

export type ProviderErrorKind =
  | "key_rejected"
  | "rate_limited"
  | "model_unavailable"
  | "bad_request"
  | "timeout"
  | "stream_interrupted"
  | "unreachable"
  | "provider_error";

/** A provider failure, classified: what the reports below are made from. */
export type ProviderFailure = {
  kind: ProviderErrorKind;
  /** Text had already arrived when it failed. */
  partial: boolean;
  /** The provider's HTTP status, when it answered at all. */
  status: number | null;
  /** The provider's own words: passed on where the caller can act on them, never our internals. */
  providerMessage: string | null;
  /** The provider's own error code (`unsupported_parameter`, …). */
  providerCode: string | null;
  retryAfterSeconds: number | null;
};

/** What a chat shows: words the person can act on, and whether Retry makes sense. */
export type ChatFailure = { message: string; retryable: boolean };

/** An error in OpenAI's shape for the compatible API. */
export type ApiFailure = {
  status: number;
  type: "invalid_request_error" | "authentication_error" | "rate_limit_error" | "server_error" | "api_error";
  code: string;
  message: string;
};

/** What sign-in says when checking a key failed. */
export type SignInFailure = { status: number; message: string };

type Kind = {
  kind: ProviderErrorKind;
  matches: (error: unknown, partial: boolean) => boolean;
  chat: (failure: ProviderFailure) => ChatFailure;
  api: (failure: ProviderFailure) => ApiFailure;
  signIn: (failure: ProviderFailure, timeoutSeconds: number) => SignInFailure;
};

/** Thrown (as an abort reason) when a stream goes silent for longer than the provider timeout. */
export class StallError extends Error {
  constructor(ms: number) {
    super(`No data from the provider for ${ms} ms`);
    this.name = "StallError";
  }
}

const UNREACHABLE_SIGN_IN = (what: string): SignInFailure => ({
  status: 503,
  message: `The model provider ${what}, so your key could not be checked. Try again in a moment.`,
});

/** In order: the first kind that matches names the failure. */
const KINDS: Kind[] = [
  {
    kind: "key_rejected",
    matches: (error) => error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError,
    chat: () => ({
      message: "The provider rejected your API key. Sign in again with a key that works.",
      retryable: false,
    }),
    api: () => ({
      status: 401,
      type: "invalid_request_error",
      code: "invalid_api_key",
      message: "The provider rejected your API key.",
    }),
    signIn: () => ({
      status: 401,
      message: "The provider rejected this API key. Check that you copied all of it and that it has not been revoked.",
    }),
  },
  {
    kind: "rate_limited",
    matches: (error) => error instanceof OpenAI.RateLimitError,
    chat: (failure) => ({
      message: `The provider is rate-limiting your key. Try again in ${describeWait(failure.retryAfterSeconds!)}.`,
      retryable: true,
    }),
    api: (failure) => ({
      status: 429,
      type: "rate_limit_error",
      code: failure.providerCode ?? "rate_limit_exceeded",
      message: `The provider is rate-limiting your key. Try again in ${describeWait(failure.retryAfterSeconds!)}.`,
    }),
    signIn: (failure) => ({
      status: 429,
      message: `The provider is rate-limiting this key. Try again in ${describeWait(failure.retryAfterSeconds!)}.`,
    }),
  },
  {
    kind: "model_unavailable",
    matches: (error) => error instanceof OpenAI.NotFoundError,
    chat: () => ({
      message: "Your key cannot use this assistant's model. Pick another model and try again.",
      retryable: false,
    }),
    api: () => ({
      status: 404,
      type: "invalid_request_error",
      code: "model_not_found",
      message: "Your key cannot use this assistant's model.",
    }),
    signIn: () => ({ status: 502, message: "The model provider could not list this key's models. Try again later." }),
  },
  {
    kind: "bad_request",
    matches: (error) => error instanceof OpenAI.BadRequestError || error instanceof OpenAI.UnprocessableEntityError,
    chat: (failure) => ({
      message: `The provider refused the request: ${failure.providerMessage ?? "no reason given"}`,
      retryable: false,
    }),
    api: (failure) => ({
      status: 400,
      type: "invalid_request_error",
      code: failure.providerCode ?? "invalid_request",
      message: `The provider refused the request: ${failure.providerMessage ?? "no reason given"}`,
    }),
    signIn: (failure) => ({
      status: 502,
      message: `The model provider refused to check your key (error ${failure.status}).`,
    }),
  },
  {
    kind: "timeout",
    matches: (error) => error instanceof StallError || error instanceof OpenAI.APIConnectionTimeoutError,
    chat: (failure) => ({
      message: failure.partial
        ? "The provider stopped sending the reply. What arrived is kept; you can retry."
        : "The provider did not answer in time. Try again in a moment.",
      retryable: true,
    }),
    api: () => ({
      status: 504,
      type: "api_error",
      code: "provider_timeout",
      message: "The model provider did not answer in time.",
    }),
    signIn: (_, seconds) => UNREACHABLE_SIGN_IN(`did not answer within ${seconds} seconds`),
  },
  {
    // Whatever else cuts a reply that had begun: the person keeps what arrived.
    kind: "stream_interrupted",
    matches: (_, partial) => partial,
    chat: () => ({
      message: "The reply was cut off by the provider. What arrived is kept; you can retry.",
      retryable: true,
    }),
    api: () => ({
      status: 502,
      type: "api_error",
      code: "stream_interrupted",
      message: "The model provider cut the reply off.",
    }),
    signIn: () => UNREACHABLE_SIGN_IN("stopped answering"),
  },
  {
    kind: "unreachable",
    matches: (error) => error instanceof OpenAI.APIConnectionError,
    chat: () => ({ message: "The model provider could not be reached. Try again in a moment.", retryable: true }),
    api: () => ({
      status: 502,
      type: "api_error",
      code: "provider_unreachable",
      message: "The model provider could not be reached.",
    }),
    signIn: () => UNREACHABLE_SIGN_IN("could not be reached"),
  },
  {
    kind: "provider_error",
    matches: () => true,
    chat: (failure) => ({
      message: `The model provider had a problem (error ${failure.status ?? "unknown"}). Try again in a moment.`,
      retryable: true,
    }),
    api: (failure) => ({
      status: 502,
      type: "api_error",
      code: "provider_error",
      message: `The model provider failed${failure.providerMessage ? `: ${failure.providerMessage}` : "."}`,
    }),
    signIn: (failure) => ({
      status: 502,
      message: `The model provider had a problem checking your key (error ${failure.status ?? "unknown"}). Try again in a moment.`,
    }),
  },
];

const byKind = new Map(KINDS.map((entry) => [entry.kind, entry]));
export const PROVIDER_ERROR_KINDS = KINDS.map((entry) => entry.kind);

/** Names a provider failure; `partial` when some of the reply had arrived. */
export function classifyProviderError(error: unknown, partial = false): ProviderFailure {
  const entry = KINDS.find((candidate) => candidate.matches(error, partial))!;
  const apiError = error instanceof OpenAI.APIError ? error : null;
  return {
    kind: entry.kind,
    partial,
    status: apiError?.status ?? null,
    providerMessage: apiError ? providerWords(apiError) : null,
    providerCode: typeof apiError?.code === "string" ? apiError.code : null,
    retryAfterSeconds: entry.kind === "rate_limited" ? retryAfterSeconds(apiError?.headers) : null,
  };
}

export function chatFailure(failure: ProviderFailure): ChatFailure {
  return byKind.get(failure.kind)!.chat(failure);
}

export function apiFailure(failure: ProviderFailure): ApiFailure {
  return byKind.get(failure.kind)!.api(failure);
}

export function signInFailure(failure: ProviderFailure, timeoutSeconds: number): SignInFailure {
  return byKind.get(failure.kind)!.signIn(failure, timeoutSeconds);
}

/**
 * The provider's message without the SDK's "400 " status prefix; when the
 * provider sent no message, the SDK's is only the status again ("429 429").
 */
function providerWords(error: InstanceType<typeof OpenAI.APIError>): string | null {
  const body = error.error as { message?: unknown } | undefined;
  if (typeof body?.message === "string" && body.message.trim()) return body.message;
  const withoutStatus = error.message.replace(/^\d{3}\s*/, "").trim();
  return withoutStatus && withoutStatus !== String(error.status) && !/^status code/.test(withoutStatus)
    ? withoutStatus
    : null;
}

function retryAfterSeconds(headers: Headers | undefined): number {
  const value = headers?.get("retry-after");
  const seconds = value ? Number(value) : NaN;
  if (Number.isFinite(seconds) && seconds > 0) return Math.ceil(seconds);
  const date = value ? Date.parse(value) : NaN;
  return Number.isFinite(date) ? Math.max(1, Math.ceil((date - Date.now()) / 1000)) : 20;
}
