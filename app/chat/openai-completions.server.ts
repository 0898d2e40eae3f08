import type { Bearer } from "~/identity/bearer.server";
import { CompletionRequestSchema, unknownParameter, type CompletionRequest } from "~/schemas/completion";
import { openAiError } from "~/utils/openai-error";
import { parseApiBody, runApiCall, type ApiAdapter } from "./api-call.server";
import { replayedCompletion, streamedCompletion, wholeCompletion } from "./openai-reply.server";

// POST /v1/chat/completions with `model` = an assistant's id (see
// api-call.server for how a call runs), continued with X-Session-Id, and
// written as the provider's own chunks or as one completion.

export async function createCompletion(request: Request, bearer: Bearer, shutdown?: AbortSignal): Promise<Response> {
  const body = await parseApiBody(request, CompletionRequestSchema, unknownParameter);
  if (body instanceof Response) return body;
  const unanswerable = refuseUnanswerable(body);
  if (unanswerable) return unanswerable;
  const sessionId = request.headers.get("X-Session-Id");
  return runApiCall({
    request,
    bearer,
    body,
    sessionId,
    fingerprint: body,
    sends: "newest",
    adapter: completionsAdapter(request, body),
    shutdown,
  });
}

function completionsAdapter(request: Request, body: CompletionRequest): ApiAdapter {
  const includeUsage = body.stream_options?.include_usage === true;
  return {
    write: ({ start, headers, settle }) =>
      body.stream
        ? streamedCompletion(request.signal, start, { includeUsage, headers, settle })
        : wholeCompletion(request.signal, start, { headers, settle }),
    replay: (answer) => replayedCompletion(answer, { stream: body.stream === true, includeUsage }),
  };
}

/** The last message must be something to answer: the person's words, or a tool's result. */
function refuseUnanswerable(body: CompletionRequest): Response | null {
  const last = body.messages.at(-1)!;
  const answerable =
    last.role === "tool" || (last.role === "user" && (typeof last.content !== "string" || last.content.trim()));
  if (answerable) return null;
  return openAiError(
    400,
    "The last message must be a non-empty message from the user, or a tool's result.",
    "invalid_request_error",
    "invalid_value",
    { param: `messages.${body.messages.length - 1}` },
  );
}
