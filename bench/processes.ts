// The processes a benchmark run starts, each on its own so its CPU time and memory are its own.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");

export type Started = { pid: number; url: string; logs: () => string; stop: () => Promise<void> };

/**
 * Spawns `node args…` and waits for a line matching `ready` (its first group,
 * if any, is the URL it listens on). Fails with the process's output if it
 * exits or stays silent past `timeoutMs`.
 */
export async function startProcess(
  args: string[],
  options: { env?: Record<string, string>; ready: RegExp; timeoutMs?: number },
): Promise<Started> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no "${options.ready}" within ${options.timeoutMs ?? 60_000} ms`), options.timeoutMs ?? 60_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${args.join(" ")}: ${why}\n${output.join("")}`));
    };
    const read = (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = options.ready.exec(output.join(""));
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? "");
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.once("exit", (code) => fail(`exited with ${code}`));
  });
  child.removeAllListeners("exit");
  return { pid: child.pid!, url, logs: () => output.join(""), stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Clock ticks per second of /proc's CPU times (Linux's USER_HZ). */
const TICKS_PER_SECOND = 100;

/** A process's CPU time so far (user and system), in seconds, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at the state, field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** A process's resident memory now, in bytes. */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}
