// Finds and starts Google's Firestore emulator, waits until it answers, and
// stops it (saving its data first when asked). See docs/decisions/002.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, renameSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const JAR_NAME = "cloud-firestore-emulator.jar";
const MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore";
const EXPORT_NAME = "firestore_export";
const GCLOUD_DIRS = [
  "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator",
  "/usr/share/google-cloud-sdk/platform/cloud-firestore-emulator",
  "/opt/google-cloud-sdk/platform/cloud-firestore-emulator",
];

export type Emulator = {
  host: string;
  /** Writes every project's data to the data directory, replacing the previous snapshot. */
  save: () => Promise<void>;
  stop: () => Promise<void>;
  /** Freezes the emulator's process (SIGSTOP), as a database that stops answering; `resume` thaws it. */
  pause: () => void;
  resume: () => void;
};

type Launch = {
  command: string;
  args: (port: number, host: string) => string[];
  describe: string;
  /** The Firebase CLI takes its port from firebase.json, not from us. */
  fixedPort?: number;
};

/** FIRESTORE_EMULATOR_JAR, then the gcloud install, then the Firebase CLI. */
export function findEmulator(env = process.env): Launch {
  const explicit = env.FIRESTORE_EMULATOR_JAR;
  const candidates = explicit ? [explicit] : GCLOUD_DIRS.map((dir) => path.join(dir, JAR_NAME));
  const gcloudRoot = !explicit && gcloudSdkRoot();
  if (gcloudRoot) candidates.push(path.join(gcloudRoot, "platform/cloud-firestore-emulator", JAR_NAME));
  const jar = candidates.find((candidate) => existsSync(candidate));
  if (explicit && !jar) throw new Error(`FIRESTORE_EMULATOR_JAR points at ${explicit}, which does not exist.`);
  if (jar) {
    // The jar has no Main-Class, so it is started by class name, as gcloud's own script does.
    return {
      command: env.JAVA ?? "java",
      args: (port, host) => ["-Duser.language=en", "-cp", jar, MAIN_CLASS, "start", `--host=${host}`, `--port=${port}`],
      describe: jar,
    };
  }
  if (commandExists("firebase")) {
    return {
      command: "firebase",
      args: () => ["emulators:start", "--only", "firestore", "--project", "demo-assistant-lab"],
      describe: "firebase emulators:start",
      fixedPort: firebaseJsonPort(),
    };
  }
  throw new Error(
    [
      "No Firestore emulator found. Install one of:",
      "  - Debian/Ubuntu: apt-get install google-cloud-cli-firestore-emulator (needs Java 11+)",
      "  - gcloud: gcloud components install cloud-firestore-emulator",
      "  - the Firebase CLI (npm i -g firebase-tools) with Java 21+",
      "or set FIRESTORE_EMULATOR_JAR to the emulator's jar, or FIRESTORE_EMULATOR_HOST to a running emulator.",
    ].join("\n"),
  );
}

function firebaseJsonPort(): number {
  const config = JSON.parse(readFileSync(path.join(root, "firebase.json"), "utf8")) as {
    emulators?: { firestore?: { port?: number } };
  };
  return config.emulators?.firestore?.port ?? 8080;
}

function gcloudSdkRoot(): string | undefined {
  if (!commandExists("gcloud")) return undefined;
  const result = spawnSync("gcloud", ["info", "--format=value(installation.sdk_root)"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() || undefined : undefined;
}

function commandExists(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

export async function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(null));
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : null));
      });
    });
  return (preferred !== undefined && (await tryPort(preferred))) || (await tryPort(0))!;
}

export async function startEmulator(
  options: {
    port?: number;
    host?: string;
    /** Where `save` keeps a snapshot of `project`, loaded again at the next start. */
    dataDir?: string;
    project?: string;
    log?: (line: string) => void;
  } = {},
): Promise<Emulator> {
  const hostName = options.host ?? "127.0.0.1";
  const launch = findEmulator();
  const port = launch.fixedPort ?? (await freePort(options.port ?? 8080));
  const args = launch.args(port, hostName);
  const snapshot = options.dataDir && path.join(options.dataDir, EXPORT_NAME, `${EXPORT_NAME}.overall_export_metadata`);
  if (snapshot && existsSync(snapshot) && launch.command !== "firebase") args.push(`--import-data=${snapshot}`);

  const child = spawn(launch.command, args, { stdio: ["ignore", "pipe", "pipe"], detached: false });
  const output: string[] = [];
  const record = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) {
      output.push(line);
      options.log?.(line);
    }
  };
  child.stdout?.on("data", record);
  child.stderr?.on("data", record);

  const host = `${hostName}:${port}`;
  await waitUntilReady(host, child, output);
  return {
    host,
    save: async () => {
      if (options.dataDir && options.project) await exportData(host, options.dataDir, options.project);
    },
    stop: () => stopChild(child),
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
  };
}

async function waitUntilReady(host: string, child: ChildProcess, output: string[], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`The Firestore emulator exited with code ${child.exitCode}:\n${output.slice(-20).join("\n")}`);
    }
    try {
      const response = await fetch(`http://${host}/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill("SIGKILL");
  throw new Error(`The Firestore emulator did not answer on ${host} within ${timeoutMs / 1000} s.`);
}

/** The snapshot is written beside the old one and swapped in whole, so a crash mid-export loses nothing. */
async function exportData(host: string, dataDir: string, project: string): Promise<void> {
  const staging = path.join(dataDir, ".staging");
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const response = await fetch(`http://${host}/emulator/v1/projects/${project}:export`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      database: `projects/${project}/databases/(default)`,
      export_directory: staging,
      export_name: EXPORT_NAME,
    }),
  });
  if (!response.ok) throw new Error(`Emulator export failed: ${response.status} ${await response.text()}`);
  rmSync(path.join(dataDir, EXPORT_NAME), { recursive: true, force: true });
  renameSync(path.join(staging, EXPORT_NAME), path.join(dataDir, EXPORT_NAME));
  rmSync(staging, { recursive: true, force: true });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

if (import.meta.main) {
  const emulator = await startEmulator({ port: Number(process.env.FIRESTORE_EMULATOR_PORT ?? 8080) });
  console.log(`Firestore emulator ready: export FIRESTORE_EMULATOR_HOST=${emulator.host}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void emulator.stop().then(() => process.exit(0)));
  }
}
