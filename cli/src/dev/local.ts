// `officeos dev`'s I/O: putting the agent's program where its runner can run it (TypeScript and
// JavaScript bundled with esbuild, Python copied), and the local runner process itself.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError, EXIT } from "../errors.js";
import type { AgentPlan } from "./plan.js";

const HERE = dirname(fileURLToPath(import.meta.url));
/** The clone this CLI comes from: cli/dist/officeos.mjs, or cli/src/dev/local.ts under the tests. */
const CLONE = [resolve(HERE, "../.."), resolve(HERE, "../../..")].find((d) =>
  existsSync(join(d, "sdk/typescript/package.json")),
);

/** The runner binary: OFFICEOS_RUNNER_BIN, else the clone's agent-runner/dist (npm run build). */
export function runnerBin(env: Record<string, string | undefined>): string {
  const bin = env.OFFICEOS_RUNNER_BIN ?? (CLONE ? join(CLONE, "agent-runner/dist/officeos-runner.mjs") : undefined);
  if (!bin || !existsSync(bin))
    throw new CliError(
      `the runner (${bin ?? "agent-runner/dist/officeos-runner.mjs"}) is not there`,
      EXIT.usage,
      "run `npm run build` in the OfficeOS clone, or set OFFICEOS_RUNNER_BIN",
    );
  return bin;
}

/** Debian's python3 (a root runner's agent user can reach it; pyenv shims under /root it cannot). */
export const pythonPath = (): string => (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");

/** The SDK the agent's own project has installed, else the clone's source (its workspace link has no build). */
function sdkEntry(file: string): string | undefined {
  try {
    const pkg = realpathSync(dirname(createRequire(file).resolve("@officeos/sdk/package.json")));
    if (!CLONE || pkg !== realpathSync(join(CLONE, "sdk/typescript"))) return undefined;
  } catch {
    /* not installed there */
  }
  return CLONE ? join(CLONE, "sdk/typescript/src/index.ts") : undefined;
}

/**
 * Puts the agent's program into `dir` (0755, files 0644: under a root runner the agent runs as an
 * unprivileged uid and the sandbox shows it only its program's directory) and answers its path.
 * TypeScript and JavaScript: one ESM bundle with every dependency in it; Python: the script copied
 * (as root; not root, it runs where it is); anything else: as it is.
 */
export async function placeProgram(plan: AgentPlan, dir: string, root: boolean): Promise<string> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  if (plan.kind === "typescript" || plan.kind === "javascript") {
    type Esbuild = typeof import("esbuild");
    let esbuild: Esbuild;
    try {
      esbuild = (await import("esbuild")) as Esbuild;
    } catch {
      throw new CliError(
        `${basename(plan.file)} needs esbuild to run (it bundles the agent with its dependencies)`,
        EXIT.usage,
        "npm install esbuild (it is a dependency of the OfficeOS clone), or compile it yourself and run the .js",
      );
    }
    const out = join(dir, "agent.mjs");
    const sdk = sdkEntry(plan.file);
    try {
      await esbuild.build({
        entryPoints: [plan.file],
        outfile: out,
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        sourcemap: "inline",
        logLevel: "silent",
        ...(sdk ? { alias: { "@officeos/sdk": sdk } } : {}),
        banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
      });
    } catch (e) {
      const errors = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
      const first = errors?.[0];
      throw new CliError(
        `cannot bundle ${plan.file}: ${first ? `${first.location ? `${first.location.file}:${first.location.line}: ` : ""}${first.text}` : (e as Error).message}`,
        EXIT.usage,
      );
    }
    chmodSync(out, 0o644);
    return out;
  }
  if (plan.kind === "python" && root) {
    const out = join(dir, basename(plan.file));
    copyFileSync(plan.file, out);
    chmodSync(out, 0o644);
    return out;
  }
  return plan.file;
}

export interface LogEntry {
  level?: number;
  msg?: string;
  line?: string;
  stream?: string;
  [k: string]: unknown;
}

export interface DevRunner {
  child: ChildProcess;
  lines: LogEntry[];
  /** The first log entry (past or future) that matches; rejects when the runner exits or at the deadline. */
  waitFor(pred: (e: LogEntry) => boolean, timeoutMs: number): Promise<LogEntry>;
  stop(): Promise<void>;
}

/** Writes the config (0600: it holds the runner key) and starts the runner on it. */
export function startDevRunner(
  bin: string,
  configPath: string,
  config: unknown,
  onEntry: (e: LogEntry) => void,
): DevRunner {
  writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  chmodSync(configPath, 0o600);
  const child = spawn(process.execPath, [bin, "--config", configPath], {
    env: { ...process.env, OFFICEOS_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: LogEntry[] = [];
  const waiters = new Set<(e: LogEntry | null) => void>();
  let buf = "";
  const onData = (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const raw = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let e: LogEntry;
      try {
        e = JSON.parse(raw) as LogEntry;
      } catch {
        e = { msg: raw };
      }
      lines.push(e);
      onEntry(e);
      for (const w of [...waiters]) w(e);
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  child.once("exit", () => {
    for (const w of [...waiters]) w(null);
  });
  const waitFor = (pred: (e: LogEntry) => boolean, timeoutMs: number) =>
    new Promise<LogEntry>((res, rej) => {
      const seen = lines.find(pred);
      if (seen) return res(seen);
      if (child.exitCode !== null || child.signalCode !== null)
        return rej(new Error(`the runner exited with ${child.exitCode ?? child.signalCode}`));
      const w = (e: LogEntry | null) => {
        if (e && !pred(e)) return;
        waiters.delete(w);
        clearTimeout(t);
        if (e) res(e);
        else rej(new Error(`the runner exited with ${child.exitCode ?? child.signalCode}`));
      };
      const t = setTimeout(() => {
        waiters.delete(w);
        rej(new Error(`the runner did not get ready within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      waiters.add(w);
    });
  const stop = () =>
    new Promise<void>((res) => {
      if (child.exitCode !== null || child.signalCode !== null) return res();
      const t = setTimeout(() => child.kill("SIGKILL"), 15_000);
      child.once("exit", () => (clearTimeout(t), res()));
      child.kill("SIGTERM");
    });
  return { child, lines, waitFor, stop };
}
