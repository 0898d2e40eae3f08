// An OpenAI-compatible HTTP server for tests, benchmarks and offline
// development. It speaks the real Chat Completions wire format, streamed and
// not, refuses what the real API refuses in the real API's words, and fails on
// demand:
//
// GET /__fake/requests lists what it was sent (method, path, body), for
// browser tests that cannot reach its memory.
//
// By API key (for /v1/models and everything else):
//   sk-fake-rejected…   401 invalid_api_key
//   sk-fake-stall…      never answers (the client's timeout must fire)
//   sk-fake-nochat…     lists only embedding, speech and image models
//   sk-fake-error…      500 server_error
//   sk-fake-ratelimit…  429 with retry-after
//   anything else that starts with "sk-" is a valid key.
//
// Reasoning models (o3, o3-mini, gpt-5, gpt-5-mini) refuse what the real API
// refuses for them (max_tokens, sampling settings, logprobs, stop, a reasoning
// effort they do not take), and every other model refuses a reasoning_effort,
// in the real API's words.
//
// By a directive in the last user message of a chat completion:
//   [fake:401] [fake:429] [fake:500]   fail before the reply starts
//   [fake:500x2]   fail the first 2 times this same message arrives (any
//                  count), then answer: a client's retries meet a provider
//                  that recovers
//   [fake:cut]     stream half the reply, then drop the connection
//   [fake:stall]   stream a little, then go silent
//   [fake:slow]    stream with a long pause between chunks
//   [fake:tool]    call a tool (see below)
//
// What it answers (every rule is deterministic, so tests can count on it):
//   - Tools. With function `tools`, the reply is a tool call when tool_choice
//     names a function, when it is "required", or (tool_choice "auto" or left
//     out) when the last user message says [fake:tool] or names a function.
//     Every function the message names is called, in the order named, unless
//     parallel_tool_calls is false (then only the first); with none named, the
//     first tool. Arguments are built from the tool's JSON schema. Once the
//     conversation ends with tool results (and nothing forces a call), the
//     reply is text quoting each result, so a round trip can be asserted.
//   - Structured output. response_format json_object answers a JSON object;
//     json_schema answers JSON built from the schema (see sampleOf).
//   - Otherwise a Markdown reply about the last user message (replyFor).
//   - n choices, stop sequences, logprobs with top_logprobs, max_tokens and
//     max_completion_tokens, all as the real API shapes them.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { decode, encode } from "gpt-tokenizer";

export type RecordedRequest = {
  method: string;
  path: string;
  apiKey: string;
  body: unknown;
  /** performance.now() when the request arrived: tests time the app's work before the provider is called. */
  at: number;
};

export type FakeProvider = {
  /** Base URL including /v1, as OPENAI_BASE_URL expects. */
  url: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
};

export type FakeProviderOptions = {
  port?: number;
  host?: string;
  /** Pause between streamed chunks. */
  chunkDelayMs?: number;
  slowChunkDelayMs?: number;
  /** Pause before a stream's first chunk: a real model's wait for its first token (the benchmark's 200 ms). */
  firstTokenDelayMs?: number;
  /** Every prose reply is this many words, one chunk each (the benchmark's load); unset, replies depend on the message. */
  replyWords?: number;
};

export const FAKE_CHAT_MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1-mini", "o3-mini", "o3", "gpt-5", "gpt-5-mini"];

/**
 * The reasoning models, with the reasoning efforts each takes as the real API
 * lists them. The fake keeps its own list rather than the app's table: it
 * stands for the API, so a wrong table fails against it.
 */
const EFFORTS_OF: Record<string, string[]> = {
  "o3-mini": ["low", "medium", "high"],
  o3: ["low", "medium", "high"],
  "gpt-5": ["minimal", "low", "medium", "high"],
  "gpt-5-mini": ["minimal", "low", "medium", "high"],
};

/** Every value the API knows for reasoning_effort (the official SDK's list). */
const KNOWN_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];

/** Models that, like the real API's reasoning models, refuse max_tokens and sampling settings. */
const REASONING_MODELS = new Set(Object.keys(EFFORTS_OF));
/** o3-mini takes stop sequences; o3 and the gpt-5 family refuse them (as o3 and o4-mini do for real). */
const REFUSE_STOP = new Set(["o3", "gpt-5", "gpt-5-mini"]);
const NON_CHAT_MODELS = ["text-embedding-3-small", "whisper-1", "tts-1", "dall-e-3", "omni-moderation-latest"];

/** The roles the API knows, in the order its "Supported values" error lists them. */
const ROLES = ["system", "assistant", "user", "function", "tool", "developer"];
const TOOL_CHOICES = ["none", "auto", "required"];
const RESPONSE_FORMATS = ["json_object", "json_schema", "text"];
/** The API's bounds: n up to 128 choices, top_logprobs up to 20 alternatives. */
const MAX_CHOICES = 128;
const MAX_TOP_LOGPROBS = 20;
const FINGERPRINT = "fp_fake";

type ChatBody = {
  model?: string;
  messages?: unknown;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  temperature?: number;
  top_p?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  reasoning_effort?: unknown;
  tools?: unknown;
  tool_choice?: unknown;
  parallel_tool_calls?: unknown;
  response_format?: unknown;
  n?: unknown;
  logprobs?: unknown;
  top_logprobs?: unknown;
  stop?: unknown;
  seed?: unknown;
  user?: unknown;
};

/** A message as the request carries it, once its shape has been checked. */
type ChatMessage = {
  role: string;
  content?: unknown;
  tool_calls?: { id?: unknown; function?: { name?: unknown } }[] | null;
  tool_call_id?: unknown;
  refusal?: unknown;
  function_call?: unknown;
  audio?: unknown;
};

type JsonSchema = Record<string, unknown>;
type FunctionTool = { name: string; parameters: JsonSchema | undefined };
type ToolCall = { id: string; type: "function"; function: { name: string; arguments: string } };
/** What the API answers with a 400: its message, code and param, exactly. */
type Refusal = { message: string; code: string | null; param: string | null };

