// Heartbeats extend a runner's leases and tell it which tasks to stop.
import { describe, expect, it } from "vitest";
import { advance, call, fireAlarm, fixture, getTask, heartbeat, lease, ok, putAgent, registerRunner, storedTask, submit, type Fixture } from "./helpers.js";

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
