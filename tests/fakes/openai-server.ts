// An OpenAI-compatible HTTP server for tests, benchmarks and offline
// development. It speaks the real wire format, and fails on demand:
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
// refuses for them (max_tokens, sampling settings, a reasoning effort they do
// not take), and every other model refuses a reasoning_effort, in the real
// API's words.
//
// By a directive in the last user message of a chat completion:
//   [fake:401] [fake:429] [fake:500]   fail before the reply starts
//   [fake:cut]     stream half the reply, then drop the connection
//   [fake:stall]   stream a little, then go silent
//   [fake:slow]    stream with a long pause between chunks
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { encode } from "gpt-tokenizer";

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
const NON_CHAT_MODELS = ["text-embedding-3-small", "whisper-1", "tts-1", "dall-e-3", "omni-moderation-latest"];

type ChatBody = {
  model?: string;
  messages?: { role: string; content: unknown }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  reasoning_effort?: unknown;
};

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
  if (body === INVALID_JSON) {
    return sendError(res, 400, "We could not parse the JSON body of your request.", "invalid_request_error", null);
  }
  if (!(await authorize(apiKey, res))) return;

  if (req.method === "GET" && url.pathname === "/v1/models") return listModels(apiKey, res);
  if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
    return chatCompletion(body as ChatBody, res, options);
  }
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

async function chatCompletion(body: ChatBody, res: http.ServerResponse, options: FakeProviderOptions) {
  if (!body || !Array.isArray(body.messages) || body.messages.length === 0) {
    return sendError(res, 400, "'messages' is a required property", "invalid_request_error", null, "messages");
  }
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

  const refusal = reasoningRefusal(body) ?? effortRefusal(body);
  if (refusal) return sendError(res, 400, refusal.message, "invalid_request_error", refusal.code, refusal.param);

  const lastUser = [...body.messages].reverse().find((message) => message.role === "user");
  const lastText = textOf(lastUser?.content);
  const directive = /\[fake:(\w+)\]/.exec(lastText)?.[1];
  if (directive === "401") {
    return sendError(res, 401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
  }
  if (directive === "429") return rateLimited(res);
  if (directive === "500") {
    return sendError(res, 500, "The server had an error while processing your request.", "server_error", null);
  }

  const reply = replyFor(lastText);
  const promptTokens = body.messages.reduce((sum, message) => sum + encode(textOf(message.content)).length + 4, 3);
  const limit = body.max_completion_tokens ?? body.max_tokens;
  const pieces = limitTokens(splitIntoPieces(reply), limit);
  const completionTokens = encode(pieces.join("")).length;
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const finishReason = limit !== undefined && pieces.join("") !== reply ? "length" : "stop";
  const id = `chatcmpl-${randomUUID().replaceAll("-", "").slice(0, 24)}`;
  const created = Math.floor(Date.now() / 1000);

  if (!body.stream) {
    return sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model: body.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: pieces.join(""), refusal: null },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
      system_fingerprint: "fp_fake",
    });
  }

  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({
      id,
      object: "chat.completion.chunk",
      created,
      model: body.model,
      system_fingerprint: "fp_fake",
      choices,
      ...extra,
    })}\n\n`;
  const delay = directive === "slow" ? (options.slowChunkDelayMs ?? 400) : (options.chunkDelayMs ?? 15);
  const includeUsage = body.stream_options?.include_usage === true;

  res.write(
    chunk([
      { index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null },
    ]),
  );
  for (const [index, piece] of pieces.entries()) {
    if (res.destroyed) return;
    if (directive === "cut" && index === Math.floor(pieces.length / 2)) {
      res.socket?.destroy();
      return;
    }
    if (directive === "stall" && index === 3) {
      await new Promise((resolve) => res.once("close", resolve));
      return;
    }
    await sleep(delay);
    res.write(chunk([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]));
  }
  res.write(
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }], includeUsage ? { usage: null } : {}),
  );
  if (includeUsage) res.write(chunk([], { usage }));
  res.end("data: [DONE]\n\n");
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

function splitIntoPieces(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [text];
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

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === "object" && "text" in part ? String(part.text) : ""))
      .join("");
  }
  return "";
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

/**
 * What the real API answers a reasoning model's request with settings it does
 * not take (the errors' exact words, as the API sends them): max_tokens, top_p
 * and the penalties are refused whatever their value, temperature unless it is
 * the default 1.
 */
function reasoningRefusal(body: ChatBody): { message: string; code: string; param: string } | null {
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
  for (const param of ["top_p", "frequency_penalty", "presence_penalty"] as const) {
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
function effortRefusal(body: ChatBody): { message: string; code: string | null; param: string | null } | null {
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
