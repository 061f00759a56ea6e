// Starts the pieces of a local OfficeOS: the control plane under `wrangler dev`
// and agent-runner processes. Used by `npm start`, the end-to-end tests and the
// benchmarks, so all three run the same real processes.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const RUNNER_BIN = join(ROOT, "agent-runner/dist/officeos-runner.mjs");
export const EXAMPLES = join(ROOT, "agent-runner/dist/examples");
/** Where the runner's sandbox hides the host (agent-runner/src/sandbox-bwrap.ts). */
const HIDDEN = ["/tmp", "/var/tmp", "/dev/shm", "/home", "/root", "/run", "/var/run"];

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function waitFor(url, timeoutMs, child) {
  const until = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < until) {
    if (child && child.exitCode !== null)
      throw new Error(`process exited with ${child.exitCode} before ${url} answered`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

/** Directories 0700 and files 0600 below `dir`, never following a symlink (state written before this rule). */
export function makePrivate(dir) {
  const walk = (p) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    chmodSync(p, st.isDirectory() ? 0o700 : 0o600);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
}

/**
 * Starts `wrangler dev` with local, persisted Durable Object storage.
 *
 * Secrets (the operator token, `vars`) go through a 0600 env file in a private directory, never the
 * command line, which every local user can read in /proc/<pid>/cmdline. The state directory is 0700
 * and workerd writes it under umask 077: it holds every tenant's data and lease-token secrets.
 */
export async function startControlPlane({ port, persistTo, adminToken, config, vars = {}, log = () => {} } = {}) {
  port ??= await freePort();
  const args = [
    "wrangler",
    "dev",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--inspector-port",
    "0",
    "--log-level",
    "warn",
    "--show-interactive-dev-session=false",
  ];
  if (config) args.push("--config", config);
  if (persistTo) {
    mkdirSync(persistTo, { recursive: true, mode: 0o700 });
    makePrivate(persistTo);
    args.push("--persist-to", persistTo);
  }
  const secrets = { ...(adminToken ? { OFFICEOS_ADMIN_TOKEN: adminToken } : {}), ...vars };
  const secretDir = mkdtempSync(join(tmpdir(), "officeos-cp-"));
  if (Object.keys(secrets).length > 0) {
    const envFile = join(secretDir, ".dev.vars");
    writeFileSync(
      envFile,
      Object.entries(secrets)
        .map(([k, v]) => `${k}=${JSON.stringify(String(v))}\n`)
        .join(""),
      { mode: 0o600 },
    );
    args.push("--env-file", envFile);
  }
  const umask = process.umask(0o077);
  let child;
  try {
    child = spawn("npx", args, {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
  } finally {
    process.umask(umask);
  }
  child.once("exit", () => rmSync(secretDir, { recursive: true, force: true }));
  child.stdout.on("data", (d) => log(d.toString()));
  child.stderr.on("data", (d) => log(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/healthz`, 60_000, child);
  } catch (e) {
    killTree(child, "SIGKILL");
    throw e;
  }
  return { url, port, child, stop: () => stopProcess(child) };
}

/** Writes a runner config file and starts an agent-runner process on it. */
export function startRunner({
  dir,
  name,
  url,
  key,
  capacity = { cpu: 4000, memory_mb: 4096 },
  agents,
  extra = {},
  env = {},
  log = () => {},
}) {
  agents ??= {
    pipeline: { command: [process.execPath, join(EXAMPLES, "pipeline-agent.mjs")] },
    echo: { command: [process.execPath, join(EXAMPLES, "echo-agent.mjs")] },
  };
  // The suites' agents write their side-effect files into `dir` (world-writable, test/e2e/helpers.ts): the
  // sandbox binds it writable, as an operator would name a shared output directory; a private `dir` (npm
  // start's 0700 home) is not bound. A caller that sets sandbox.rw_paths decides.
  const sb = typeof extra.sandbox === "string" ? { mode: extra.sandbox } : (extra.sandbox ?? {});
  const shared = (statSync(dir).mode & 0o002) !== 0;
  // A clone where the sandbox hides the host (/tmp, /home, /root: the runner warns) names itself in
  // ro_paths, as an operator would: the suites' agents use the repo's virtualenv and files.
  const roots = HIDDEN.some((h) => ROOT === h || ROOT.startsWith(`${h}/`)) ? [ROOT] : [];
  const sandbox = { rw_paths: shared ? [dir] : [], ...sb, ro_paths: [...(sb.ro_paths ?? []), ...roots] };
  const config = {
    control_plane: { url, key },
    name,
    capacity,
    agents,
    work_dir: join(dir, `${name}-work`),
    ...extra,
    sandbox,
  };
  const path = join(dir, `${name}.json`);
  // It holds the runner key: 0600, and a runner whose agents run as other users refuses anything wider.
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  chmodSync(path, 0o600);
  const child = spawn(process.execPath, [RUNNER_BIN, "--config", path], {
    cwd: ROOT,
    env: { ...process.env, OFFICEOS_LOG_LEVEL: extra.log_level ?? "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = [];
  const waiters = [];
  let buf = "";
  const onData = (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      log(line);
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        entry = { msg: line };
      }
      lines.push(entry);
      for (const w of [...waiters]) if (w.pred(entry)) waiters.splice(waiters.indexOf(w), 1), w.resolve(entry);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  /** Resolves with the first log entry (past or future) that matches. */
  const waitForLog = (pred, timeoutMs = 30_000) => {
    const seen = lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((res, rej) => {
      const w = { pred, resolve: (e) => (clearTimeout(t), res(e)) };
      const t = setTimeout(
        () => (
          waiters.splice(waiters.indexOf(w), 1),
          rej(new Error(`runner ${name}: no matching log line in ${timeoutMs} ms`))
        ),
        timeoutMs,
      );
      waiters.push(w);
    });
  };
  return { child, name, config, path, lines, waitForLog, stop: () => stopProcess(child) };
}

function killTree(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* gone */
    }
  }
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
export function stopProcess(child, graceMs = 20_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const t = setTimeout(() => killTree(child, "SIGKILL"), graceMs);
    child.once("exit", () => (clearTimeout(t), res()));
    killTree(child, "SIGTERM");
  });
}

/** A tiny JSON client for the control plane API. */
export function api(url, key) {
  return async (method, path, body, headers = {}) => {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    if (!r.ok)
      throw Object.assign(new Error(`${method} ${path}: HTTP ${r.status} ${text.slice(0, 300)}`), {
        status: r.status,
        body: parsed,
      });
    return parsed;
  };
}

/** Creates a tenant and returns its admin key plus a submit and a runner key. */
export async function bootstrapTenant(url, adminToken, name = "dev") {
  const { tenant, api_key } = await api(url, adminToken)("POST", "/v1/tenants", { name });
  const admin = api(url, api_key);
  const runnerKey = (await admin("POST", "/v1/keys", { scopes: ["runner"] })).key;
  const submitKey = (await admin("POST", "/v1/keys", { scopes: ["submit", "read"] })).key;
  await admin("PUT", "/v1/agents/pipeline", { resources: { cpu: 250, memory_mb: 128 } });
  await admin("PUT", "/v1/agents/echo", { resources: { cpu: 100, memory_mb: 64 } });
  return { tenant, adminKey: api_key, runnerKey, submitKey };
}
