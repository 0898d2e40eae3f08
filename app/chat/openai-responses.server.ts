import type { ApiCaller, Bearer } from "~/identity/bearer.server";
import { getOwnMessage, type ChatSession } from "~/models/sessions.server";
import { CompletionRequestSchema, type CompletionRequest } from "~/schemas/completion";
import {
  completionParametersOf,
  messagesOf,
  referencedIds,
  ResponsesRequestSchema,
  unknownResponsesParameter,
  UntranslatableInput,
  type ResponsesRequest,
} from "~/schemas/responses";
import { isDocId } from "~/utils/db.server";
import { openAiError } from "~/utils/openai-error";
import { parseApiBody, runApiCall, type Answering, type ApiAdapter } from "./api-call.server";
import { eventStream, type Sink } from "./event-stream.server";
import { REPLAYED_HEADER, type StoredAnswer } from "./idempotency.server";
import { endError, failureResponse, streamTurn } from "./openai-reply.server";
import {
  replayItems,
  ResponseBuilder,
  type Ending,
  type OutputItem,
  type ResponseBase,
  type ResponseUsage,
} from "./response-builder";
import type { TurnEvent, TurnOutcome } from "./turn.server";

// POST /v1/responses with `model` = an assistant's id: the Responses API as a
// third way to run a turn (see api-call.server). The request is translated
// into Chat Completions (the provider side stays Chat Completions, which
// every OpenAI-compatible provider speaks), and the turn's chunks are written
// as Responses events, or as one response. A response's id names its session
// and its saved reply, so `previous_response_id` continues that session.

/** `resp_` + the session's id + the reply's id: both are Firestore ids of 20 characters. */
const RESPONSE_ID = /^(?:resp|msg)_([A-Za-z0-9]{20})([A-Za-z0-9]{20})$/;

function idsOf(id: string): { sessionId: string; messageId: string } | null {
  const match = RESPONSE_ID.exec(id);
  return match && isDocId(match[1]) && isDocId(match[2]) ? { sessionId: match[1]!, messageId: match[2]! } : null;
}

export async function createResponse(request: Request, bearer: Bearer, shutdown?: AbortSignal): Promise<Response> {
  const body = await parseApiBody(request, ResponsesRequestSchema, unknownResponsesParameter);
  if (body instanceof Response) return body;
  const previous = body.previous_response_id ? idsOf(body.previous_response_id) : null;
  if (body.previous_response_id && !previous) return previousNotFound(body.previous_response_id);

  const completion = await asCompletion(body, bearer);
  if (completion instanceof Response) return completion;
  return runApiCall({
    request,
    bearer,
    body: completion,
    sessionId: previous?.sessionId ?? null,
    fingerprint: body,
    sends: previous ? "all" : "newest",
    adapter: responsesAdapter(request, body),
    shutdown,
    checkSession: previous ? (session) => continuesNewest(session, body.previous_response_id!) : undefined,
    sessionNotFound: () => previousNotFound(body.previous_response_id!),
  });
}