/** One choice's answer: text (possibly JSON) in the pieces it streams in, or tool calls. */
type Answer =
  | { kind: "text"; text: string; pieces: string[]; finishReason: "stop" | "length" }
  | { kind: "tools"; calls: ToolCall[] };

export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    void handle(req, res, requests, options).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, String(error), "server_error", null);
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  requests: RecordedRequest[],
  options: FakeProviderOptions,
) {
  const at = performance.now();
  const url = new URL(req.url ?? "/", "http://fake");
  const body = req.method === "POST" ? await readJson(req) : undefined;
  const apiKey = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
  requests.push({ method: req.method ?? "GET", path: url.pathname, apiKey, body, at });

  if (url.pathname === "/health") return sendJson(res, 200, { ok: true });
  // For browser tests, which cannot reach this process's memory: what the provider was sent, newest last.
  if (url.pathname === "/__fake/requests") {
    return sendJson(
      res,
      200,
      requests.map(({ method, path, body }) => ({ method, path, body })),
    );
  }
  if (body === INVALID_JSON) {
    return sendError(res, 400, "We could not parse the JSON body of your request.", "invalid_request_error", null);
  }
  if (!(await authorize(apiKey, res))) return;

  if (req.method === "GET" && url.pathname === "/v1/models") return listModels(apiKey, res);
  if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
    return chatCompletion(isObject(body) ? (body as ChatBody) : {}, res, options, requests);
  }
  // The fake has no Responses API (/v1/responses): clients that default to it fail here, as they would against a
  // provider that only speaks Chat Completions.
  sendError(res, 404, `Invalid URL (${req.method} ${url.pathname})`, "invalid_request_error", null);
}

async function authorize(apiKey: string, res: http.ServerResponse): Promise<boolean> {
  if (!apiKey) {
    sendError(res, 401, "You didn't provide an API key.", "invalid_request_error", null);
    return false;
  }
  if (!apiKey.startsWith("sk-") || apiKey.startsWith("sk-fake-rejected")) {
    const masked = `${apiKey.slice(0, 3)}${"*".repeat(8)}${apiKey.slice(-4)}`;
    sendError(res, 401, `Incorrect API key provided: ${masked}.`, "invalid_request_error", "invalid_api_key");
    return false;
  }
  if (apiKey.startsWith("sk-fake-stall")) {
    // Hold the request open; the client's timeout has to end it.
    await new Promise((resolve) => res.once("close", resolve));
    return false;
  }
  if (apiKey.startsWith("sk-fake-error")) {
    sendError(res, 500, "The server had an error while processing your request.", "server_error", null);
    return false;
  }
  if (apiKey.startsWith("sk-fake-ratelimit")) {
    rateLimited(res);
    return false;
  }
  return true;
}

function listModels(apiKey: string, res: http.ServerResponse) {
  const ids = apiKey.startsWith("sk-fake-nochat") ? NON_CHAT_MODELS : [...FAKE_CHAT_MODELS, ...NON_CHAT_MODELS];
  sendJson(res, 200, {
    object: "list",
    data: ids.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "system" })),
  });
}

// ---------------------------------------------------------------------------
// Chat completions
// ---------------------------------------------------------------------------

