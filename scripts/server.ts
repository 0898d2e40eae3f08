// The HTTP server: Express in front of the Remix request handler. Run by Node
// directly (type stripping), so it imports packages and .ts files by path only.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import compression from "compression";
import cors from "cors";
import express from "express";
import morgan from "morgan";
import { isApiPath } from "../app/utils/api-paths.ts";
import { bodyLimitFor, tooLargeMessage } from "../app/utils/body-limits.ts";
import { getEnv } from "../app/utils/env.server.ts";
import { openAiErrorBody, unknownUrlBody } from "../app/utils/openai-error.ts";
import { contentSecurityPolicy, DEV_HMR_PORT, type ServerMode } from "./content-security-policy.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export type RunningServer = {
  url: string;
  close: () => Promise<void>;
  /**
   * Stops taking connections, lets requests in flight (replies being streamed
   * among them) finish for up to the grace period, then cuts the replies still
   * streaming, which saves what they have, and ends once they are saved.
   */
  shutDown: () => Promise<void>;
};

/** After the grace period, how long cut replies get to be saved before the connections are closed anyway. */
const SAVE_AFTER_CUT_MS = 15_000;

export async function startServer(options: { mode?: ServerMode; port?: number } = {}) {
  const env = getEnv();
  const mode = options.mode ?? (env.NODE_ENV === "production" ? "production" : "development");
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", env.TRUST_PROXY_HOPS);
  // Method, path, status and timing only: no bodies, headers or cookies, where keys live. First, so
  // that what the middleware below refuses is logged too.
  app.use(morgan(":method :url :status :res[content-length] - :response-time ms"));
  app.use(securityHeaders(mode));
  // Before the origin check: preflights are answered here, and /v1 is exempt from that check anyway.
  app.use(forApi(apiCors(env.API_CORS_ORIGINS)));
  app.use(forApi(noDataRequests));
  app.use(sameOriginForms);
  app.use(declaredBodyLimit);
  // Event streams must reach the browser as they are written; compression buffers.
  app.use(compression({ filter: (req, res) => !isEventStream(res) && compression.filter(req, res) }));
  const build = mode === "production" ? await productionBuild(app) : await developmentBuild(app);
  // Aborted when the server shuts down: replies still streaming then are cut and saved.
  const shuttingDown = new AbortController();
  app.all(
    "*",
    privateByDefault,
    // Remix's handler catches its own failures and hands them to `next`: no promise is left unhandled.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    createRequestHandler({
      build,
      mode,
      getLoadContext: (req, res): AppLoadContext => ({
        clientAddress: req.ip,
        cspNonce: res.locals.cspNonce,
        shutdownSignal: shuttingDown.signal,
      }),
    }),
  );
  app.use(oneLineErrors);

  const server = app.listen(options.port ?? env.PORT);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  // Once the last connection is gone, nothing will ask the app's background work (the showcase's listener) again.
  const closed = new Promise<void>((resolve) => server.once("close", () => resolve())).then(() =>
    stopBackgroundWork(build),
  );
  const close = () => {
    if (server.listening) server.close();
    server.closeIdleConnections();
    return closed;
  };
  const shutDown = async () => {
    void close();
    // Connections that finish a request while we wait go idle; close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 250);
    try {
      if (!(await settlesWithin(closed, env.SHUTDOWN_GRACE_SECONDS * 1000))) {
        shuttingDown.abort();
        if (!(await settlesWithin(closed, SAVE_AFTER_CUT_MS))) server.closeAllConnections();
      }
    } finally {
      clearInterval(sweep);
    }
  };
  return { url: `http://localhost:${port}`, close, shutDown } satisfies RunningServer;
}

