// `npm start` (scripts/start.mjs, after the build `npm test` already ran):
// serves /healthz, registers a ready local runner, runs a task, stops cleanly;
// no secret on any command line, its state private (0700 directories, 0600 files).
import { spawn } from "node:child_process";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { api, freePort, ROOT, stopProcess } from "../../scripts/lib/stack.mjs";
import { startNpmStart, until } from "./helpers.js";

/** Every process's command line that can be read, as text. */
function cmdlines(): { pid: string; text: string }[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        return [{ pid, text: readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ") }];
      } catch {
        return [];
      }
    });
}

/** Paths below `dir` whose mode is wider than 0700 (directories) or 0600 (files); links are not followed. */
function tooOpen(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    // The runtime API's socket is 0666 in the runner's 0700 state dir: only a sandbox it is bound into reaches it.
    if (st.isSocket() && p.endsWith("/runtime.sock")) return;
    if ((st.mode & 0o077) !== 0) out.push(`${(st.mode & 0o777).toString(8)} ${p}`);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
  return out;
}

const home = mkdtempSync(join(tmpdir(), "officeos-start-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

it("npm start serves /healthz and shows the local runner ready", async () => {
  const port = await freePort();
  const started = await startNpmStart({ ...process.env, OFFICEOS_PORT: String(port), OFFICEOS_HOME: home }, 90_000);
  const { child } = started;
  try {
    const out = started.output();
    expect(out).toMatch(/local runner\s+run_[0-9a-f]+ ready/);
    expect(out).toContain(`http://127.0.0.1:${port}`);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);

    const creds = JSON.parse(readFileSync(join(home, "dev.json"), "utf8"));
    expect(out).toContain(creds.submitKey);
    const { runners } = await api(`http://127.0.0.1:${port}`, creds.adminKey)<{
      runners: { name: string; state: string }[];
    }>("GET", "/v1/runners");
    expect(runners.filter((r) => r.state === "ready").map((r) => r.name)).toEqual(["local-runner"]);

    const submit = api(`http://127.0.0.1:${port}`, creds.submitKey);
    const { task } = await submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "echo",
      input: { hello: "world" },
    });
    const done = await until("the echo task to succeed", async () => {
      const t = (await submit<{ task: { state: string; result?: unknown } }>("GET", `/v1/tasks/${task.id}`)).task;
      return t.state === "succeeded" ? t : undefined;
    });
    expect(done.result).toEqual({ echo: { hello: "world" } });

    // No secret on any command line (every local user can read them), with the control plane and runner up.
    const secrets = [creds.adminToken, creds.adminKey, creds.submitKey, creds.runnerKey] as string[];
    expect(secrets.every((x) => typeof x === "string" && x.length >= 16)).toBe(true);
    expect(cmdlines().filter((c) => secrets.some((x) => c.text.includes(x)))).toEqual([]);
    // The home, its state, the credentials and the runner config: 0700 and 0600. The runner's work root
    // is 0711 by design (each task dir in it is 0700 and owned by that task's agent user): the runner's own tests check it.
    expect(tooOpen(home).filter((p) => !p.endsWith(join(home, "local-runner-work")))).toEqual([]);
    expect(lstatSync(home).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(home, "state")).length).toBeGreaterThan(0);
    expect(lstatSync(join(home, "local-runner.json")).mode & 0o777).toBe(0o600);
  } finally {
    await stopProcess(child);
  }
  expect(child.exitCode).toBe(0);
});

it("npm start with its port taken exits 1, says so, and leaves no process behind", async () => {
  const { createServer } = await import("node:net");
  const squatter = createServer();
  const port = await freePort();
  await new Promise<void>((r) => squatter.listen(port, "127.0.0.1", () => r()));
  try {
    const child = spawn(process.execPath, [join(ROOT, "scripts/start.mjs")], {
      cwd: ROOT,
      env: {
        ...process.env,
        OFFICEOS_PORT: String(port),
        OFFICEOS_HOME: mkdtempSync(join(tmpdir(), "officeos-busy-")),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(1);
    expect(err).toBe(
      `npm start: port ${port} on 127.0.0.1 is already in use (another npm start?). Stop it, or choose another: OFFICEOS_PORT=8788 npm start\n`,
    );
    expect(cmdlines().filter((p) => p.text.includes(`--port ${port}`))).toEqual([]);
  } finally {
    squatter.close();
  }
});
