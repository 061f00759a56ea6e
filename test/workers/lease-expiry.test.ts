// Lease expiry through the tenant's alarm. The tenant's clock is moved
// forward (clockOffsetMs) and the alarm run by hand: no sleeping.
import { describe, expect, it } from "vitest";
import {
  advance,
  fireAlarm,
  fixture,
  getTask,
  heartbeat,
  lease,
  putAgent,
  registerRunner,
  storedTask,
  submit,
} from "./helpers.js";

const TTL = 5_000;

describe("lease expiry", () => {
  it("requeues an expired task with the attempt counted and avoids the lost runner while another fits", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const lost = await registerRunner(f, { name: "lost", capacity: {}, lease_ttl_ms: TTL });
    const other = await registerRunner(f, { name: "other", capacity: {}, lease_ttl_ms: TTL });
    const task = await submit(f, { agent: "echo" });
    const [l] = await lease(f, lost);

    await advance(f.admin, TTL + 1);
    expect(await storedTask(f.admin, task.id)).toMatchObject({ state: "leased" });
    expect(await fireAlarm(f.admin)).toBe(true);
    // The alarm itself requeued it (read from storage, before any request could expire it lazily).
    expect(await storedTask(f.admin, task.id)).toMatchObject({ state: "queued", attempts: 1 });
    const requeued = await getTask(f, task.id);
    expect(requeued).toMatchObject({ state: "queued", attempts: 1, error: { code: "lease_expired" } });

    // The other runner shows it is alive; the lost one then polls first and gets nothing.
    await heartbeat(f, other, []);
    expect(await lease(f, lost)).toEqual([]);
    const [again] = await lease(f, other);
    expect(again.task.id).toBe(task.id);
    expect(again.epoch).toBeGreaterThan(l.epoch);
    expect(again.task).toMatchObject({ state: "leased", attempts: 2, runner_id: other });
  });

  it("gives the task back to the lost runner when no other live runner fits", async () => {
    const f = await fixture();
    await putAgent(f, "echo", { capabilities: ["sql"] });
    const lost = await registerRunner(f, { name: "lost", capacity: {}, capabilities: ["sql"], lease_ttl_ms: TTL });
    const unfit = await registerRunner(f, { name: "unfit", capacity: {}, lease_ttl_ms: TTL });
    const task = await submit(f, { agent: "echo" });
    await lease(f, lost);
    await advance(f.admin, TTL + 1);
    expect(await fireAlarm(f.admin)).toBe(true);
    await heartbeat(f, unfit, []);
    const [again] = await lease(f, lost);
    expect(again.task.id).toBe(task.id);
  });

  it("escalates once expiries exhaust the agent's retry.max_attempts", async () => {
    const f = await fixture();
    await putAgent(f, "flaky", { retry: { max_attempts: 2 } });
    const runnerId = await registerRunner(f, { name: "r1", capacity: {}, lease_ttl_ms: TTL });
    const task = await submit(f, { agent: "flaky" });
    expect(task.max_attempts).toBe(2);

    await lease(f, runnerId);
    await advance(f.admin, TTL + 1);
    expect(await fireAlarm(f.admin)).toBe(true);
    expect(await getTask(f, task.id)).toMatchObject({ state: "queued", attempts: 1 });

    const [second] = await lease(f, runnerId);
    expect(second.task.attempts).toBe(2);
    await advance(f.admin, TTL + 1);
    expect(await fireAlarm(f.admin)).toBe(true);
    expect(await storedTask(f.admin, task.id)).toMatchObject({ state: "escalated", attempts: 2 });
    expect(await getTask(f, task.id)).toMatchObject({
      state: "escalated",
      attempts: 2,
      error: { code: "lease_expired" },
    });
    expect(await lease(f, runnerId)).toEqual([]);
  });

  it("does not expire a lease before its TTL", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const runnerId = await registerRunner(f, { name: "r1", capacity: {}, lease_ttl_ms: TTL });
    const task = await submit(f, { agent: "echo" });
    await lease(f, runnerId);
    // A margin: wall time passes too between the lease and the check.
    await advance(f.admin, TTL - 1_000);
    expect(await fireAlarm(f.admin)).toBe(true);
    expect(await storedTask(f.admin, task.id)).toMatchObject({ state: "leased", attempts: 1 });
    expect(await getTask(f, task.id)).toMatchObject({ state: "leased", attempts: 1 });
  });
});