/** The request as Chat Completions, its references to earlier replies looked up; a 400 for what cannot be carried. */
async function asCompletion(body: ResponsesRequest, bearer: Bearer): Promise<CompletionRequest | Response> {
  try {
    const references = await lookUpReferences(body, bearer);
    if (references instanceof Response) return references;
    const messages = messagesOf(body, references);
    const parsed = CompletionRequestSchema.safeParse({
      model: body.model,
      messages,
      stream: body.stream ?? false,
      ...completionParametersOf(body),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return openAiError(400, issue.message, "invalid_request_error", "invalid_value", { param: "input" });
    }
    const last = messages.at(-1);
    if (last?.role !== "user" && last?.role !== "tool") {
      return openAiError(
        400,
        "The input must end with a message from the user or a function call's output.",
        "invalid_request_error",
        "invalid_value",
        { param: "input" },
      );
    }
    return parsed.data;
  } catch (error) {
    if (!(error instanceof UntranslatableInput)) throw error;
    return openAiError(400, error.message, "invalid_request_error", "invalid_value", { param: error.param });
  }
}

/** The text of each earlier reply the input refers to by id (the AI SDK sends references instead of the text). */
async function lookUpReferences(body: ResponsesRequest, bearer: Bearer): Promise<Map<string, string> | Response> {
  const ids = referencedIds(body);
  if (ids.length === 0) return new Map();
  const caller = await bearer.caller;
  if (caller instanceof Response) return caller;
  const found = await Promise.all(ids.map((id) => referencedText(caller, id)));
  return new Map(ids.flatMap((id, index) => (found[index] === null ? [] : [[id, found[index]!]])));
}

async function referencedText(caller: ApiCaller, id: string): Promise<string | null> {
  const ids = id.startsWith("msg_") ? idsOf(id) : null;
  if (!ids) return null;
  const message = await getOwnMessage(caller, ids.sessionId, ids.messageId);
  return message?.role === "assistant" ? (message.content ?? "") : null;
}

function previousNotFound(id: string): Response {
  return openAiError(
    400,
    `Previous response with id '${id}' not found.`,
    "invalid_request_error",
    "previous_response_not_found",
    { param: "previous_response_id" },
  );
}

/** A session continues from its newest reply only: a conversation here is a line, not a tree. */
function continuesNewest(session: ChatSession, previousId: string): Response | null {
  if (session.last_reply_id === idsOf(previousId)?.messageId) return null;
  return openAiError(
    400,
    `Response '${previousId}' is not the newest of its conversation; continue from the newest response.`,
    "invalid_request_error",
    "previous_response_not_latest",
    { param: "previous_response_id" },
  );
}

function responsesAdapter(request: Request, body: ResponsesRequest): ApiAdapter {
  return {
    write: (answering) =>
      body.stream ? streamedResponse(request, body, answering) : wholeResponse(request, body, answering),
    replay: (answer) => replayedResponse(answer, body.stream === true),
  };
}

function baseOf(body: ResponsesRequest, { session, messageId }: Answering): ResponseBase {
  return {
    id: `resp_${session.id}${messageId}`,
    created_at: Math.floor(Date.now() / 1000),
    model: session.bot_model_config.model,
    messageId: `${session.id}${messageId}`,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    temperature: body.temperature ?? null,
    top_p: body.top_p ?? null,
    text: body.text ?? { format: { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    metadata: body.metadata ?? {},
    user: body.user ?? null,
  };
}

/** Feeds one turn event to the builder; at the end, ends the response and returns it. */
function build(builder: ResponseBuilder, event: TurnEvent) {
  if (event.type === "text") builder.text(event.text);
  if (event.type === "chunk") {
    for (const fragment of event.chunk.choices[0]?.delta?.tool_calls ?? []) builder.toolCall(fragment);
  }
  return event.type === "end" ? builder.end(endingOf(event.outcome)) : null;
}

function endingOf(outcome: TurnOutcome): Ending {
  const usage = usageOf(outcome);
  const error = endError(outcome);
  if (error) return { status: "failed", error: { code: "server_error", message: error.message }, usage };
  if (outcome.finishReason === "length") return { status: "incomplete", reason: "max_output_tokens", usage };
  if (outcome.finishReason === "content_filter") return { status: "incomplete", reason: "content_filter", usage };
  return { status: "completed", usage };
}

function usageOf(outcome: TurnOutcome): ResponseUsage {
  const { prompt_tokens, completion_tokens, total_tokens } = outcome.usage;
  return {
    input_tokens: prompt_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens,
  };
}

const writeEvent = (sink: Sink) => (event: Record<string, unknown>) =>
  sink.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);

function streamedResponse(request: Request, body: ResponsesRequest, answering: Answering): Promise<Response> {
  let builder: ResponseBuilder | null = null;
  return streamTurn(request.signal, answering.start, answering.headers, async (event, sink) => {
    if (!builder) {
      builder = new ResponseBuilder(baseOf(body, answering), writeEvent(sink));
      builder.begin();
    }
    const response = build(builder, event);
    if (response && event.type === "end") {
      const kept = response.status !== "failed" && !event.outcome.interrupted;
      await answering.settle?.(kept ? { headers: answering.headers, body: response } : null);
    }
  });
}

async function wholeResponse(request: Request, body: ResponsesRequest, answering: Answering): Promise<Response> {
  const builder = new ResponseBuilder(baseOf(body, answering));
  let outcome: TurnOutcome | null = null;
  let response: ReturnType<ResponseBuilder["end"]> | null = null;
  for await (const event of answering.start(request.signal)) {
    response = build(builder, event) ?? response;
    if (event.type === "end") outcome = event.outcome;
  }
  if (outcome!.failure) return failureResponse(outcome!.failure, answering.headers);
  await answering.settle?.(outcome!.interrupted ? null : { headers: answering.headers, body: response });
  return Response.json(response, { headers: answering.headers });
}

/** A stored response, for a call repeated with its Idempotency-Key: as it was, or streamed again. */
function replayedResponse(answer: StoredAnswer, stream: boolean): Response {
  const stored = answer.body as StoredResponse;
  const headers = { ...answer.headers, ...REPLAYED_HEADER };
  if (!stream) return Response.json(stored, { headers });
  const ending: Ending =
    stored.status === "incomplete"
      ? { status: "incomplete", reason: stored.incomplete_details!.reason, usage: stored.usage }
      : { status: "completed", usage: stored.usage };
  return eventStream(
    new AbortController().signal,
    async (sink) => {
      const builder = new ResponseBuilder({ ...stored, messageId: stored.id.slice("resp_".length) }, writeEvent(sink));
      builder.begin();
      replayItems(builder, stored.output);
      builder.end(ending);
    },
    headers,
  );
}

/** A response as a successful call kept it. */
type StoredResponse = ResponseBase & {
  status: "completed" | "incomplete";
  output: OutputItem[];
  usage: ResponseUsage;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
};
