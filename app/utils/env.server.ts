import { z } from "zod";
import { INSTRUCTION_ROLES, REASONING_EFFORTS, SAMPLING_SETTINGS, TOKEN_LIMITS } from "../schemas/model-settings.ts";

// Parsed once at boot. This module imports nothing but zod and a module of
// plain constants, by relative path, so that the HTTP server (run by Node
// directly, without a bundler) can share it with the app.

const secret = (name: string) =>
  z
    .string({ error: `${name} is missing` })
    .min(32, `${name} must be at least 32 characters (generate one with: openssl rand -hex 32)`);

const secretList = (name: string) =>
  z
    .string({ error: `${name} is missing` })
    .transform((value) =>
      value
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(z.string().min(32, `each secret in ${name} must be at least 32 characters`)).min(1, `${name} is missing`),
    );

const flag = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");

/** A JSON object in an environment variable, e.g. MODEL_PRICES='{"my-model":{"input":1,"output":2}}'. */
const jsonRecord = <T extends z.ZodType>(name: string, value: T) =>
  z
    .string()
    .default("{}")
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: `${name} must be a JSON object` });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string(), value));

/**
 * Comma-separated web origins (scheme, host and port) allowed to call /v1 from a browser, or `*`
 * for any. An origin written with a trailing slash is taken without it; anything more (a path, a
 * query) is refused, since browsers send only the origin and it could never match.
 */
const originList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) =>
      value
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean)
        .map((text) => {
          if (text === "*") return text;
          const url = URL.parse(text);
          if (url && /^https?:$/.test(url.protocol) && url.href === `${url.origin}/`) return url.origin;
          ctx.addIssue({
            code: "custom",
            message: `${text} is not an origin (scheme, host and port, e.g. https://app.example.com) or *`,
          });
          return text;
        }),
    );

const price = z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() });

/** A partial row of the model table (app/provider/models.ts): only the facts it changes. */
const modelEntry = z
  .object({
    contextWindow: z.number().int().positive(),
    price: price.strict().nullable(),
    tokenLimit: z.enum(TOKEN_LIMITS),
    sampling: z.array(z.enum(SAMPLING_SETTINGS)),
    reasoningEfforts: z.array(z.enum(REASONING_EFFORTS)),
    instructionsRole: z.enum(INSTRUCTION_ROLES),
  })
  .partial()
  .strict();

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // Comma-separated; the first signs and seals new cookies, the rest still open old ones.
  SESSION_SECRETS: secretList("SESSION_SECRETS"),
  // Never rotate: it turns an API key into a user id, so a new one means new users.
  USER_HASH_SECRET: secret("USER_HASH_SECRET"),
  // Mixed with each person's API key to derive the key of their transcripts.
  // Never rotate: transcripts encrypted under the old one could not be read.
  ENCRYPTION_SECRET: secret("ENCRYPTION_SECRET"),
  OPENAI_BASE_URL: z.url().default("https://api.openai.com/v1"),
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  // How long any one Firestore call may take before the request answers 503.
  FIRESTORE_DEADLINE_MS: z.coerce.number().int().positive().default(5_000),
  // On SIGTERM, how long replies being written may go on before they are cut and saved.
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(10),
  SESSION_MAX_AGE_DAYS: z.coerce.number().positive().max(90).default(7),
  COOKIE_SECURE: flag.optional(),
  SIGN_IN_ATTEMPTS: z.coerce.number().int().positive().default(10),
  SIGN_IN_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(15 * 60),
  // Failed sign-ins with one key, from any address, per SIGN_IN_WINDOW_SECONDS.
  SIGN_IN_ATTEMPTS_PER_KEY: z.coerce.number().int().positive().default(10),
  // How many proxies in front of the app may set X-Forwarded-For (0: trust none).
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).default(0),
  // Comma-separated user hashes of people who may showcase bots from the web.
  OPERATOR_USER_HASHES: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  CHAT_TURNS_PER_MINUTE: z.coerce.number().int().positive().default(20),
  // Web origins whose pages may call /v1 (CORS); `*` for any, empty for none. /v1 takes only a bearer key.
  API_CORS_ORIGINS: originList("*"),
  // Model ids (or prefixes) to partial model-table entries, e.g. '{"o3":{"price":{"input":2,"output":8}}}'.
  MODEL_TABLE: jsonRecord("MODEL_TABLE", modelEntry),
  // Older, one-fact forms of MODEL_TABLE, still honoured under it.
  MODEL_CONTEXT_WINDOWS: jsonRecord("MODEL_CONTEXT_WINDOWS", z.number().int().positive()),
  MODEL_PRICES: jsonRecord("MODEL_PRICES", price),
  FIRESTORE_EMULATOR_HOST: z.string().optional(),
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  GCLOUD_PROJECT: z.string().optional(),
});

export type Env = z.infer<typeof envSchema> & { projectId: string; cookieSecure: boolean };

export const LOCAL_PROJECT_ID = "demo-assistant-lab";

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvError";
  }
}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join(".") || "environment"}: ${issue.message}`);
    throw new EnvError(`Invalid environment, the server cannot start:\n${problems.join("\n")}`);
  }
  const env = result.data;
  return {
    ...env,
    projectId: env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT ?? LOCAL_PROJECT_ID,
    cookieSecure: env.COOKIE_SECURE ?? env.NODE_ENV === "production",
  };
}

let cached: Env | undefined;

export function getEnv(): Env {
  cached ??= parseEnv();
  return cached;
}
