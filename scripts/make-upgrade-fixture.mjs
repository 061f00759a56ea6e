#!/usr/bin/env node
// Writes test/fixtures/upgrade-v1/: the SQLite state of both object classes
// (TenantDO, AgentDO) as the code of this tree leaves it, with a task in each
// state a later version must take over, and a manifest of what to drive them
// with. test/e2e/upgrade.test.ts loads it with the code of the tree it runs in.
//
// Run it with the code whose state the fixture must hold (issue 17: the last
// commit before the TenantDO refactoring):   node scripts/make-upgrade-fixture.mjs
// It is rerunnable: ids, keys and times differ from run to run, the shape does not.
//
// States left behind: queued, leased (never heartbeated), running (heartbeated,
// with a task checkpoint), awaiting_approval, escalated, retry_wait, succeeded;
// plus a LangGraph thread checkpoint (two, parent and child). The leased and running
// tasks hold 10 s leases and the retry_wait task a 10 s backoff, so that whoever
// loads the fixture sees them come due on their own (the clock of wrangler dev
// cannot be moved from outside). The states are checked in the SQLite files
// after the control plane stopped: an alarm that fired before the stop fails the run.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createRequire } from "node:module";
import { api, bootstrapTenant, ROOT, startControlPlane } from "./lib/stack.mjs";

const OUT = join(ROOT, "test/fixtures/upgrade-v1");
const TOKEN = "upgrade-v1-operator";
const LEASE_TTL_MS = 10_000;
const BACKOFF_MS = 10_000;
const log = (...a) => console.error("[upgrade-fixture]", ...a);

