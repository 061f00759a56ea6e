// Wake-ups the effects runner owes parked polls, and what it must not hand them:
// a task leaving the queue other than by a lease wakes them (a runner held for
// it is free again), and a task whose deadline passed while it waited at a gate
// is timed out at the end of the approving call instead of being leased again.
import { describe, expect, it } from "vitest";
import {
  advance,
  call,
  fixture,
  getTask,
  heartbeat,
  lease,
  ok,
  parked,
  putAgent,
  registerRunner,
  submit,
} from "./helpers.js";

describe("wake-ups at the end of a call", () => {
  it("cancelling the queued task a runner is held for serves that runner's parked poll", async () => {
    const f = await fixture();
    await putAgent(f, "batch", { resources: { cpu: 1000 } });
    await putAgent(f, "vip", { resources: { cpu: 2000 } });
    await putAgent(f, "small", { resources: { cpu: 500 } });
    const r = await registerRunner(f, { name: "r", capacity: { cpu: 2000 } });
    const b = await submit(f, { agent: "batch" });
    const [l] = await lease(f, r, { max_tasks: 1 });
    expect(l.task.id).toBe(b.id);
    const vip = await submit(f, { agent: "vip", priority: 10 });
    // The vip task needs the whole runner: the batch lease is asked to go and the runner held for it.
    expect((await heartbeat(f, r, [{ task_id: b.id, epoch: l.epoch }])).preempt).toEqual([b.id]);
    const small = await submit(f, { agent: "small" });
    // Half the runner is free, but it is held for the vip task: the poll parks.
    const pending = lease(f, r, { max_tasks: 1, wait_ms: 20_000 });
    await parked(f.admin);
    await ok(call("POST", `/v1/tasks/${vip.id}/cancel`, f.submit));
    // The hold goes with the task, and the parked poll is served at the end of the cancel, not at its timeout.
    expect((await pending).map((x: { task: { id: string } }) => x.task.id)).toEqual([small.id]);
  });

  it("approving a task whose deadline passed at the gate times it out; a parked poll does not get it", async () => {
    const f = await fixture();
    await putAgent(f, "mailer", { retry: { max_attempts: 2 }, timeouts: { task_ms: 60_000 } });
    const r = await registerRunner(f, { name: "r", capacity: {} });
    const t = await submit(f, { agent: "mailer" });
    const [l] = await lease(f, r, { max_tasks: 1 });
    const asked = await ok(call("POST", `/v1/tasks/${t.id}/approval`, f.runner, { epoch: l.epoch, gate: "send" }));
    expect(asked.state).toBe("awaiting_approval");
    await advance(f.admin, 120_000);
    // The deadline does not run while a person decides: still waiting.
    expect((await getTask(f, t.id)).state).toBe("awaiting_approval");
    const pending = lease(f, r, { max_tasks: 1, wait_ms: 1_000 });
    await parked(f.admin);
    const decided = await ok(call("POST", `/v1/approvals/${t.id}`, f.admin, { decision: "approve" }));
    expect(decided.task).toMatchObject({ state: "failed", error: { code: "task_timeout" } });
    expect(await pending).toEqual([]);
    expect((await getTask(f, t.id)).state).toBe("failed");
  });
});