async function chatCompletion(
  body: ChatBody,
  res: http.ServerResponse,
  options: FakeProviderOptions,
  requests: RecordedRequest[],
) {
  const shape = messagesRefusal(body.messages);
  if (shape) return refuse(res, shape);
  if (!body.model) return sendError(res, 400, "you must provide a model parameter", "invalid_request_error", null);
  if (!FAKE_CHAT_MODELS.includes(body.model)) {
    return sendError(
      res,
      404,
      `The model \`${body.model}\` does not exist or you do not have access to it.`,
      "invalid_request_error",
      "model_not_found",
    );
  }

  // The real API checks the body's shape before what the model takes, and the conversation's own rules last.
  const checks = [
    parametersRefusal,
    toolsRefusal,
    toolChoiceRefusal,
    responseFormatRefusal,
    reasoningRefusal,
    effortRefusal,
    toolMessagesRefusal,
    contentRefusal,
    jsonModeRefusal,
  ];
  for (const check of checks) {
    const refusal = check(body);
    if (refusal) return refuse(res, refusal);
  }

  const messages = body.messages as ChatMessage[];
  const lastUser = messages.findLast((message) => message.role === "user");
  const lastText = textOf(lastUser?.content);
  const directives = new Set([...lastText.matchAll(/\[fake:(\w+)\]/g)].map((match) => match[1]));
  if (directives.has("401")) {
    return sendError(res, 401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
  }
  if (directives.has("429")) return rateLimited(res);
  if (directives.has("500") || failsThisTime(directives, lastText, requests)) {
    return sendError(res, 500, "The server had an error while processing your request.", "server_error", null);
  }

  const choiceCount = given(body.n) ? (body.n as number) : 1;
  const answers = Array.from({ length: choiceCount }, () => answerFor(body, messages, lastText, options.replyWords));
  // The prompt is the messages and, as the real API counts them, the tool definitions and the output schema.
  const definitions = [body.tools, body.response_format].filter(given).map((value) => JSON.stringify(value));
  const promptTokens = messages.reduce(
    (sum, message) => sum + encode(promptTextOf(message)).length + 4,
    3 + encode(definitions.join("")).length,
  );
  const completionTokens = answers.reduce((sum, answer) => sum + encode(answerText(answer)).length, 0);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const reply: ReplyContext = {
    id: `chatcmpl-${randomUUID().replaceAll("-", "").slice(0, 24)}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    logprobs: body.logprobs === true,
    topLogprobs: given(body.top_logprobs) ? (body.top_logprobs as number) : 0,
    includeUsage: body.stream_options?.include_usage === true,
    usage,
  };

  if (!body.stream) return sendJson(res, 200, completionOf(answers, reply));
  const delay = directives.has("slow") ? (options.slowChunkDelayMs ?? 400) : (options.chunkDelayMs ?? 15);
  await streamCompletion(res, answers, reply, {
    delay,
    firstDelay: options.firstTokenDelayMs ?? 0,
    cut: directives.has("cut"),
    stall: directives.has("stall"),
  });
}

/** [fake:500xN]: true for the first N arrivals of this last user message (this one counted). */
function failsThisTime(directives: Set<string | undefined>, lastText: string, requests: RecordedRequest[]): boolean {
  const times = [...directives].map((directive) => /^500x(\d+)$/.exec(directive ?? "")?.[1]).find(Boolean);
  if (!times) return false;
  const arrivals = requests.filter(
    (request) => request.path === "/v1/chat/completions" && lastUserText(request.body) === lastText,
  );
  return arrivals.length <= Number(times);
}

function lastUserText(body: unknown): string {
  const messages = isObject(body) && Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : [];
  return textOf(messages.findLast((message) => message.role === "user")?.content);
}

/** What every choice of one reply shares: its identity, what the request asked to see, and the usage. */
type ReplyContext = {
  id: string;
  created: number;
  model: string;
  logprobs: boolean;
  topLogprobs: number;
  includeUsage: boolean;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
};

/** The answer to one choice: a tool call when the conversation calls for one, else text. */
function answerFor(body: ChatBody, messages: ChatMessage[], lastText: string, replyWords?: number): Answer {
  const calls = toolCallsFor(body, messages, lastText);
  if (calls) return { kind: "tools", calls };
  const limit = [body.max_completion_tokens, body.max_tokens].find(given) as number | undefined;
  const text = cutAtStop(contentFor(body, messages, lastText, replyWords), stopSequencesOf(body.stop));
  const all = piecesOf(text, isJsonReply(body));
  const pieces = limitTokens(all, limit);
  // Cut short by the token limit is "length"; a stop sequence, like the end of the reply, is "stop".
  return { kind: "text", text: pieces.join(""), pieces, finishReason: pieces.length < all.length ? "length" : "stop" };
}

function answerText(answer: Answer): string {
  return answer.kind === "text" ? answer.text : answer.calls.map((call) => call.function.arguments).join("");
}

/** The reply's text: JSON when response_format asks for it, the tool results after a tool round, else prose. */
function contentFor(body: ChatBody, messages: ChatMessage[], lastText: string, replyWords?: number): string {
  const results = toolResultsAtEnd(messages);
  const prose = results
    ? replyToToolResults(results)
    : replyWords
      ? Array.from({ length: replyWords }, (_, index) => `word${index % 10}`).join(" ")
      : replyFor(lastText);
  const format = body.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === "json_object") return JSON.stringify({ reply: prose });
  if (format?.type === "json_schema") {
    const schema = format.json_schema?.schema;
    return JSON.stringify(isObject(schema) ? sampleOf(schema, schema) : {});
  }
  return prose;
}

function isJsonReply(body: ChatBody): boolean {
  const type = (body.response_format as { type?: unknown } | undefined)?.type;
  return type === "json_object" || type === "json_schema";
}

/** A deterministic reply that shows Markdown and is long enough to watch stream. */
export function replyFor(userText: string): string {
  const topic =
    userText
      .replace(/\[fake:\w+\]/g, "")
      .trim()
      .slice(0, 80) || "your message";
  return [
    `Thanks for asking about **${topic}**.`,
    "Here are a few thoughts to get started:",
    "",
    "1. Break the problem into small steps.",
    "2. Try one step and look at what happens.",
    "3. Keep what works and adjust the rest.",
    "",
    "```js",
    'console.log("one step at a time");',
    "```",
  ].join("\n");
}

// ---------------------------------------------------------------------------
// Tool calls
// ---------------------------------------------------------------------------

/** The request's function tools (other tool types are accepted but never called). */
function functionsOf(body: ChatBody): FunctionTool[] {
  if (!Array.isArray(body.tools)) return [];
  return (body.tools as { type?: unknown; function?: { name: string; parameters?: unknown } }[])
    .filter((tool) => tool.type === "function" && tool.function)
    .map((tool) => ({
      name: tool.function!.name,
      parameters: isObject(tool.function!.parameters) ? tool.function!.parameters : undefined,
    }));
}

/**
 * The calls to make, or null for a text reply. tool_choice decides first, as
 * it does for the real API: "none" never calls, a named function or
 * "required" always does. Left to the model ("auto", or left out), the fake
 * calls only when the last user message asks for it ([fake:tool] or a
 * function's name) and has not been answered by tool results yet.
 */
function toolCallsFor(body: ChatBody, messages: ChatMessage[], lastText: string): ToolCall[] | null {
  const functions = functionsOf(body);
  if (functions.length === 0) return null;
  const choice = body.tool_choice;
  if (choice === "none") return null;
  if (isObject(choice)) {
    const name = (choice.function as { name: string }).name;
    return callsTo(functions.filter((tool) => tool.name === name));
  }
  const named = functionsNamedIn(lastText, functions);
  const wanted = named.length > 0 ? named : functions.slice(0, 1);
  const chosen = body.parallel_tool_calls === false ? wanted.slice(0, 1) : wanted;
  if (choice === "required") return callsTo(chosen);
  if (toolResultsAtEnd(messages)) return null;
  if (!/\[fake:tool\]/.test(lastText) && named.length === 0) return null;
  return callsTo(chosen);
}

/** The functions a message names as whole words, in the order it names them. */
function functionsNamedIn(text: string, functions: FunctionTool[]): FunctionTool[] {
  const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
  return functions
    .map((tool) => ({ tool, at: text.search(new RegExp(`(?<![\\w-])${escape(tool.name)}(?![\\w-])`)) }))
    .filter(({ at }) => at >= 0)
    .sort((a, b) => a.at - b.at)
    .map(({ tool }) => tool);
}

function callsTo(functions: FunctionTool[]): ToolCall[] {
  return functions.map((tool) => ({
    id: `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`,
    type: "function",
    function: {
      name: tool.name,
      arguments: JSON.stringify(tool.parameters ? sampleOf(tool.parameters, tool.parameters) : {}),
    },
  }));
}

/**
 * The tool results the conversation ends with, each with the name of the
 * function it answers, or null when the last message is not a tool result.
 */
function toolResultsAtEnd(messages: ChatMessage[]): { name: string; content: string }[] | null {
  if (messages.at(-1)?.role !== "tool") return null;
  const start = messages.findLastIndex((message) => message.role !== "tool");
  const asked = messages[start]?.tool_calls ?? [];
  return messages.slice(start + 1).map((message) => ({
    name: String(asked.find((call) => call.id === message.tool_call_id)?.function?.name ?? "tool"),
    content: textOf(message.content),
  }));
}

function replyToToolResults(results: { name: string; content: string }[]): string {
  return ["Here is what the tools answered:", "", ...results.map(({ name, content }) => `- ${name}: ${content}`)].join(
    "\n",
  );
}

// ---------------------------------------------------------------------------
// Values from a JSON schema, for tool arguments and structured output
// ---------------------------------------------------------------------------

/** Plausible strings for common property names; any other string property gets "example <name>". */
const EXAMPLE_STRINGS: Record<string, string> = {
  location: "Paris",
  city: "Paris",
  country: "France",
  name: "Ada Lovelace",
  title: "A short title",
  query: "example query",
  q: "example query",
  email: "ada@example.com",
  url: "https://example.com",
  language: "en",
};

const EXAMPLE_FORMATS: Record<string, string> = {
  "date-time": "2024-01-01T12:00:00Z",
  date: "2024-01-01",
  time: "12:00:00",
  duration: "P1D",
  email: "ada@example.com",
  hostname: "example.com",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
  uri: "https://example.com",
  url: "https://example.com",
  uuid: "123e4567-e89b-12d3-a456-426614174000",
};

/**
 * A value that matches a JSON schema, as a model following it would write:
 * an object's required properties (under strict mode every property is), one
 * item per array (or minItems), an enum's or anyOf's first choice, the
 * non-null type of a nullable, numbers inside their bounds. $ref is followed
 * into the root's $defs or definitions; a schema that refers to itself stops
 * at a null, an empty array or an empty object.
 */
function sampleOf(schema: JsonSchema, root: JsonSchema, key = "", depth = 0): unknown {
  if (depth > 8) return null;
  if (typeof schema.$ref === "string") {
    const target = resolveRef(schema.$ref, root);
    return target ? sampleOf(target, root, key, depth + 1) : null;
  }
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) {
    const branch = branches.find((option) => option.type !== "null") ?? branches[0]!;
    return sampleOf(branch, root, key, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const parts = (schema.allOf as JsonSchema[]).map((part) => sampleOf(part, root, key, depth + 1));
    return parts.every(isObject) ? Object.assign({}, ...parts) : parts[0];
  }
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type];
  const type = types.find((option) => option !== "null") ?? (schema.properties ? "object" : types[0]);
  switch (type) {
    case "object":
      return objectSample(schema, root, depth);
    case "array": {
      const items = isObject(schema.items) ? schema.items : undefined;
      const count = Math.max(1, Number(schema.minItems ?? 1));
      return items && depth < 8 ? Array.from({ length: count }, () => sampleOf(items, root, key, depth + 1)) : [];
    }
    case "integer":
      return Math.trunc(numberWithin(schema, 42));
    case "number":
      return numberWithin(schema, 3.14);
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return stringSample(schema, key);
  }
}