const work = mkdtempSync(join(tmpdir(), "officeos-upgrade-fixture-"));
const state = join(work, "state");
let cp;
try {
  cp = await startControlPlane({
    persistTo: state,
    adminToken: TOKEN,
    log: process.env.DEBUG ? (s) => process.stderr.write(s) : undefined,
  });
  log("control plane at", cp.url);
  const t = await bootstrapTenant(cp.url, TOKEN, "upgrade-v1");
  const admin = api(cp.url, t.adminKey);
  const submitter = api(cp.url, t.submitKey);
  const runner = api(cp.url, t.runnerKey);

  await admin("PUT", "/v1/agents/work", {
    retry: { max_attempts: 3, backoff: { initial_ms: BACKOFF_MS, max_ms: BACKOFF_MS, multiplier: 1, jitter: 0 } },
  });
  await admin("PUT", "/v1/agents/gated", { retry: { max_attempts: 3 } });
  await admin("PUT", "/v1/agents/crm", { retry: { max_attempts: 1 } });

  // A runner registered by plain API calls: no runner process holds its leases.
  const reg = await runner("POST", "/v1/runners", { name: "fixture-runner", capacity: {}, lease_ttl_ms: LEASE_TTL_MS });
  const runnerId = reg.runner.id;
  const tasks = {};
  const leases = {};
  const submit = async (name, body) =>
    (tasks[name] = (await submitter("POST", "/v1/tasks", { idempotency_key: `fixture-${name}`, ...body })).task.id);
  const leaseOne = async (name) => {
    const { leases: got } = await runner("POST", `/v1/runners/${runnerId}/lease`, { max_tasks: 1, wait_ms: 0 });
    if (got.length !== 1 || got[0].task.id !== tasks[name])
      throw new Error(`expected to lease ${name}, got ${JSON.stringify(got.map((l) => l.task.id))}`);
    leases[name] = { epoch: got[0].epoch, lease_token: got[0].lease_token, lease_id: got[0].lease_id };
    return leases[name];
  };
  const underLease = (name, method, path, body) =>
    runner(method, path, { epoch: leases[name].epoch, ...body }, { "officeos-lease-token": leases[name].lease_token });

  // succeeded
  await submit("succeeded", { agent: "work", input: { n: "succeeded" } });
  await leaseOne("succeeded");
  await underLease("succeeded", "POST", `/v1/tasks/${tasks.succeeded}/complete`, { result: { done: true } });

  // escalated: its only attempt failed
  await submit("escalated", { agent: "crm", input: { account: 1 } });
  await leaseOne("escalated");
  await underLease("escalated", "POST", `/v1/tasks/${tasks.escalated}/fail`, {
    error: { code: "crm_down", message: "502" },
  });

  // awaiting_approval: parked at a gate
  await submit("awaiting_approval", { agent: "gated", input: { to: "a@x" } });
  await leaseOne("awaiting_approval");
  await underLease("awaiting_approval", "POST", `/v1/tasks/${tasks.awaiting_approval}/approval`, {
    gate: "send-email",
    message: "Send 3 emails?",
  });

  // A LangGraph thread: a checkpoint and its child (AgentDO of the thread).
  const b64 = (s) => Buffer.from(s).toString("base64");
  const cpBody = (parent, step) => ({
    parent_checkpoint_id: parent,
    checkpoint: { type: "json", data: b64(JSON.stringify({ v: 1, id: `c${step}`, ts: "2026-01-01T00:00:00Z" })) },
    metadata: { type: "json", data: b64(JSON.stringify({ step })) },
    metadata_json: { step, source: "loop" },
    channel_versions: { messages: step },
    blobs: [
      { channel: "messages", version: step, value: { type: "json", data: b64(JSON.stringify([`message ${step}`])) } },
    ],
  });
  const thread = "upgrade-thread";
  await submitter("PUT", `/v1/threads/${thread}/checkpoints/c1`, cpBody(null, 1));
  await submitter("PUT", `/v1/threads/${thread}/checkpoints/c2`, cpBody("c1", 2));
  const threadCheckpoint = await submitter("GET", `/v1/threads/${thread}/checkpoints/c2?checkpoint_ns=`);

  // The tasks whose deadlines run: submitted and leased last, checked right before the stop.
  await submit("retry_wait", { agent: "work", input: { n: "retry_wait" } });
  await submit("running", { agent: "work", input: { n: "running" } });
  await submit("leased", { agent: "work", input: { n: "leased" } });
  await submit("queued", { agent: "work", input: { n: "queued" }, priority: -1 });
  await leaseOne("retry_wait");
  await leaseOne("running");
  await leaseOne("leased");
  await runner("POST", `/v1/runners/${runnerId}/heartbeat`, {
    leases: [{ task_id: tasks.running, epoch: leases.running.epoch, lease_token: leases.running.lease_token }],
  });
  // Two task checkpoints (a full one, then a delta): the newest must come back with its seq.
  await underLease("running", "PUT", `/v1/tasks/${tasks.running}/checkpoint`, {
    state: { messages: [{ role: "user", content: "hi" }], cursor: { step: 1 } },
  });
  await underLease("running", "PUT", `/v1/tasks/${tasks.running}/checkpoint`, {
    state: { cursor: { step: 2 }, app_state: { json: { total: 12 } } },
  });
  const taskCheckpoint = await runner("GET", `/v1/tasks/${tasks.running}/checkpoint`);
  await underLease("retry_wait", "POST", `/v1/tasks/${tasks.retry_wait}/fail`, {
    error: { code: "tool_error", message: "the CRM answered 502" },
    retryable: true,
  });

  const views = {};
  for (const [name, id] of Object.entries(tasks)) views[name] = (await submitter("GET", `/v1/tasks/${id}`)).task;
  for (const [name, v] of Object.entries(views))
    if (v.state !== name) throw new Error(`task ${name} is ${v.state} before the stop`);

  await cp.stop();
  cp = undefined;

  // The states as stored, read from the files (better-sqlite3 is a dev dependency).
  const Database = createRequire(import.meta.url)("better-sqlite3");
  const sqlites = [];
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith(".sqlite")) sqlites.push(p);
    }
  };
  walk(state);
  const stored = {};
  for (const file of sqlites) {
    const db = new Database(file, { readonly: true });
    try {
      const has = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'tasks'").get();
      if (has) for (const r of db.prepare("SELECT id, state, epoch, attempts FROM tasks").all()) stored[r.id] = r;
    } finally {
      db.close();
    }
  }
  // workerd left the newest pages in each file's write-ahead log: fold them into the
  // database file (a lossless SQLite checkpoint), so the fixture is one small file per object.
  for (const file of sqlites) {
    const db = new Database(file);
    try {
      db.pragma("wal_checkpoint(TRUNCATE)");
      db.exec("VACUUM");
    } finally {
      db.close();
    }
  }
  for (const [name, id] of Object.entries(tasks)) {
    if (stored[id]?.state !== name)
      throw new Error(
        `task ${name} is stored as ${stored[id]?.state ?? "nothing"}: a deadline passed before the stop; run again`,
      );
  }

  const manifest = {
    about:
      "Written by scripts/make-upgrade-fixture.mjs; loaded by test/e2e/upgrade.test.ts. Test-only keys of a throwaway tenant.",
    written_at: new Date().toISOString(),
    admin_token: TOKEN,
    tenant_id: t.tenant.id,
    keys: { admin: t.adminKey, submit_read: t.submitKey, runner: t.runnerKey, runner_credential: reg.credential?.key },
    runner_id: runnerId,
    lease_ttl_ms: LEASE_TTL_MS,
    backoff_ms: BACKOFF_MS,
    tasks,
    leases,
    attempts: Object.fromEntries(Object.entries(views).map(([n, v]) => [n, v.attempts])),
    succeeded_result: views.succeeded.result,
    gate: views.awaiting_approval.gate.gate,
    escalation_reason: views.escalated.escalation.reason.code,
    task_checkpoint: { task: "running", seq: taskCheckpoint.seq, state: taskCheckpoint.state },
    thread_checkpoint: { thread_id: thread, checkpoint_id: "c2", answer: threadCheckpoint },
    objects: sqlites.map((f) => relative(state, f)).sort(),
  };

  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  cpSync(state, join(OUT, "state"), {
    recursive: true,
    filter: (src) => !src.endsWith("-shm") && !src.endsWith("-wal"),
  });
  writeFileSync(join(OUT, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  let bytes = 0;
  const size = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) size(p);
      else bytes += st.size;
    }
  };
  size(OUT);
  log(`wrote ${relative(ROOT, OUT)}: ${sqlites.length} SQLite files, ${bytes} bytes`);
  if (bytes > 1_000_000) throw new Error(`the fixture is ${bytes} bytes, over 1 MB`);
} finally {
  if (cp) await cp.stop();
  if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}
