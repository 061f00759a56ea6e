// A conversation that grows to about 50 000 tokens, checkpointed as deltas,
// survives its runner being killed at five random points: it finishes with
// the right final state and every step run once.
import { join } from "node:path";
import { expect, it } from "vitest";
import { startRunner, type RunnerProcess } from "../../scripts/lib/stack.mjs";
import { expectEachStepOnce, finished, linesOf, until, useStack } from "./helpers.js";

const s = useStack("chain");
const TIMING = { lease_ttl_ms: 2000, heartbeat_interval_ms: 400, lease_wait_ms: 10_000 };

it("a 50 000-token conversation survives five kills of its runner", async () => {
  const STEPS = 50;
  // 50 steps × 2 messages × 2 000 chars ≈ 200 KB ≈ 50 000 tokens
  const file = join(s.dir, "chat.log");
  let n = 0;
  const spawn = (): RunnerProcess => {
    const r = startRunner({ dir: s.dir, name: `chain-${n++}`, url: s.cp.url, key: s.runnerKey, extra: TIMING });
    s.runners.push(r);
    return r;
  };
  // Each kill costs an attempt (its lease expires): allow them all, and the ones a loaded machine adds
  // when a heartbeat misses the 2 s lease.
  await s.admin("PUT", "/v1/agents/pipeline", { resources: { cpu: 250, memory_mb: 128 }, retry: { max_attempts: 20 } });
  let current = spawn();
  await current.waitForLog((e) => e.msg === "runner ready");
  const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
    agent: "pipeline",
    input: { steps: STEPS, file, step_ms: 40, chat_chars: 2000 },
  });
  // Seeded so a failure can be replayed: kill points spread over the run.
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const killAt = Array.from({ length: 5 }, (_, i) => Math.floor(((i + rand()) * STEPS) / 6) + 1);
  for (const at of killAt) {
    // Kill only the runner that holds the task, once it has run past the kill point.
    await current.waitForLog((e) => e.msg === "task started" && e.task_id === task.id, 60_000);
    await until(`step ${at}`, () => linesOf(file).length >= at, 90_000);
    const next = spawn();
    await next.waitForLog((e) => e.msg === "runner ready");
    current.child.kill("SIGKILL");
    current = next;
  }
  const t = await finished(s.submit, task.id, 120_000);
  // 1 + 2 + ... + 50 = 1275
  expect(t).toMatchObject({
    state: "succeeded",
    result: { steps: STEPS, sum: 1275, messages: 2 * STEPS, conversation_intact: true },
  });
  expectEachStepOnce(file, STEPS);
  const cp = await s.submit<{ seq: number; state: { messages: { content: string }[] } }>(
    "GET",
    `/v1/tasks/${task.id}/checkpoint`,
  );
  expect(cp.state.messages).toHaveLength(2 * STEPS);
  // Two checkpoints a step; every attempt after a kill resumed from a checkpoint, never from scratch. One
  // start per kill and the first; on a loaded machine a heartbeat that misses the 2 s lease adds one (seen
  // under a load average of 40), which resumes from a checkpoint too.
  const starts = s.runners.flatMap((r) => r.lines.filter((e) => e.msg === "task started" && e.task_id === task.id));
  expect(starts.length).toBeGreaterThanOrEqual(6);
  expect(starts.slice(1).every((e) => Number(e.resume_seq) > 0)).toBe(true);
});
