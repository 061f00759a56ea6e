// Epoch fencing: once a task is re-leased, anything sent with the old epoch
// is a 409 stale_epoch and changes nothing; the new lease still works.
import { describe, expect, it } from "vitest";
import {
  advance,
  call,
  expectError,
  fixture,
  getTask,
  lease,
  ok,
  putAgent,
  registerRunner,
  submit,
  type Fixture,
  LEASE_TOKEN,
  leaseTokenOf,
} from "./helpers.js";

const TTL = 5_000;

async function releasedAfterExpiry(f: Fixture) {
  await putAgent(f, "echo");
  const runnerId = await registerRunner(f, { name: "r1", capacity: {}, lease_ttl_ms: TTL });
  const task = await submit(f, { agent: "echo" });
  const [old] = await lease(f, runnerId);
  const seq1 = await ok(
    call("PUT", `/v1/tasks/${task.id}/checkpoint`, f.runner, { epoch: old.epoch, state: { reasoning: "first" } }),
  );
  expect(seq1.seq).toBe(1);
  // Past the TTL the lease expires lazily on the next lease call, and the same
  // (only) runner gets the task again under a new epoch.
  await advance(f.admin, TTL + 1);
  const [fresh] = await lease(f, runnerId);
  expect(fresh.task.id).toBe(task.id);
  expect(fresh.epoch).toBeGreaterThan(old.epoch);
  return { id: task.id as string, old: old.epoch as number, fresh: fresh.epoch as number };
}

describe("epoch fencing", () => {
  it("refuses a checkpoint and a complete under the old epoch, and changes nothing", async () => {
    const f = await fixture();
    const { id, old, fresh } = await releasedAfterExpiry(f);
    const before = await getTask(f, id);
    expect(before).toMatchObject({ state: "leased", attempts: 2, checkpoint_seq: 1 });

    const put = await call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, {
      epoch: old,
      state: { reasoning: "zombie" },
    });
    expectError(put, 409, "stale_epoch");
    expect(put.body.error.details).toMatchObject({ current_epoch: fresh });
    expectError(
      await call("POST", `/v1/tasks/${id}/complete`, f.runner, { epoch: old, result: "zombie" }),
      409,
      "stale_epoch",
    );
    expectError(
      await call("POST", `/v1/tasks/${id}/fail`, f.runner, { epoch: old, error: { code: "x", message: "y" } }),
      409,
      "stale_epoch",
    );
    expectError(await call("POST", `/v1/tasks/${id}/release`, f.runner, { epoch: old }), 409, "stale_epoch");

    expect(await getTask(f, id)).toEqual(before);
    const cp = await ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.read));
    expect(cp.seq).toBe(1);
    expect(cp.state.reasoning).toBe("first");

    // The current lease is unaffected.
    expect(
      (await ok(call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, { epoch: fresh, state: { reasoning: "second" } })))
        .seq,
    ).toBe(2);
    const done = await ok(call("POST", `/v1/tasks/${id}/complete`, f.runner, { epoch: fresh, result: { ok: true } }));
    expect(done.task).toMatchObject({ state: "succeeded", result: { ok: true }, checkpoint_seq: 2 });
  });

  it("refuses an epoch from the future too", async () => {
    const f = await fixture();
    const { id, fresh } = await releasedAfterExpiry(f);
    // With the current lease's token (no token was ever made for fresh + 1).
    expectError(
      await call(
        "POST",
        `/v1/tasks/${id}/complete`,
        f.runner,
        { epoch: fresh + 1 },
        { [LEASE_TOKEN]: leaseTokenOf(id, fresh) ?? "" },
      ),
      409,
      "stale_epoch",
    );
    expect((await getTask(f, id)).state).toBe("leased");
  });

  it("refuses a second complete with 409 and keeps the first result", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    const task = await submit(f, { agent: "echo" });
    const [l] = await lease(f, runnerId);
    await ok(call("POST", `/v1/tasks/${task.id}/complete`, f.runner, { epoch: l.epoch, result: 1 }));
    const again = await call("POST", `/v1/tasks/${task.id}/complete`, f.runner, { epoch: l.epoch, result: 2 });
    expectError(again, 409, "conflict");
    expectError(
      await call("POST", `/v1/tasks/${task.id}/fail`, f.runner, { epoch: l.epoch, error: { code: "x", message: "y" } }),
      409,
      "conflict",
    );
    expectError(
      await call("PUT", `/v1/tasks/${task.id}/checkpoint`, f.runner, { epoch: l.epoch, state: {} }),
      409,
      "conflict",
    );
    expect(await getTask(f, task.id)).toMatchObject({ state: "succeeded", result: 1 });
  });

  it("refuses a complete for a task that was never leased", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const task = await submit(f, { agent: "echo" });
    // No lease, so no lease token: refused before the epoch is even looked at.
    expectError(await call("POST", `/v1/tasks/${task.id}/complete`, f.runner, { epoch: 1 }), 401, "unauthorized");
    expect((await getTask(f, task.id)).state).toBe("queued");
  });
});
