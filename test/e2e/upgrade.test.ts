// Upgrade (issue 17, acceptance 2): the SQLite state of both object classes as
// an earlier version left it (test/fixtures/upgrade-v1/, written by
// scripts/make-upgrade-fixture.mjs) is loaded by the code of this tree under
// wrangler dev, and every task in it is driven to an end with nothing lost.
// Then a redeploy (wrangler dev restarted on the same state) drops a parked
// long-poll and an in-flight event poll, and loses nothing either.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, ROOT, startControlPlane, type Api, type ControlPlaneProcess } from "../../scripts/lib/stack.mjs";
import { until } from "./helpers.js";

const FIXTURE = join(ROOT, "test/fixtures/upgrade-v1");

type Lease = { epoch: number; lease_token: string; lease_id: string };
type Manifest = {
  admin_token: string;
  tenant_id: string;
  keys: { admin: string; submit_read: string; runner: string };
  runner_id: string;
  lease_ttl_ms: number;
  backoff_ms: number;
  tasks: Record<
    "queued" | "leased" | "running" | "awaiting_approval" | "escalated" | "retry_wait" | "succeeded",
    string
  >;
  leases: Record<string, Lease>;
  attempts: Record<string, number>;
  succeeded_result: unknown;
  gate: string;
  escalation_reason: string;
  task_checkpoint: { task: string; seq: number; state: unknown };
  thread_checkpoint: { thread_id: string; checkpoint_id: string; answer: unknown };
};

