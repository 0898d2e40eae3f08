import OpenAI from "openai";
import type { ChatError } from "~/chat/events";
import { describeWait } from "~/utils/format";

/** What a provider failure means for the person, in words they can act on. */
export function describeProviderError(error: unknown, partial: boolean): ChatError {
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    return {
      code: "key_rejected",
      message: "The provider rejected your API key. Sign in again with a key that works.",
      retryable: false,
    };
  }
  if (error instanceof OpenAI.RateLimitError) {
    const seconds = retryAfterSeconds(error.headers);
    return {
      code: "rate_limited",
      message: `The provider is rate-limiting your key. Try again in ${describeWait(seconds)}.`,
      retryable: true,
      retry_after_seconds: seconds,
    };
  }
  if (error instanceof OpenAI.NotFoundError) {
    return {
      code: "model_unavailable",
      message: "Your key cannot use this assistant's model. Pick another model and try again.",
      retryable: false,
    };
  }
  if (error instanceof OpenAI.BadRequestError) {
    return { code: "bad_request", message: `The provider refused the request: ${error.message}`, retryable: false };
  }
  if (error instanceof StallError || error instanceof OpenAI.APIConnectionTimeoutError) {
    return {
      code: "timeout",
      message: partial
        ? "The provider stopped sending the reply. What arrived is kept; you can retry."
        : "The provider did not answer in time. Try again in a moment.",
      retryable: true,
    };
  }
  if (partial) {
    return {
      code: "stream_interrupted",
      message: "The reply was cut off by the provider. What arrived is kept; you can retry.",
      retryable: true,
    };
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return {
      code: "unreachable",
      message: "The model provider could not be reached. Try again in a moment.",
      retryable: true,
    };
  }
  const status = error instanceof OpenAI.APIError ? ` (error ${error.status ?? "unknown"})` : "";
  return {
    code: "provider_error",
    message: `The model provider had a problem${status}. Try again in a moment.`,
    retryable: true,
  };
}

/** Thrown when a stream goes silent for longer than the provider timeout. */
export class StallError extends Error {
  constructor(ms: number) {
    super(`No data from the provider for ${ms} ms`);
    this.name = "StallError";
  }
}

function retryAfterSeconds(headers: Headers | undefined): number {
  const value = headers?.get("retry-after");
  const seconds = value ? Number(value) : NaN;
  if (Number.isFinite(seconds) && seconds > 0) return Math.ceil(seconds);
  const date = value ? Date.parse(value) : NaN;
  return Number.isFinite(date) ? Math.max(1, Math.ceil((date - Date.now()) / 1000)) : 20;
}
