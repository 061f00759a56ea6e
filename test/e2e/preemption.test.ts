// Preemption with real runners: low-priority pipeline tasks fill both runners;
// a high-priority task arrives; a victim checkpoints and releases; the
// high-priority task starts in the victim's place, long before any low task could
// finish by itself; the victim resumes from its checkpoint and finishes with every
// step run once. The order of events is checked, not their timing.
import { join } from "node:path";
import { expect, it } from "vitest";
import { startRunner } from "../../scripts/lib/stack.mjs";
import { expectEachStepOnce, finished, linesOf, until, useStack } from "./helpers.js";

const HEARTBEAT_MS = 500;
/** Low tasks run 30 steps of 250 ms: at least 7 s left when the high-priority task arrives. */
const LOW_STEPS = 30;
const s = useStack("preempt");

it("a high-priority task preempts a low-priority one, which later resumes with every step once", async () => {
  // Each runner fits two pipeline tasks (250 millicores each).
  for (const name of ["p-a", "p-b"])
    s.runners.push(
      startRunner({
        dir: s.dir,
        name,
        url: s.cp.url,
        key: s.runnerKey,
        capacity: { cpu: 500, memory_mb: 4096 },
        extra: { lease_ttl_ms: 3000, heartbeat_interval_ms: HEARTBEAT_MS, lease_wait_ms: 10_000 },
      }),
    );
  await Promise.all(s.runners.map((r) => r.waitForLog((e) => e.msg === "runner ready")));
  const low: { id: string; file: string }[] = [];
  for (let i = 0; i < 4; i++) {
    const file = join(s.dir, `low-${i}.log`);
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "pipeline",
      priority: 0,
      input: { steps: LOW_STEPS, file, step_ms: 250 },
    });
    low.push({ id: task.id, file });
  }
  const started = (id: string) =>
    Promise.race(s.runners.map((r) => r.waitForLog((e) => e.msg === "task started" && e.task_id === id).then(() => r)));
  await Promise.all(low.map((t) => started(t.id)));
  // Let every low task get a few steps in, so the victim has a checkpoint to resume from.
  await until("two steps of every low task", () => low.every((t) => linesOf(t.file).length >= 2));

  const vipFile = join(s.dir, "vip.log");
  const { task: vip } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
    agent: "pipeline",
    priority: 10,
    input: { steps: 2, file: vipFile },
  });
  const vipRunner = await started(vip.id);
  const startedAt = Date.parse(
    String((await vipRunner.waitForLog((e) => e.msg === "task started" && e.task_id === vip.id)).time),
  );
  // No low task had finished by itself: the slot came from preemption, not from a natural end.
  expect(low.filter((t) => linesOf(t.file).length >= LOW_STEPS)).toEqual([]);
  // The runner heard of the preemption in a heartbeat; the victim checkpointed, exited and was released, then the VIP started.
  const preempted = await vipRunner.waitForLog((e) => e.msg === "preempt requested");
  const victim = low.find((t) => t.id === preempted.task_id);
  expect(victim).toBeDefined();
  const released = await vipRunner.waitForLog(
    (e) => e.msg === "task reported" && e.task_id === victim?.id && e.outcome === "released",
  );
  expect(Date.parse(String(preempted.time))).toBeLessThanOrEqual(Date.parse(String(released.time)));
  expect(Date.parse(String(released.time))).toBeLessThanOrEqual(startedAt);

  const v = await finished(s.submit, vip.id);
  expect(v).toMatchObject({ state: "succeeded", result: { steps: 2, sum: 3 } });
  for (const t of low) {
    const done = await finished(s.submit, t.id);
    // 1 + 2 + ... + 30
    expect(done).toMatchObject({
      state: "succeeded",
      result: { steps: LOW_STEPS, sum: (LOW_STEPS * (LOW_STEPS + 1)) / 2 },
    });
    expectEachStepOnce(t.file, LOW_STEPS);
  }
  const v2 = await finished(s.submit, victim!.id);
  // Preempted, not failed: the attempt was given back.
  expect(v2.attempts).toBe(1);
  const restarts = s.runners
    .flatMap((r) => r.lines.filter((e) => e.msg === "task started" && e.task_id === victim!.id))
    .sort((a, b) => Date.parse(String(a.time)) - Date.parse(String(b.time)));
  expect(restarts).toHaveLength(2);
  expect(Number(restarts[1]?.resume_seq)).toBeGreaterThan(0);
});