function objectSample(schema: JsonSchema, root: JsonSchema, depth: number): Record<string, unknown> {
  const properties = isObject(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const sample: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) {
    if (required.has(name)) sample[name] = sampleOf(property, root, name, depth + 1);
  }
  return sample;
}

function resolveRef(ref: string, root: JsonSchema): JsonSchema | undefined {
  if (ref === "#") return root;
  const path = ref.replace(/^#\//, "").split("/");
  let node: unknown = root;
  for (const part of path) node = isObject(node) ? node[part.replaceAll("~1", "/").replaceAll("~0", "~")] : undefined;
  return isObject(node) ? node : undefined;
}

function numberWithin(schema: JsonSchema, preferred: number): number {
  const min = typeof schema.minimum === "number" ? schema.minimum : (schema.exclusiveMinimum as number | undefined);
  const max = typeof schema.maximum === "number" ? schema.maximum : (schema.exclusiveMaximum as number | undefined);
  let value = preferred;
  if (typeof min === "number" && value <= min) value = schema.minimum === min ? min : min + 1;
  if (typeof max === "number" && value >= max) value = schema.maximum === max ? max : max - 1;
  return value;
}

function stringSample(schema: JsonSchema, key: string): string {
  const base =
    (typeof schema.format === "string" ? EXAMPLE_FORMATS[schema.format] : undefined) ??
    EXAMPLE_STRINGS[key.toLowerCase()] ??
    (key ? `example ${key}` : "example");
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === "number" ? schema.maxLength : Infinity;
  return base.padEnd(minLength, "x").slice(0, maxLength);
}

// ---------------------------------------------------------------------------
// The completion, whole or streamed
// ---------------------------------------------------------------------------

function completionOf(answers: Answer[], reply: ReplyContext) {
  return {
    id: reply.id,
    object: "chat.completion",
    created: reply.created,
    model: reply.model,
    choices: answers.map((answer, index) => ({
      index,
      message:
        answer.kind === "text"
          ? { role: "assistant", content: answer.text, refusal: null, annotations: [] }
          : { role: "assistant", content: null, tool_calls: answer.calls, refusal: null, annotations: [] },
      logprobs: reply.logprobs ? logprobsOf(answer.kind === "text" ? answer.text : "", 0, reply.topLogprobs) : null,
      finish_reason: answer.kind === "text" ? answer.finishReason : "tool_calls",
    })),
    usage: reply.usage,
    system_fingerprint: FINGERPRINT,
  };
}

type ChunkChoice = { index: number; delta: Record<string, unknown>; logprobs: unknown; finish_reason: string | null };

/**
 * The deltas of one choice, in the real API's order. Text: a first delta
 * with the role and an empty content, then the text a word (or, for JSON, a
 * few tokens) at a time. Tool calls: the first delta carries the role, a
 * null content and the first call's id, type and name with empty arguments;
 * each further call opens with its own index, id and name; the arguments
 * follow in fragments. Every choice ends with an empty delta and its
 * finish_reason.
 */
function deltasOf(answer: Answer, index: number, reply: ReplyContext): ChunkChoice[] {
  const noLogprobs = reply.logprobs ? { content: [], refusal: null } : null;
  const delta = (content: Record<string, unknown>, logprobs: unknown = noLogprobs): ChunkChoice => ({
    index,
    delta: content,
    logprobs,
    finish_reason: null,
  });
  const finish = (reason: string): ChunkChoice => ({ index, delta: {}, logprobs: null, finish_reason: reason });

  if (answer.kind === "text") {
    let tokens = 0;
    const pieces = answer.pieces.map((piece) => {
      const logprobs = reply.logprobs ? logprobsOf(piece, tokens, reply.topLogprobs) : null;
      tokens += encode(piece).length;
      return delta({ content: piece }, logprobs);
    });
    return [delta({ role: "assistant", content: "", refusal: null }), ...pieces, finish(answer.finishReason)];
  }

  const deltas: ChunkChoice[] = [];
  for (const [position, call] of answer.calls.entries()) {
    const opening = {
      index: position,
      id: call.id,
      type: "function",
      function: { name: call.function.name, arguments: "" },
    };
    deltas.push(
      position === 0
        ? delta({ role: "assistant", content: null, tool_calls: [opening], refusal: null })
        : delta({ tool_calls: [opening] }),
    );
    for (const fragment of piecesOf(call.function.arguments, true)) {
      deltas.push(delta({ tool_calls: [{ index: position, function: { arguments: fragment } }] }));
    }
  }
  return [...deltas, finish("tool_calls")];
}

async function streamCompletion(
  res: http.ServerResponse,
  answers: Answer[],
  reply: ReplyContext,
  behaviour: { delay: number; firstDelay: number; cut: boolean; stall: boolean },
) {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
  if (behaviour.firstDelay > 0) await sleep(behaviour.firstDelay);
  // With include_usage every chunk says "usage": null until the last, which carries it with no choices.
  const chunk = (choices: unknown[], usage: unknown = null) =>
    `data: ${JSON.stringify({
      id: reply.id,
      object: "chat.completion.chunk",
      created: reply.created,
      model: reply.model,
      system_fingerprint: FINGERPRINT,
      choices,
      ...(reply.includeUsage ? { usage } : {}),
    })}\n\n`;

  // Each chunk carries one choice; with n > 1 the choices take turns, as the real API interleaves them.
  const perChoice = answers.map((answer, index) => deltasOf(answer, index, reply));
  const openings = perChoice.map((deltas) => deltas[0]!);
  const endings = perChoice.map((deltas) => deltas.at(-1)!);
  const middles = interleave(perChoice.map((deltas) => deltas.slice(1, -1)));

  for (const opening of openings) res.write(chunk([opening]));
  for (const [index, middle] of middles.entries()) {
    if (res.destroyed) return;
    if (behaviour.cut && index === Math.floor(middles.length / 2)) {
      res.socket?.destroy();
      return;
    }
    if (behaviour.stall && index === 3) {
      await new Promise((resolve) => res.once("close", resolve));
      return;
    }
    await sleep(behaviour.delay);
    res.write(chunk([middle]));
  }
  for (const ending of endings) res.write(chunk([ending]));
  if (reply.includeUsage) res.write(chunk([], reply.usage));
  res.end("data: [DONE]\n\n");
}

/** [[a1, a2], [b1]] → [a1, b1, a2]. */
function interleave<T>(lists: T[][]): T[] {
  const merged: T[] = [];
  const longest = Math.max(0, ...lists.map((list) => list.length));
  for (let step = 0; step < longest; step++) {
    for (const list of lists) if (step < list.length) merged.push(list[step]!);
  }
  return merged;
}

/**
 * How a reply is cut into chunks: prose a word at a time; JSON (tool
 * arguments, structured output) a token at a time, as the real API sends it,
 * so a client must put fragments of one string back together.
 */
function piecesOf(text: string, json: boolean): string[] {
  if (!json) return text.match(/\s*\S+/g) ?? [text];
  const pieces: string[] = [];
  let pending: number[] = [];
  for (const token of encode(text)) {
    pending.push(token);
    const piece = decode(pending);
    // A token can end inside a multi-byte character: wait for the rest of it.
    if (!piece.includes("\uFFFD")) {
      pieces.push(piece);
      pending = [];
    }
  }
  if (pending.length > 0) pieces.push(decode(pending));
  return pieces.join("") === text ? pieces : [text];
}

function limitTokens(pieces: string[], limit: number | undefined): string[] {
  if (limit === undefined) return pieces;
  const kept: string[] = [];
  let used = 0;
  for (const piece of pieces) {
    used += encode(piece).length;
    if (used > limit) break;
    kept.push(piece);
  }
  return kept;
}

function stopSequencesOf(stop: unknown): string[] {
  if (typeof stop === "string") return [stop];
  return Array.isArray(stop) ? stop.filter((sequence): sequence is string => typeof sequence === "string") : [];
}

/** The reply up to (not including) the first stop sequence it contains, as the real API ends it. */
function cutAtStop(text: string, stops: string[]): string {
  const at = Math.min(...stops.map((stop) => (stop ? text.indexOf(stop) : -1)).filter((index) => index >= 0));
  return Number.isFinite(at) ? text.slice(0, at) : text;
}

// ---------------------------------------------------------------------------
// Log probabilities
// ---------------------------------------------------------------------------

/** Alternatives offered in top_logprobs after the chosen token. */
const ALTERNATIVE_TOKENS = [" the", " a", ",", ".", " and", " to", " of", " is", " in", " it", "\n", " that"];

/**
 * The logprobs of a piece of text in the real shape: one entry per token
 * with its text, a log probability, its UTF-8 bytes and the top_logprobs
 * asked for (the chosen token first, then less likely alternatives). The
 * numbers are made up but deterministic: `offset` is the position of the
 * piece's first token in the reply.
 */
function logprobsOf(text: string, offset: number, top: number) {
  const content = encode(text).map((id, position) => {
    const token = decode([id]);
    const logprob = -Number((((offset + position) * 37) % 100) / 200 + 0.0001).toFixed(6);
    const alternatives = ALTERNATIVE_TOKENS.filter((alternative) => alternative !== token)
      .slice(0, Math.max(0, top - 1))
      .map((alternative, rank) => ({
        token: alternative,
        logprob: Number((logprob - 1.5 * (rank + 1)).toFixed(6)),
        bytes: bytesOf(alternative),
      }));
    return {
      token,
      logprob,
      bytes: bytesOf(token),
      top_logprobs: top > 0 ? [{ token, logprob, bytes: bytesOf(token) }, ...alternatives] : [],
    };
  });
  return { content, refusal: null };
}

function bytesOf(token: string): number[] {
  return [...Buffer.from(token, "utf8")];
}

// ---------------------------------------------------------------------------
// What the real API refuses, in its words
// ---------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The API takes a null as a parameter left out. */
function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** How the API names a value's type in "Invalid type for …" errors. */
function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return "a string";
  if (typeof value === "boolean") return "a boolean";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal number";
  return "an object";
}

