// Heartbeats extend a runner's leases and tell it which tasks to stop.
import { describe, expect, it } from "vitest";
import {
  advance,
  call,
  expectIssues,
  fireAlarm,
  fixture,
  getTask,
  heartbeat,
  lease,
  ok,
  putAgent,
  registerRunner,
  storedTask,
  submit,
  type Fixture,
} from "./helpers.js";

const TTL = 10_000;

async function oneLease(f: Fixture) {
  await putAgent(f, "echo");
  const runnerId = await registerRunner(f, { name: "r1", capacity: {}, lease_ttl_ms: TTL });
  const task = await submit(f, { agent: "echo" });
  const [l] = await lease(f, runnerId);
  return { runnerId, id: task.id as string, epoch: l.epoch as number, expiresAt: Date.parse(l.expires_at) };
}

describe("heartbeat", () => {
  it("extends the lease: the TTL counts from the last heartbeat", async () => {
    const f = await fixture();
    const { runnerId, id, epoch, expiresAt } = await oneLease(f);
    await advance(f.admin, 8_000);
    const hb = await heartbeat(f, runnerId, [{ task_id: id, epoch }]);
    expect(hb.cancel).toEqual([]);
    expect(hb.preempt).toEqual([]);
    expect(Date.parse(hb.expires_at)).toBeGreaterThanOrEqual(expiresAt + 8_000);
    expect((await getTask(f, id)).state).toBe("running");

    // 16 s after the lease, 8 s after the heartbeat: still held.
    // The alarm set for the first expiry runs, finds nothing due, and sets the next one.
    await advance(f.admin, 8_000);
    expect(await fireAlarm(f.admin)).toBe(true);
    expect(await storedTask(f.admin, id)).toMatchObject({ state: "running", attempts: 1 });
    expect(await getTask(f, id)).toMatchObject({ state: "running", attempts: 1 });

    // 11 s after the heartbeat: gone.
    await advance(f.admin, 3_000);
    expect(await fireAlarm(f.admin)).toBe(true);
    expect(await storedTask(f.admin, id)).toMatchObject({ state: "queued", attempts: 1 });
    expect(await getTask(f, id)).toMatchObject({ state: "queued", attempts: 1, error: { code: "lease_expired" } });
  });

  it("answers cancel for a task the runner no longer holds", async () => {
    const f = await fixture();
    const { runnerId, id, epoch } = await oneLease(f);
    await ok(call("POST", `/v1/tasks/${id}/cancel`, f.submit));
    const hb = await heartbeat(f, runnerId, [{ task_id: id, epoch }]);
    expect(hb.cancel).toEqual([id]);
    expect((await getTask(f, id)).state).toBe("cancelled");
  });

  it("answers cancel for a stale epoch and an unknown task, and extends the rest", async () => {
    const f = await fixture();
    const { runnerId, id, epoch } = await oneLease(f);
    const hb = await heartbeat(f, runnerId, [
      { task_id: id, epoch: epoch + 1 },
      { task_id: "task_nope", epoch },
      { task_id: id, epoch },
    ]);
    expect(hb.cancel).toEqual([id, "task_nope"]);
    expect((await getTask(f, id)).state).toBe("running");
  });

  it("answers cancel to a runner heartbeating another runner's lease", async () => {
    const f = await fixture();
    const { id, epoch } = await oneLease(f);
    const stranger = await registerRunner(f, { name: "r2", capacity: {} });
    const hb = await heartbeat(f, stranger, [{ task_id: id, epoch }]);
    expect(hb.cancel).toEqual([id]);
    expect((await getTask(f, id)).state).toBe("leased");
  });
});

describe("runner retention", () => {
  it("deletes a runner unseen for a day when another registers, and revokes its credential; a dead runner younger than that stays", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const reg = async (name: string) =>
      (await ok(call("POST", "/v1/runners", f.runner, { name, capacity: {}, lease_ttl_ms: TTL }), 201)) as {
        runner: { id: string };
        credential: { key: string };
      };
    const old = await reg("old");
    const recent = await reg("recent");
    // "old" held a lease when it died: the lease is requeued before the runner goes.
    const task = await submit(f, { agent: "echo" });
    await ok(call("POST", `/v1/runners/${old.runner.id}/lease`, old.credential.key, { max_tasks: 1 }));
    await advance(f.admin, 23 * 3600_000);
    await ok(call("POST", `/v1/runners/${recent.runner.id}/heartbeat`, recent.credential.key, { leases: [] }));
    await advance(f.admin, 2 * 3600_000);
    // Both are dead; only "old" is past the day.
    await reg("new");
    const listed = (await ok(call("GET", "/v1/runners", f.read))) as {
      runners: { id: string; name: string; state: string }[];
    };
    expect(listed.runners.map((r) => [r.name, r.state])).toEqual([
      ["recent", "dead"],
      ["new", "ready"],
    ]);
    expect((await call("GET", `/v1/runners/${old.runner.id}`, f.read)).status).toBe(404);
    expect(await getTask(f, task.id)).toMatchObject({ state: "queued", attempts: 1, error: { code: "lease_expired" } });
    // Its bound credential is revoked (audited), and cannot act any more.
    expect(
      (await call("POST", `/v1/runners/${old.runner.id}/heartbeat`, old.credential.key, { leases: [] })).status,
    ).toBe(401);
    const keys = (await ok(call("GET", "/v1/keys", f.admin))) as { keys: { runner_id?: string; state: string }[] };
    expect(keys.keys.find((k) => k.runner_id === old.runner.id)?.state).toBe("revoked");
    expect(keys.keys.find((k) => k.runner_id === recent.runner.id)?.state).toBe("active");
    // The enrolment key still registers runners.
    expect((await reg("again")).runner.id).toMatch(/^run_/);
  });
});

describe("health at registration", () => {
  it("a runner that registers failing its self-check gets no work until a heartbeat says it passes", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const failing = { ready: false, checks: [{ name: "work_dir", ok: false, message: "not writable" }] };
    const r = await ok(call("POST", "/v1/runners", f.runner, { name: "sick", capacity: {}, health: failing }), 201);
    expect(r.runner).toMatchObject({ state: "not_ready", health: failing });
    await submit(f, { agent: "echo" });
    expect(
      (await ok(call("POST", `/v1/runners/${r.runner.id}/lease`, f.runner, { max_tasks: 1, wait_ms: 0 }))).leases,
    ).toEqual([]);
    await ok(call("POST", `/v1/runners/${r.runner.id}/heartbeat`, f.runner, { leases: [], health: { ready: true } }));
    expect(
      (await ok(call("POST", `/v1/runners/${r.runner.id}/lease`, f.runner, { max_tasks: 1, wait_ms: 0 }))).leases,
    ).toHaveLength(1);
    expectIssues(
      await call("POST", "/v1/runners", f.runner, { name: "bad", capacity: {}, health: { ready: "yes" } }),
      "health.ready",
    );
  });
});
