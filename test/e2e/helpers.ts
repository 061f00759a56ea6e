// Shared by the end-to-end suites: waiting on real processes, reading side-effect files.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import {
  api,
  bootstrapTenant,
  ROOT,
  startControlPlane,
  stopProcess,
  type Api,
  type ControlPlaneProcess,
  type RunnerProcess,
} from "../../scripts/lib/stack.mjs";

export function linesOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** Waits for a condition driven by real processes, checking often, failing loudly at the deadline. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const FINAL = ["succeeded", "failed", "escalated", "cancelled"];

export function finished(client: Api, id: string, timeoutMs = 60_000): Promise<any> {
  return until(
    `task ${id} to finish`,
    async () => {
      const t = (await client<{ task: any }>("GET", `/v1/tasks/${id}`)).task;
      return FINAL.includes(t.state) ? t : undefined;
    },
    timeoutMs,
  );
}

/** Each step's line appears exactly once, in order. */
export function expectEachStepOnce(file: string, steps: number): string[] {
  const lines = linesOf(file);
  expect(lines.map((l) => l.split(" ")[0])).toEqual(Array.from({ length: steps }, (_, i) => `step=${i}`));
  return lines;
}

export interface Stack {
  dir: string;
  cp: ControlPlaneProcess;
  submit: Api;
  admin: Api;
  /** The tenant's admin key itself (the dashboard test signs in with it). */
  adminKey: string;
  runnerKey: string;
  /** Runners started by the tests; all are stopped after the file. */
  runners: RunnerProcess[];
}

/** A control plane under wrangler dev with one tenant, for the whole test file. */
export function useStack(label: string): Stack {
  const s = { runners: [] as RunnerProcess[] } as Stack;
  const token = `e2e-${label}-operator`;
  beforeAll(async () => {
    s.dir = mkdtempSync(join(tmpdir(), `officeos-${label}-`));
    // Agents run as "nobody" under a root runner (issue #7); these suites' agents write
    // their side-effect files here. (test/e2e/security.test.ts keeps its runner's files private.)
    chmodSync(s.dir, 0o777);
    s.cp = await startControlPlane({ persistTo: join(s.dir, "state"), adminToken: token });
    const t = await bootstrapTenant(s.cp.url, token, label);
    s.submit = api(s.cp.url, t.submitKey);
    s.admin = api(s.cp.url, t.adminKey);
    s.adminKey = t.adminKey;
    s.runnerKey = t.runnerKey;
  });
  afterAll(async () => {
    await Promise.all(s.runners.splice(0).map((r) => r.stop()));
    await s.cp?.stop();
    if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  });
  return s;
}

/**
 * `npm start`'s second half (scripts/start.mjs: `npm test` has built already) with `env`, resolved once it
 * prints its banner; `output()` is everything it printed so far. Stopped again if it never gets there.
 */
export async function startNpmStart(
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, "scripts/start.mjs")], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`npm start printed no banner:\n${out}`)), timeoutMs);
      child.stdout.on(
        "data",
        (d: Buffer) => ((out += d.toString()), out.includes("Ctrl-C") && (clearTimeout(t), resolve())),
      );
      child.once("exit", (code) => (clearTimeout(t), reject(new Error(`npm start exited with ${code}:\n${out}`))));
    });
  } catch (e) {
    await stopProcess(child);
    throw e;
  }
  return { child, output: () => out };
}