// The API's validation errors follow a few fixed sentences; these build them.
const missing = (param: string): Refusal => ({
  message: `Missing required parameter: '${param}'.`,
  code: "missing_required_parameter",
  param,
});
const invalidType = (param: string, expected: string, value: unknown): Refusal => ({
  message: `Invalid type for '${param}': expected ${expected}, but got ${typeName(value)} instead.`,
  code: "invalid_type",
  param,
});
const invalidValue = (param: string, value: unknown, supported: string[]): Refusal => ({
  message: `Invalid value: '${String(value)}'. Supported values are: ${quotedList(supported)}.`,
  code: "invalid_value",
  param,
});
const emptyArray = (param: string): Refusal => ({
  message: `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
  code: "empty_array",
  param,
});
const belowMin = (param: string, min: number, value: number): Refusal => ({
  message: `Invalid '${param}': integer below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
  code: "integer_below_min_value",
  param,
});
const aboveMax = (param: string, max: number, value: number): Refusal => ({
  message: `Invalid '${param}': integer above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
  code: "integer_above_max_value",
  param,
});

/** An integer parameter within its bounds, or the refusal the API gives. */
function integerRefusal(param: string, value: unknown, min: number, max = Infinity): Refusal | null {
  if (!given(value)) return null;
  if (typeof value !== "number" || !Number.isInteger(value)) return invalidType(param, "an integer", value);
  if (value < min) return belowMin(param, min, value);
  if (value > max) return aboveMax(param, max, value);
  return null;
}

/** messages: a non-empty array of messages, each with a role the API knows and a content of the right type. */
function messagesRefusal(messages: unknown): Refusal | null {
  if (messages === undefined) return missing("messages");
  if (!Array.isArray(messages)) return invalidType("messages", "an array of objects", messages);
  if (messages.length === 0) return emptyArray("messages");
  for (const [index, message] of messages.entries()) {
    const at = `messages[${index}]`;
    if (!isObject(message)) return invalidType(at, "an object", message);
    if (message.role === undefined) return missing(`${at}.role`);
    if (typeof message.role !== "string" || !ROLES.includes(message.role)) {
      return invalidValue(`${at}.role`, message.role, ROLES);
    }
    const content = message.content;
    if (given(content) && typeof content !== "string" && !Array.isArray(content)) {
      return invalidType(`${at}.content`, "one of a string or array of objects", content);
    }
    // A developer message has a schema of its own, which requires its content.
    if (message.role === "developer" && content === undefined) return missing(`${at}.content`);
    if (message.role === "developer" && content === null) {
      return invalidType(`${at}.content`, "one of a string or array of objects", content);
    }
    if (message.role === "tool" && message.tool_call_id === undefined) return missing(`${at}.tool_call_id`);
    if (message.role === "assistant" && given(message.tool_calls)) {
      if (!Array.isArray(message.tool_calls)) {
        return invalidType(`${at}.tool_calls`, "an array of objects", message.tool_calls);
      }
      if (message.tool_calls.length === 0) return emptyArray(`${at}.tool_calls`);
    }
  }
  return null;
}

/** The scalar parameters: their types and bounds. */
function parametersRefusal(body: ChatBody): Refusal | null {
  const bounded =
    integerRefusal("n", body.n, 1, MAX_CHOICES) ??
    integerRefusal("max_tokens", body.max_tokens, 1) ??
    integerRefusal("max_completion_tokens", body.max_completion_tokens, 1) ??
    integerRefusal("seed", body.seed, -Infinity);
  if (bounded) return bounded;
  if (given(body.user) && typeof body.user !== "string") return invalidType("user", "a string", body.user);
  if (given(body.logprobs) && typeof body.logprobs !== "boolean") {
    return invalidType("logprobs", "a boolean", body.logprobs);
  }
  const top = integerRefusal("top_logprobs", body.top_logprobs, 0, MAX_TOP_LOGPROBS);
  if (top) return top;
  if (given(body.top_logprobs) && body.logprobs !== true) {
    return {
      message: "The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.",
      code: null,
      param: "top_logprobs",
    };
  }
  const stop = body.stop;
  if (given(stop) && typeof stop !== "string" && !(Array.isArray(stop) && stop.every((s) => typeof s === "string"))) {
    return invalidType("stop", "one of a string or array of strings", stop);
  }
  return null;
}

/**
 * tools: a non-empty array of tools, each function with a name the API
 * takes and an object of parameters. A strict function's parameters must
 * also follow the structured-output rules.
 */
function toolsRefusal(body: ChatBody): Refusal | null {
  const tools = body.tools;
  if (!given(tools)) return null;
  if (!Array.isArray(tools)) return invalidType("tools", "an array of objects", tools);
  if (tools.length === 0) return emptyArray("tools");
  for (const [index, tool] of tools.entries()) {
    const at = `tools[${index}]`;
    if (!isObject(tool)) return invalidType(at, "an object", tool);
    if (tool.type === undefined) return missing(`${at}.type`);
    if (tool.type !== "function" && tool.type !== "custom")
      return invalidValue(`${at}.type`, tool.type, ["function", "custom"]);
    if (tool.type !== "function") continue;
    const fn = tool.function;
    if (fn === undefined) return missing(`${at}.function`);
    if (!isObject(fn)) return invalidType(`${at}.function`, "an object", fn);
    if (fn.name === undefined) return missing(`${at}.function.name`);
    if (typeof fn.name !== "string") return invalidType(`${at}.function.name`, "a string", fn.name);
    if (fn.name === "") {
      return {
        message: `Invalid '${at}.function.name': empty string. Expected a string with minimum length 1, but got an empty string instead.`,
        code: "empty_string",
        param: `${at}.function.name`,
      };
    }
    if (!/^[a-zA-Z0-9_-]+$/.test(fn.name)) {
      return {
        message: `Invalid '${at}.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        code: "invalid_value",
        param: `${at}.function.name`,
      };
    }
    if (given(fn.parameters) && !isObject(fn.parameters)) {
      return invalidType(`${at}.function.parameters`, "an object", fn.parameters);
    }
    if (fn.strict === true && isObject(fn.parameters)) {
      const problem = strictSchemaProblem(fn.parameters);
      if (problem) {
        return {
          message: `Invalid schema for function '${fn.name}': ${problem}`,
          code: "invalid_function_parameters",
          param: `${at}.function.parameters`,
        };
      }
    }
  }
  return null;
}

