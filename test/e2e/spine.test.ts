// The spine, end to end: the real Worker under `wrangler dev`, two real
// agent-runner processes, the pipeline agent as real child processes.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startRunner, type RunnerProcess } from "../../scripts/lib/stack.mjs";
import { expectEachStepOnce, finished as finishedTask, linesOf, until, useStack } from "./helpers.js";

const RUNNER_TIMING = {
  lease_ttl_ms: 3000,
  heartbeat_interval_ms: 500,
  lease_wait_ms: 10_000,
  drain_timeout_ms: 10_000,
  log_level: "info",
};
const s = useStack("spine");

const finished = (id: string) => finishedTask(s.submit, id);

function startTwoRunners(tag: string): [RunnerProcess, RunnerProcess] {
  const a = startRunner({ dir: s.dir, name: `${tag}-a`, url: s.cp.url, key: s.runnerKey, extra: RUNNER_TIMING });
  const b = startRunner({ dir: s.dir, name: `${tag}-b`, url: s.cp.url, key: s.runnerKey, extra: RUNNER_TIMING });
  s.runners.push(a, b);
  return [a, b];
}

afterEach(async () => {
  // Every test leaves no runner behind, pass or fail, so the next one starts clean.
  await Promise.all(s.runners.splice(0).map((r) => r.stop()));
});

describe("spine end to end", () => {
  it("runs 20 pipeline tasks on two runners, every step once", async () => {
    const [a, b] = startTwoRunners("batch");
    await Promise.all([a.waitForLog((e) => e.msg === "runner ready"), b.waitForLog((e) => e.msg === "runner ready")]);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const file = join(s.dir, `batch-${i}.log`);
      const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
        agent: "pipeline",
        input: { steps: 3, file },
      });
      ids.push(task.id);
    }
    for (const [i, id] of ids.entries()) {
      const t = await finished(id);
      expect(t.state).toBe("succeeded");
      // 1 + 2 + 3
      expect(t.result).toEqual({ steps: 3, sum: 6 });
      expect(t.checkpoint_seq).toBe(6);
      expectEachStepOnce(join(s.dir, `batch-${i}.log`), 3);
    }
  });

  it("resumes a task on the other runner after kill -9, from its last checkpoint", async () => {
    const [a, b] = startTwoRunners("kill");
    await Promise.all([a.waitForLog((e) => e.msg === "runner ready"), b.waitForLog((e) => e.msg === "runner ready")]);
    const file = join(s.dir, "kill.log");
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "pipeline",
      input: { steps: 8, file, step_ms: 300 },
    });
    const started = await Promise.race(
      [a, b].map((r) => r.waitForLog((e) => e.msg === "task started" && e.task_id === task.id).then(() => r)),
    );
    const survivor = started === a ? b : a;
    // Kill the runner in the middle: after three steps have left their mark.
    await until("three steps", () => linesOf(file).length >= 3);
    started.child.kill("SIGKILL");
    const t = await finished(task.id);
    expect(t.state).toBe("succeeded");
    // 1 + 2 + ... + 8
    expect(t.result).toEqual({ steps: 8, sum: 36 });
    expect(t.attempts).toBe(2);
    expect(t.runner_id).not.toBe(undefined);
    const lines = expectEachStepOnce(file, 8);
    const first = lines.filter((l) => l.includes(`runner=${started.name} `)).length;
    const second = lines.filter((l) => l.includes(`runner=${survivor.name} `)).length;
    // Both runners did part of the work, and together all of it.
    expect(first).toBeGreaterThanOrEqual(3);
    expect(second).toBeGreaterThanOrEqual(1);
    expect(first + second).toBe(8);
    const resumed = await survivor.waitForLog((e) => e.msg === "task started" && e.task_id === task.id);
    // Three lines were written, so at least steps 0-1 completed (4 checkpoints) and step 2 recorded its intent (5).
    expect(resumed.resume_seq).toBeGreaterThanOrEqual(5);
  });

  it("drains on SIGTERM: the running task is released uncharged and finishes elsewhere", async () => {
    const [a, b] = startTwoRunners("drain");
    await Promise.all([a.waitForLog((e) => e.msg === "runner ready"), b.waitForLog((e) => e.msg === "runner ready")]);
    const file = join(s.dir, "drain.log");
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "pipeline",
      input: { steps: 6, file, step_ms: 300 },
    });
    const started = await Promise.race(
      [a, b].map((r) => r.waitForLog((e) => e.msg === "task started" && e.task_id === task.id).then(() => r)),
    );
    const other = started === a ? b : a;
    await until("two steps", () => linesOf(file).length >= 2);
    await started.stop();
    expect(started.child.exitCode).toBe(0);
    await started.waitForLog(
      (e) => e.msg === "task reported" && e.task_id === task.id && e.outcome === "released",
      1000,
    );
    const t = await finished(task.id);
    expect(t.state).toBe("succeeded");
    expect(t.result).toEqual({ steps: 6, sum: 21 });
    // Released, not failed: the drained attempt is not charged.
    expect(t.attempts).toBe(1);
    await other.waitForLog(
      (e) => e.msg === "task reported" && e.task_id === task.id && e.outcome === "completed",
      1000,
    );
    expectEachStepOnce(file, 6);
  });

  it("registers again with its configured key when its issued credential is revoked, and keeps working", async () => {
    const r = startRunner({ dir: s.dir, name: "reenrol", url: s.cp.url, key: s.runnerKey, extra: RUNNER_TIMING });
    s.runners.push(r);
    const first = (await r.waitForLog((e) => e.msg === "runner ready")).runner_id as string;
    const { keys } = await s.admin<{ keys: { id: string; runner_id?: string; state: string }[] }>("GET", "/v1/keys");
    const issued = keys.find((k) => k.runner_id === first);
    expect(issued?.state).toBe("active");
    await s.admin("DELETE", `/v1/keys/${issued?.id}`);
    // Its parked poll ends within lease_wait_ms; the next one is refused, and it enrols anew. Same name, same
    // host: it takes its own row over (issue #18), so the id stays and no second row appears.
    const refused = await r.waitForLog(
      (e) => e.msg === "runner credential refused; registering again with the configured key",
      30_000,
    );
    const again = await r.waitForLog((e) => e.msg === "runner ready" && r.lines.indexOf(e) > r.lines.indexOf(refused));
    expect(again.runner_id).toBe(first);
    const after = (await s.admin<{ keys: { id: string; runner_id?: string; state: string }[] }>("GET", "/v1/keys"))
      .keys;
    expect(after.filter((k) => k.runner_id === first && k.state === "active").map((k) => k.id)).not.toContain(
      issued?.id,
    );
    expect(after.some((k) => k.runner_id === first && k.state === "active")).toBe(true);
    const file = join(s.dir, "reenrol.log");
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "pipeline",
      input: { steps: 2, file },
    });
    const t = await finished(task.id);
    expect(t).toMatchObject({ state: "succeeded", runner_id: again.runner_id });
    expect(r.child.exitCode).toBeNull();
  });
});