/** The app's `stopBackgroundWork` (app/entry.server.tsx), reached through the build it runs: its own module instance. */
async function stopBackgroundWork(build: ServerBuild | (() => Promise<ServerBuild>)) {
  try {
    const entry = (typeof build === "function" ? await build() : build).entry.module as {
      stopBackgroundWork?: () => void;
    };
    entry.stopBackgroundWork?.();
  } catch (error) {
    console.error(`Stopping the app's background work failed: ${error instanceof Error ? error.message : error}`);
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isEventStream(res: express.Response): boolean {
  return String(res.getHeader("Content-Type") ?? "").startsWith("text/event-stream");
}

/**
 * Every response gets its own CSP nonce (16 random bytes): only the scripts the
 * app renders with it run. The nonce reaches Remix as `context.cspNonce`.
 */
function securityHeaders(mode: ServerMode) {
  return (_req: express.Request, res: express.Response, next: express.NextFunction) => {
    const nonce = randomBytes(16).toString("base64");
    res.locals.cspNonce = nonce;
    res.setHeader("Content-Security-Policy", contentSecurityPolicy(nonce, mode));
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "same-origin");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    next();
  };
}

/**
 * Pages, data requests, downloads and event streams can show a person's
 * transcripts, titles and spending, so no cache (the browser's, a proxy's) may
 * keep them. Mounted after the static files, which keep their long caching; a
 * response that sets its own Cache-Control (the route manifest, /healthz) keeps
 * it. Set just before the headers go out, because the Remix adapter appends
 * headers: one set earlier would be sent twice next to a route's own.
 */
function privateByDefault(_req: express.Request, res: express.Response, next: express.NextFunction) {
  const writeHead = res.writeHead as (...args: unknown[]) => express.Response;
  res.writeHead = ((...args: unknown[]) => {
    if (!res.hasHeader("Cache-Control")) res.setHeader("Cache-Control", "private, no-store");
    return writeHead.apply(res, args);
  }) as typeof res.writeHead;
  next();
}

/** Headers a browser page may read from an API response, beyond the few CORS always lets through. */
const API_EXPOSED_HEADERS = [
  "X-Session-Id",
  "X-Assistant-Lab-Note",
  "X-Assistant-Lab-Warning",
  "Retry-After",
  "Idempotent-Replayed",
];

/**
 * CORS for the OpenAI-compatible API, so that pages on other sites can call it
 * with a key they hold (docs/decisions/021). Safe for any origin because /v1
 * takes only a bearer key, never the session cookie, and never allows
 * credentials. The request headers asked for are allowed as asked: the openai
 * SDK adds `x-stainless-*` headers from release to release, and a page cannot
 * add a credential the browser would otherwise attach. Every OPTIONS under
 * /v1 is answered here with 204, so none reaches Remix.
 */
function apiCors(origins: string[]) {
  return cors({
    origin: origins.includes("*") ? "*" : origins,
    methods: ["GET", "POST"],
    exposedHeaders: API_EXPOSED_HEADERS,
    // Chromium's ceiling; a preflight only lets a request be sent, each response still needs its own allowed origin.
    maxAge: 7200,
    credentials: false,
  });
}

/** A middleware for /v1 alone, by the path Remix routes (see `routedPath`). */
function forApi(middleware: express.RequestHandler): express.RequestHandler {
  return (req, res, next) => (isApiPath(routedPath(req)) ? middleware(req, res, next) : next());
}

/**
 * Remix answers `<path>.data` with its own data format (single fetch), running
 * the root loader, which reads the session cookie, beside the route's. The API
 * has no such URLs: they are unknown, like any other.
 */
function noDataRequests(req: express.Request, res: express.Response, next: express.NextFunction) {
  const pathname = routedPath(req);
  if (!pathname.endsWith(".data")) return next();
  res.status(404).json(unknownUrlBody(req.method, pathname));
}

/**
 * Browsers send Origin with every POST. A form posted from another site (login
 * CSRF: signing someone in with the attacker's key) is refused; API clients,
 * which send no Origin, are not affected. /v1 is exempt: it never reads the
 * cookie, so a cross-site call can only use a key its page already holds. Its
 * path is taken as Remix will route it (dot segments resolved), so no path
 * that reaches a cookie-reading route escapes the check.
 */
function sameOriginForms(req: express.Request, res: express.Response, next: express.NextFunction) {
  const origin = req.get("Origin");
  if (req.method === "GET" || req.method === "HEAD" || !origin) return next();
  if (isApiPath(routedPath(req))) return next();
  const host =
    req.get("X-Forwarded-Host") && req.app.get("trust proxy") ? req.get("X-Forwarded-Host") : req.get("Host");
  let originHost: string | null = null;
  try {
    originHost = new URL(origin).host;
  } catch {
    // "null" and other opaque origins
  }
  if (originHost !== null && originHost === host) return next();
  res.status(403).type("text/plain").send("Cross-site requests are not accepted.");
}

/**
 * The path Remix routes a request by: its URL's, resolved as a URL ("/v1/../sign-out" is
 * "/sign-out"). Express's own path is the raw one; what decides whether a request is the API's
 * must agree with where Remix sends it.
 */
function routedPath(req: express.Request): string {
  // Built as @remix-run/express builds the request's URL: "//host/v1" stays a path.
  return URL.parse(`http://localhost${req.originalUrl}`)?.pathname ?? req.path;
}

/**
 * A body that says it is larger than its route accepts is refused before the
 * app reads a byte of it (the app itself stops reading a body that grows past
 * the limit without saying so). Node then reads and drops the rest, so the
 * client gets the whole 413 and its connection stays open.
 */
function declaredBodyLimit(req: express.Request, res: express.Response, next: express.NextFunction) {
  const limit = bodyLimitFor(routedPath(req));
  if (Number(req.get("Content-Length") ?? 0) <= limit) return next();
  const message = tooLargeMessage(limit);
  res.status(413);
  if (isApiPath(routedPath(req))) {
    res.json(openAiErrorBody(message, "invalid_request_error", "request_too_large"));
  } else if (req.path.startsWith("/api/")) {
    res.json({ error: { code: "too_large", message } });
  } else {
    res.type("text/plain").send(message);
  }
}

/**
 * What fails before Remix (a path with a malformed escape, a body Express
 * cannot read) is answered with its own status and logged as one line,
 * instead of Express's stack trace.
 */
function oneLineErrors(error: unknown, req: express.Request, res: express.Response, next: express.NextFunction) {
  if (res.headersSent) return next(error);
  const status = Number((error as { status?: unknown }).status) || 500;
  console.error(
    `${req.method} ${req.path.slice(0, 200)}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
  );
  const message = status < 500 ? "That request could not be read." : "Something went wrong on our side.";
  res.status(status);
  // The API answers in OpenAI's shape whatever fails, so its clients raise their own errors.
  if (isApiPath(routedPath(req))) {
    res.json(openAiErrorBody(message, status < 500 ? "invalid_request_error" : "server_error", null));
  } else {
    res.type("text/plain").send(message);
  }
}

async function productionBuild(app: express.Express): Promise<ServerBuild> {
  const client = path.join(root, "build/client");
  app.use("/assets", express.static(path.join(client, "assets"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(client, { maxAge: "1h" }));
  const serverBuild = path.join(root, "build/server/index.js");
  try {
    return (await import(serverBuild)) as ServerBuild;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && String(error).includes(serverBuild)) {
      throw new Error("No production build found: run `npm run build` first.");
    }
    throw error;
  }
}

async function developmentBuild(app: express.Express): Promise<() => Promise<ServerBuild>> {
  const vite = await import("vite");
  // The HMR port is fixed so the development policy can allow exactly it.
  const devServer = await vite.createServer({ root, server: { middlewareMode: true, hmr: { port: DEV_HMR_PORT } } });
  app.use(devServer.middlewares);
  const load = () => devServer.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>;
  await load(); // the app's environment check runs now, not on the first request
  return load;
}

if (import.meta.main) {
  try {
    const server = await startServer();
    console.log(`Assistant Lab is listening on ${server.url}`);
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        console.log(`${signal}: finishing the requests in flight, then stopping.`);
        void server.shutDown().then(() => process.exit(0));
      });
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