/** tool_choice and parallel_tool_calls: only beside tools, and naming only a function the tools declare. */
function toolChoiceRefusal(body: ChatBody): Refusal | null {
  const choice = body.tool_choice;
  if (!given(body.tools)) {
    for (const param of ["tool_choice", "parallel_tool_calls"] as const) {
      if (given(body[param])) {
        return {
          message: `Invalid value for '${param}': '${param}' is only allowed when 'tools' are specified.`,
          code: null,
          param,
        };
      }
    }
    return null;
  }
  if (!given(choice)) return null;
  if (typeof choice === "string") {
    return TOOL_CHOICES.includes(choice) ? null : invalidValue("tool_choice", choice, TOOL_CHOICES);
  }
  if (!isObject(choice)) {
    // Sic: the API's own sentence says "one of" twice.
    return invalidType("tool_choice", "one of one of 'none', 'auto', or 'required' or object", choice);
  }
  const fn = choice.function;
  if (fn === undefined) return missing("tool_choice.function");
  if (!isObject(fn) || fn.name === undefined) return missing("tool_choice.function.name");
  if (!functionsOf(body).some((tool) => tool.name === fn.name)) {
    // Sic: the API still answers in the words of its older functions/function_call parameters.
    return {
      message: `Invalid value for 'function_call': no function named '${String(fn.name)}' was specified in the 'functions' parameter.`,
      code: null,
      param: "function_call",
    };
  }
  return null;
}

