// npm start: the control plane on local workerd (wrangler dev, Durable Object
// state persisted in .officeos/state) and one local runner with the example
// agents. No cloud account, no Redis. Ctrl-C stops both.
//   OFFICEOS_PORT (default 8787), OFFICEOS_HOME (default ./.officeos)
//   OFFICEOS_REDIS_URL (e.g. redis://127.0.0.1:6379): also start the Upstash REST
//   bridge in front of that Redis and let large checkpoints spill to it.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { api, bootstrapTenant, ROOT, startControlPlane, startRunner } from "./lib/stack.mjs";
import { startRedisBridge } from "./redis-bridge.mjs";

const home = resolve(process.env.OFFICEOS_HOME ?? join(ROOT, ".officeos"));
const port = Number(process.env.OFFICEOS_PORT ?? 8787);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(
    `npm start: OFFICEOS_PORT must be a port number (1-65535), not "${process.env.OFFICEOS_PORT}"\n`,
  );
  process.exit(2);
}

/** Whether something already listens on 127.0.0.1:port (another npm start, say): checked before anything starts. */
const portBusy = (p) =>
  new Promise((res) => {
    const probe = createServer();
    probe.once("error", (e) => res(e.code === "EADDRINUSE" || e.code === "EACCES" ? e.code : false));
    probe.listen(p, "127.0.0.1", () => probe.close(() => res(false)));
  });
const busy = await portBusy(port);
if (busy) {
  process.stderr.write(
    `npm start: port ${port} on 127.0.0.1 is ${busy === "EACCES" ? "not allowed to this user" : "already in use"} ` +
      "(another npm start?). Stop it, or choose another: OFFICEOS_PORT=8788 npm start\n",
  );
  process.exit(1);
}
// Private: it holds the credentials (dev.json), the runner config with its key, and every tenant's state.
mkdirSync(home, { recursive: true, mode: 0o700 });
chmodSync(home, 0o700);
const credsPath = join(home, "dev.json");
let creds = existsSync(credsPath) ? JSON.parse(readFileSync(credsPath, "utf8")) : null;
const adminToken = creds?.adminToken ?? randomBytes(24).toString("hex");

let bridge = null;
const vars = {};
if (process.env.OFFICEOS_REDIS_URL) {
  bridge = await startRedisBridge({ redisUrl: process.env.OFFICEOS_REDIS_URL });
  vars.UPSTASH_REDIS_REST_URL = bridge.url;
  vars.UPSTASH_REDIS_REST_TOKEN = bridge.token;
}
let cp = null;
let runner = null;
let ready = null;
/** Stops whatever has started and exits 1 with one line saying why: no stack trace, nothing left running. */
async function giveUp(what, e) {
  process.stderr.write(
    `npm start: ${what}: ${e?.message ?? e}\n(OFFICEOS_VERBOSE=1 npm start shows the control plane's and runner's logs)\n`,
  );
  await runner?.stop();
  await cp?.stop();
  await bridge?.close();
  process.exit(1);
}
try {
  cp = await startControlPlane({
    port,
    persistTo: join(home, "state"),
    adminToken,
    vars,
    log: (s) => process.env.OFFICEOS_VERBOSE && process.stderr.write(s),
  });
  if (creds) {
    // The persisted state may have been wiped; check the saved key still works.
    try {
      await api(cp.url, creds.adminKey)("GET", "/v1/agents");
    } catch {
      creds = null;
    }
  }
  if (!creds) {
    creds = { adminToken, ...(await bootstrapTenant(cp.url, adminToken, "dev")) };
    writeFileSync(credsPath, JSON.stringify(creds, null, 2), { mode: 0o600 });
  }
  runner = startRunner({
    dir: home,
    name: "local-runner",
    url: cp.url,
    key: creds.runnerKey,
    log: (line) => process.env.OFFICEOS_VERBOSE && process.stderr.write(`${line}\n`),
  });
  ready = await runner.waitForLog((e) => e.msg === "runner ready" || e.msg === "registration refused", 30_000);
} catch (e) {
  await giveUp("could not start", e);
}
const runnerId = ready.runner_id;
// For a second terminal: `source .officeos/env` gives the CLI and curl the URL and the dev tenant's keys,
// and puts `officeos` on the PATH. 0600 in the 0700 home, like dev.json: it holds the keys.
const envPath = join(home, "env");
const q = (v) => `'${String(v).replaceAll("'", "'\\''")}'`;
writeFileSync(
  envPath,
  [
    "# written by npm start: source it in another terminal",
    `export OFFICEOS_URL=${q(cp.url)}`,
    `export OFFICEOS_KEY=${q(creds.adminKey)}`,
    `export OFFICEOS_SUBMIT_KEY=${q(creds.submitKey)}`,
    `export OFFICEOS_OPERATOR_TOKEN=${q(creds.adminToken)}`,
    `export PATH=${q(join(ROOT, "bin"))}:"$PATH"`,
    "",
  ].join("\n"),
  { mode: 0o600 },
);
chmodSync(envPath, 0o600);

process.stdout.write(`
OfficeOS control plane  ${cp.url}
operator token          ${creds.adminToken}
tenant                  ${creds.tenant.id} (${creds.tenant.name})
admin key               ${creds.adminKey}
submit key              ${creds.submitKey}
local runner            ${runnerId ?? "NOT READY"} ready with agents: pipeline, echo
state                   ${home}
checkpoint spill        ${bridge ? `Redis ${process.env.OFFICEOS_REDIS_URL} through the Upstash REST bridge at ${bridge.url}` : "none (embedded default: everything in Durable Object storage)"}

In another terminal, here:
  source ${envPath === join(ROOT, ".officeos", "env") ? ".officeos/env" : envPath}     # OFFICEOS_URL, OFFICEOS_KEY (admin), OFFICEOS_SUBMIT_KEY; officeos on PATH
  officeos submit echo --input '{"hello":"world"}' --wait

Ctrl-C stops the control plane and the runner (OFFICEOS_VERBOSE=1 shows their logs).
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await runner.stop();
  await cp.stop();
  await bridge?.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
runner.child.on("exit", (code) => {
  if (!stopping) process.stderr.write(`local runner exited with ${code}\n`);
});
