// Spawns the production server (`node scripts/server.ts`, on the build that
// `npm test` made) as a separate process and keeps everything it prints.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "../../scripts/emulator";

const root = path.resolve(import.meta.dirname, "../..");

export type AppServer = { url: string; pid: number; logs: () => string; stop: () => Promise<void> };

export const TEST_SECRETS = {
  SESSION_SECRETS: "spawned-session-secret-0123456789abcdef",
  USER_HASH_SECRET: "spawned-user-hash-secret-0123456789abcdef",
  ENCRYPTION_SECRET: "spawned-encryption-secret-0123456789abcdef",
};

/** This test process's own secrets: a server started with them opens the people and transcripts made here. */
export function thisProcessSecrets(): Record<string, string> {
  return Object.fromEntries(
    ["SESSION_SECRETS", "USER_HASH_SECRET", "ENCRYPTION_SECRET"].map((name) => [name, process.env[name]!]),
  );
}

export async function startAppServer(env: Record<string, string>): Promise<AppServer> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, ["scripts/server.ts"], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", ...TEST_SECRETS, ...env, PORT: String(port) } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  await waitForListening(child, output);
  return { url: `http://localhost:${port}`, pid: child.pid!, logs: () => output.join(""), stop: () => stop(child) };
}

/** Runs the server expecting it to refuse to start; resolves with its exit code and output. */
export async function runFailingServer(env: Record<string, string | undefined>) {
  const merged = { ...process.env, NODE_ENV: "production", ...env } as NodeJS.ProcessEnv;
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, ["scripts/server.ts"], {
    cwd: root,
    env: { ...merged, PORT: String(await freePort()) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, output: output.join("") };
}

async function waitForListening(child: ChildProcess, output: string[], timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!output.join("").includes("listening on")) {
    if (child.exitCode !== null) throw new Error(`The server exited early:\n${output.join("")}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`The server did not start:\n${output.join("")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stop(child: ChildProcess): Promise<void> {
  // Gone already: exited, or killed by a signal (a test that crashes it on purpose).
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