/** response_format: a known type; a json_schema with a name, and under strict mode a schema strict mode takes. */
function responseFormatRefusal(body: ChatBody): Refusal | null {
  const format = body.response_format;
  if (!given(format)) return null;
  if (!isObject(format)) return invalidType("response_format", "an object", format);
  if (format.type === undefined) return missing("response_format.type");
  if (typeof format.type !== "string" || !RESPONSE_FORMATS.includes(format.type)) {
    return invalidValue("response_format.type", format.type, RESPONSE_FORMATS);
  }
  if (format.type !== "json_schema") return null;
  const jsonSchema = format.json_schema;
  if (jsonSchema === undefined) return missing("response_format.json_schema");
  if (!isObject(jsonSchema)) return invalidType("response_format.json_schema", "an object", jsonSchema);
  if (jsonSchema.name === undefined) return missing("response_format.json_schema.name");
  if (jsonSchema.strict === true && isObject(jsonSchema.schema)) {
    const problem = strictSchemaProblem(jsonSchema.schema);
    if (problem) {
      return {
        message: `Invalid schema for response_format '${String(jsonSchema.name)}': ${problem}`,
        code: null,
        param: "response_format",
      };
    }
  }
  return null;
}

/**
 * The two structured-output rules the real API enforces on a strict schema,
 * with the place it names ("In context=('properties', 'address')"): every
 * object sets additionalProperties to false, and lists every property in
 * required.
 */
function strictSchemaProblem(schema: JsonSchema, path: string[] = [], root = schema, depth = 0): string | null {
  if (depth > 16) return null;
  const context = `In context=(${path.map((part) => `'${part}'`).join(", ")})`;
  const isObjectSchema = schema.type === "object" || (Array.isArray(schema.type) && schema.type.includes("object"));
  if (isObjectSchema) {
    if (schema.additionalProperties !== false) {
      return `${context}, 'additionalProperties' is required to be supplied and to be false.`;
    }
    const properties = isObject(schema.properties) ? Object.keys(schema.properties) : [];
    const required = Array.isArray(schema.required) ? (schema.required as unknown[]) : [];
    const unlisted = properties.find((name) => !required.includes(name));
    if (unlisted !== undefined) {
      return `${context}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${unlisted}'.`;
    }
  }
  const children: [string[], unknown][] = [
    ...Object.entries(isObject(schema.properties) ? schema.properties : {}).map(
      ([name, child]): [string[], unknown] => [["properties", name], child],
    ),
    [["items"], schema.items],
    ...(["anyOf", "oneOf", "allOf"] as const).flatMap((key) =>
      Array.isArray(schema[key])
        ? (schema[key] as unknown[]).map((child, index): [string[], unknown] => [[key, String(index)], child])
        : [],
    ),
    ...(["$defs", "definitions"] as const).flatMap((key) =>
      Object.entries(isObject(schema[key]) ? (schema[key] as Record<string, unknown>) : {}).map(
        ([name, child]): [string[], unknown] => [[key, name], child],
      ),
    ),
  ];
  for (const [step, child] of children) {
    if (!isObject(child)) continue;
    const problem = strictSchemaProblem(child, [...path, ...step], root, depth + 1);
    if (problem) return problem;
  }
  return null;
}

/**
 * What the real API answers a reasoning model's request with settings it does
 * not take (the errors' exact words, as the API sends them): max_tokens, top_p
 * the penalties and logprobs are refused whatever their value, temperature
 * unless it is the default 1, stop sequences by o3 and the gpt-5 family.
 */