describe("an upgrade over state written by the code before the TenantDO refactoring", () => {
  if (!existsSync(join(FIXTURE, "manifest.json")))
    throw new Error(`no ${FIXTURE}/manifest.json: run node scripts/make-upgrade-fixture.mjs`);
  const m = JSON.parse(readFileSync(join(FIXTURE, "manifest.json"), "utf8")) as Manifest;
  let dir = "";
  let state = "";
  let cp: ControlPlaneProcess | undefined;
  let admin: Api;
  let reader: Api;
  let runner: Api;
  const start = async (): Promise<void> => {
    cp = await startControlPlane({ persistTo: state, adminToken: m.admin_token });
    admin = api(cp.url, m.keys.admin);
    reader = api(cp.url, m.keys.submit_read);
    runner = api(cp.url, m.keys.runner);
  };
  const task = async (id: string) => (await reader<{ task: any }>("GET", `/v1/tasks/${id}`)).task;
  /** The HTTP status of a call expected to fail. */
  const status = (p: Promise<unknown>) =>
    p.then(
      () => 200,
      (e: { status?: number }) => e.status ?? 0,
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "officeos-upgrade-"));
    state = join(dir, "state");
    cpSync(join(FIXTURE, "state"), state, { recursive: true });
    await start();
  });
  afterAll(async () => {
    await cp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("loads every task as it was stored, and drives each one to an end", async () => {
    const t = m.tasks;
    // As stored (the leases and the backoff may already have run out: then their next state).
    expect(await task(t.succeeded)).toMatchObject({
      state: "succeeded",
      result: m.succeeded_result,
      attempts: m.attempts.succeeded,
    });
    expect(await task(t.escalated)).toMatchObject({
      state: "escalated",
      escalation: { reason: { code: m.escalation_reason } },
    });
    expect(await task(t.awaiting_approval)).toMatchObject({ state: "awaiting_approval", gate: { gate: m.gate } });
    expect(["queued"]).toContain((await task(t.queued)).state);
    expect(["leased", "queued"]).toContain((await task(t.leased)).state);
    expect(["running", "queued"]).toContain((await task(t.running)).state);
    expect(["retry_wait", "queued"]).toContain((await task(t.retry_wait)).state);
    // The objects' own state came along: the task checkpoint and the thread read back equal.
    expect(await runner("GET", `/v1/tasks/${t.running}/checkpoint`)).toMatchObject({
      seq: m.task_checkpoint.seq,
      state: m.task_checkpoint.state,
    });
    const th = m.thread_checkpoint;
    expect(await reader("GET", `/v1/threads/${th.thread_id}/checkpoints/${th.checkpoint_id}?checkpoint_ns=`)).toEqual(
      th.answer,
    );

    // The old runner's leases run out on their own (10 s TTL) and requeue, charged; the backoff ends.
    for (const name of ["leased", "running"] as const)
      expect(
        await until(
          `${name} to requeue`,
          async () => ((await task(t[name])).state === "queued" ? task(t[name]) : undefined),
          60_000,
        ),
      ).toMatchObject({
        attempts: m.attempts[name],
        error: { code: "lease_expired" },
      });
    await until("retry_wait to requeue", async () => (await task(t.retry_wait)).state === "queued", 60_000);
    // A lease of the fixture is refused after the upgrade as before it (its token has run out, or its epoch is stale).
    const old = m.leases.leased as Lease;
    expect([401, 409]).toContain(
      await status(
        runner(
          "POST",
          `/v1/tasks/${t.leased}/complete`,
          { epoch: old.epoch, result: 1 },
          { "officeos-lease-token": old.lease_token },
        ),
      ),
    );

    // People act on the parked ones.
    expect(
      (
        await admin<{ task: any }>("POST", `/v1/approvals/${t.awaiting_approval}`, {
          decision: "approve",
          comment: "after the upgrade",
        })
      ).task.state,
    ).toBe("queued");
    expect(
      (await admin<{ task: any }>("POST", `/v1/escalations/${t.escalated}`, { action: "retry", input: { account: 2 } }))
        .task,
    ).toMatchObject({ state: "queued", input: { account: 2 } });

    // A new runner takes all six and finishes them.
    const fresh = (
      await runner<{ runner: { id: string } }>("POST", "/v1/runners", { name: "after-upgrade", capacity: {} })
    ).runner.id;
    const open = [t.queued, t.leased, t.running, t.retry_wait, t.awaiting_approval, t.escalated];
    type Grant = {
      epoch: number;
      lease_token: string;
      checkpoint?: { seq: number; state: unknown };
      task: { id: string };
    };
    const got = new Map<string, Grant>();
    await until("the six open tasks to be leased", async () => {
      const { leases } = await runner<{ leases: Grant[] }>("POST", `/v1/runners/${fresh}/lease`, {
        max_tasks: 10,
        wait_ms: 0,
      });
      for (const l of leases) got.set(l.task.id, l);
      return got.size >= open.length;
    });
    expect([...got.keys()].sort()).toEqual([...open].sort());
    const lease = (id: string) => got.get(id) as Grant;
    const under = (id: string) => ({ "officeos-lease-token": lease(id).lease_token });
    // The running task resumes from its checkpoint, with the same seq.
    expect(lease(t.running).checkpoint).toMatchObject({ seq: m.task_checkpoint.seq, state: m.task_checkpoint.state });
    expect(await runner("GET", `/v1/tasks/${t.running}/checkpoint`)).toMatchObject({
      seq: m.task_checkpoint.seq,
      state: m.task_checkpoint.state,
    });
    // The gate the person approved passes at once.
    const gate = await runner<{ state: string; decision: { decision: string } }>(
      "POST",
      `/v1/tasks/${t.awaiting_approval}/approval`,
      { epoch: lease(t.awaiting_approval).epoch, gate: m.gate },
      under(t.awaiting_approval),
    );
    expect(gate).toMatchObject({ state: "decided", decision: { decision: "approve" } });
    for (const id of open)
      await runner("POST", `/v1/tasks/${id}/complete`, { epoch: lease(id).epoch, result: { id } }, under(id));
    for (const id of open) expect(await task(id)).toMatchObject({ state: "succeeded", result: { id } });

    // Nothing lost, nothing added.
    const all = (await reader<{ tasks: { id: string; state: string }[] }>("GET", "/v1/tasks?limit=500")).tasks;
    expect(all.map((x) => x.id).sort()).toEqual(Object.values(t).sort());
    expect(all.every((x) => x.state === "succeeded")).toBe(true);
  });

  it("a redeploy drops parked polls and in-flight calls, and loses nothing", async () => {
    await admin("PUT", "/v1/agents/big", { resources: { cpu: 1000 } });
    const tiny = (
      await runner<{ runner: { id: string; last_seen_at: string } }>("POST", "/v1/runners", {
        name: "tiny",
        capacity: { cpu: 10 },
        lease_ttl_ms: 600_000,
      })
    ).runner;
    const x = (await reader<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "big", input: { redeploy: true } }))
      .task.id;
    // The tiny runner's poll cannot take the big task: it parks in the object.
    const poll = status(runner("POST", `/v1/runners/${tiny.id}/lease`, { max_tasks: 1, wait_ms: 25_000 }));
    const events = status(reader("GET", `/v1/tasks/${x}/events?after=1&wait_ms=25000`));
    await until("the poll to reach the tenant object", async () => {
      const seen = (await reader<{ runner: { last_seen_at: string } }>("GET", `/v1/runners/${tiny.id}`)).runner
        .last_seen_at;
      return seen !== tiny.last_seen_at;
    });
    const first = cp as ControlPlaneProcess;
    await first.stop();
    // Both calls end without an answer when the process goes (a connection error, or a 5xx).
    expect(await poll).not.toBe(200);
    expect(await events).not.toBe(200);
    await start();
    expect((await reader<{ task: any }>("GET", `/v1/tasks/${x}`)).task).toMatchObject({ state: "queued", attempts: 0 });
    expect((await reader<{ runner: { name: string } }>("GET", `/v1/runners/${tiny.id}`)).runner.name).toBe("tiny");
    const big = (
      await runner<{ runner: { id: string } }>("POST", "/v1/runners", { name: "big", capacity: { cpu: 1000 } })
    ).runner.id;
    const { leases } = await runner<{ leases: { epoch: number; lease_token: string; task: { id: string } }[] }>(
      "POST",
      `/v1/runners/${big}/lease`,
      { max_tasks: 1, wait_ms: 5_000 },
    );
    expect(leases.map((l) => l.task.id)).toEqual([x]);
    const l = leases[0] as { epoch: number; lease_token: string };
    await runner(
      "POST",
      `/v1/tasks/${x}/complete`,
      { epoch: l.epoch, result: "after the redeploy" },
      { "officeos-lease-token": l.lease_token },
    );
    expect((await reader<{ task: any }>("GET", `/v1/tasks/${x}`)).task).toMatchObject({
      state: "succeeded",
      result: "after the redeploy",
      attempts: 1,
    });
    // The upgraded tasks are all still there after the second start.
    const all = (await reader<{ tasks: { id: string; state: string }[] }>("GET", "/v1/tasks?limit=500")).tasks;
    expect(all.map((t) => t.id).sort()).toEqual([...Object.values(m.tasks), x].sort());
  });
});