function reasoningRefusal(body: ChatBody): Refusal | null {
  if (!REASONING_MODELS.has(body.model ?? "")) return null;
  if (body.max_tokens !== undefined) {
    return {
      message:
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      code: "unsupported_parameter",
      param: "max_tokens",
    };
  }
  if (body.temperature !== undefined && body.temperature !== 1) {
    return {
      message: `Unsupported value: 'temperature' does not support ${body.temperature} with this model. Only the default (1) value is supported.`,
      code: "unsupported_value",
      param: "temperature",
    };
  }
  const refused = ["top_p", "frequency_penalty", "presence_penalty", "logprobs"] as const;
  for (const param of [...refused, ...(REFUSE_STOP.has(body.model ?? "") ? (["stop"] as const) : [])]) {
    if (body[param] !== undefined) {
      return {
        message: `Unsupported parameter: '${param}' is not supported with this model.`,
        code: "unsupported_parameter",
        param,
      };
    }
  }
  return null;
}

/** "'low', 'medium', and 'high'", as the API lists supported values. */
function quotedList(values: string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  return quoted.length < 3 ? quoted.join(" and ") : `${quoted.slice(0, -1).join(", ")}, and ${quoted.at(-1)}`;
}

/**
 * What the real API answers a reasoning_effort with (its exact words): a
 * model that is not a reasoning model does not know the argument at all; a
 * value the API does not know is invalid; one it knows but this model does not
 * take is unsupported. A null is the same as leaving it out.
 */
function effortRefusal(body: ChatBody): Refusal | null {
  const effort = body.reasoning_effort;
  if (effort === undefined || effort === null) return null;
  const supported = EFFORTS_OF[body.model ?? ""];
  if (!supported) {
    return { message: "Unrecognized request argument supplied: reasoning_effort", code: null, param: null };
  }
  if (typeof effort !== "string" || !KNOWN_EFFORTS.includes(effort)) {
    return {
      message: `Invalid value: '${String(effort)}'. Supported values are: ${quotedList(KNOWN_EFFORTS)}.`,
      code: "invalid_value",
      param: "reasoning_effort",
    };
  }
  if (!supported.includes(effort)) {
    return {
      message: `Unsupported value: 'reasoning_effort' does not support '${effort}' with this model. Supported values are: ${quotedList(supported)}.`,
      code: "unsupported_value",
      param: "reasoning_effort",
    };
  }
  return null;
}

/**
 * The conversation's tool rounds, as the real API checks them (typo
 * "preceeding" and all): a tool message answers an assistant message with
 * tool_calls, right after it, by one of its ids, and every id is answered
 * before the conversation goes on. Note the "messages.[i]" params: the API
 * writes these with a dot before the bracket.
 */
function toolMessagesRefusal(body: ChatBody): Refusal | null {
  const messages = body.messages as ChatMessage[];
  let asked: string[] = [];
  let unanswered: string[] = [];
  for (const [index, message] of messages.entries()) {
    if (message.role === "tool") {
      if (asked.length === 0) {
        return {
          message:
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          code: null,
          param: `messages.[${index}].role`,
        };
      }
      if (!asked.includes(String(message.tool_call_id))) {
        return {
          message: `Invalid parameter: 'tool_call_id' of '${String(message.tool_call_id)}' not found in 'tool_calls' of previous message.`,
          code: null,
          param: `messages.[${index}].tool_call_id`,
        };
      }
      unanswered = unanswered.filter((id) => id !== message.tool_call_id);
      continue;
    }
    if (unanswered.length > 0) return unansweredCalls(unanswered, `messages.[${index}].role`);
    asked = message.role === "assistant" ? (message.tool_calls ?? []).map((call) => String(call.id)) : [];
    unanswered = asked;
  }
  return unanswered.length > 0 ? unansweredCalls(unanswered, "messages") : null;
}

function unansweredCalls(ids: string[], param: string): Refusal {
  return {
    message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${ids.join(", ")}`,
    code: null,
    param,
  };
}

/**
 * A message's content may be left out or null only where the assistant says
 * something else instead (tool calls, a refusal). The API checks this last,
 * in a sentence of its own.
 */
function contentRefusal(body: ChatBody): Refusal | null {
  for (const [index, message] of (body.messages as ChatMessage[]).entries()) {
    if (given(message.content)) continue;
    const saysOtherwise =
      message.role === "assistant" &&
      (Array.isArray(message.tool_calls) ||
        typeof message.refusal === "string" ||
        isObject(message.function_call) ||
        isObject(message.audio));
    if (!saysOtherwise) {
      return {
        message: "Invalid value for 'content': expected a string, got null.",
        code: null,
        param: `messages.[${index}].content`,
      };
    }
  }
  return null;
}

/** JSON mode needs the word "json" somewhere in the messages, in any case. */
function jsonModeRefusal(body: ChatBody): Refusal | null {
  if ((body.response_format as { type?: unknown } | undefined)?.type !== "json_object") return null;
  const said = (body.messages as ChatMessage[]).map((message) => textOf(message.content)).join("\n");
  if (/json/i.test(said)) return null;
  return {
    message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
    code: null,
    param: "messages",
  };
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** The text of a message's content: a string, or its text parts (images and audio carry none). */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part) => (isObject(part) && "text" in part ? String(part.text) : "")).join("");
  }
  return "";
}

/** What a message puts in the prompt, for counting tokens: its text and any tool calls it made. */
function promptTextOf(message: ChatMessage): string {
  const calls = (message.tool_calls ?? []).map((call) => JSON.stringify(call)).join("");
  return textOf(message.content) + calls;
}

function rateLimited(res: http.ServerResponse) {
  res.setHeader("retry-after", "20");
  res.setHeader("x-ratelimit-reset-requests", "20s");
  sendError(res, 429, "Rate limit reached for requests. Please try again in 20s.", "requests", "rate_limit_exceeded");
}

const INVALID_JSON = Symbol("invalid json");

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
  } catch {
    return INVALID_JSON;
  }
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(payload));
}

function refuse(res: http.ServerResponse, refusal: Refusal) {
  sendError(res, 400, refusal.message, "invalid_request_error", refusal.code, refusal.param);
}

function sendError(
  res: http.ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
) {
  sendJson(res, status, { error: { message, type, param, code } });
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
