// Compute limits end to end: a real runner puts each agent in its own cgroup.
// Without root or a usable cgroup hierarchy the runner falls back to rlimits,
// and these tests skip, saying why.
import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXAMPLES, startRunner } from "../../scripts/lib/stack.mjs";
import { detectCgroups } from "../../agent-runner/src/cgroup.js";
import { missing } from "../../scripts/lib/prereqs.mjs";
import { finished, useStack } from "./helpers.js";

const root = process.getuid?.() === 0;
const setup = root ? await detectCgroups({ mode: "auto", root: "/sys/fs/cgroup", name: "officeos-e2e" }) : null;
const why = !root
  ? "not root: cannot create cgroups"
  : setup?.mode === "rlimit"
    ? `no usable cgroup hierarchy: ${setup.reason}`
    : "";
const skip = missing("cgroups", why || null);

const s = useStack("limits");
/** A fork bomb that stops at the first refused fork (EAGAIN at pids.max) and exits without reporting. */
const BOMB =
  "const { spawn } = require('node:child_process'); (function more() { const c = spawn('/bin/sleep', ['120'], { stdio: 'ignore' }); c.once('error', (e) => { console.error('fork refused: ' + e.code); process.exit(0); }); c.once('spawn', more); })();";
const node = process.execPath;

describe.skipIf(skip)(`compute limits through the runner (${setup?.mode ?? "none"})`, () => {
  it("an agent past its memory limit fails resource_exhausted; a fork bomb stops at pids.max and the runner goes on", async () => {
    await s.admin("PUT", "/v1/agents/hog", { resources: { cpu: 500, memory_mb: 64 }, retry: { max_attempts: 1 } });
    await s.admin("PUT", "/v1/agents/bomb", { resources: { cpu: 200, memory_mb: 64 }, retry: { max_attempts: 1 } });
    const runner = startRunner({
      dir: s.dir,
      name: "limits-runner",
      url: s.cp.url,
      key: s.runnerKey,
      agents: {
        hog: { command: [node, "-e", "const a = []; for (;;) a.push(Buffer.alloc(4 << 20).fill(1));"] },
        // Forks until the kernel refuses one, then exits: it ends on the limit, however slow the machine.
        bomb: { command: [node, "-e", BOMB] },
        echo: { command: [node, join(EXAMPLES, "echo-agent.mjs")] },
      },
      extra: { limits: { cgroup_parent: "officeos-e2e", pids_max: 48 } },
    });
    s.runners.push(runner);
    await runner.waitForLog((e: any) => e.msg === "compute limits through cgroups");
    await runner.waitForLog((e: any) => e.msg === "runner ready");

    const hog = (await s.submit<any>("POST", "/v1/tasks", { agent: "hog", input: null })).task;
    const t = await finished(s.submit, hog.id);
    expect(t.state).toBe("failed");
    expect(t.error.code).toBe("resource_exhausted");
    expect(t.error.message).toContain("64 MB");
    expect(t.usage.enforcement).toBe(setup?.mode);
    expect(t.usage.peak_memory_mb).toBeLessThanOrEqual(64);
    expect(t.usage.peak_memory_mb).toBeGreaterThan(32);
    expect(t.usage.cpu_seconds).toBeGreaterThan(0);

    const bomb = (await s.submit<any>("POST", "/v1/tasks", { agent: "bomb", input: null })).task;
    const b = await finished(s.submit, bomb.id);
    // The bomb exits at the limit without reporting (a retryable failure, out of attempts); its leftovers are killed with its cgroup.
    expect(["failed", "escalated"]).toContain(b.state);
    expect(b.error.code).toBe("agent_exited");
    // It hit the pids limit: forks were refused there.
    expect(b.usage.pids_denied).toBeGreaterThan(0);
    expect(runner.child.exitCode).toBe(null);
    const parent = setup?.mode === "cgroup-v1" ? "/sys/fs/cgroup/pids/officeos-e2e" : "/sys/fs/cgroup/officeos-e2e";
    expect(readdirSync(parent).filter((d) => d.includes(bomb.id))).toEqual([]);
    expect(existsSync(parent)).toBe(true);

    // The runner survived and runs the next task.
    const echo = (await s.submit<any>("POST", "/v1/tasks", { agent: "echo", input: { hi: 1 } })).task;
    const e = await finished(s.submit, echo.id);
    expect(e.state).toBe("succeeded");
    expect(e.result).toEqual({ echo: { hi: 1 } });
    expect(e.usage.enforcement).toBe(setup?.mode);
  });
});

// A stand-in nvidia-smi that prints what the real one prints for the runner's query on a two-GPU host.
function standInNvidiaSmi(): string {
  const dir = mkdtempSync(join(tmpdir(), "fake-nvidia-"));
  const csv = "0, GPU-5f1c2a8e-0000-4b5e-9c1d-000000000000, 16384\n1, GPU-8a7b6c5d-1111-4e3f-8a2b-111111111111, 8192\n";
  writeFileSync(
    join(dir, "nvidia-smi"),
    `#!/bin/sh\n[ "$1" = "--query-gpu=index,uuid,memory.total" ] && [ "$2" = "--format=csv,noheader,nounits" ] || exit 2\nprintf '${csv}'\n`,
  );
  chmodSync(join(dir, "nvidia-smi"), 0o755);
  return dir;
}

// An agent that reports the GPU pinning it was started with.
const REPORT_GPUS = `fetch(process.env.OFFICEOS_RUNTIME_API + "/result", { method: "POST", headers: { authorization: "Bearer " + process.env.OFFICEOS_TASK_TOKEN, "content-type": "application/json" },
  body: JSON.stringify({ result: { cuda: process.env.CUDA_VISIBLE_DEVICES ?? null, nvidia: process.env.NVIDIA_VISIBLE_DEVICES ?? null } }) }).then(() => process.exit(0));`;

describe("GPUs through the runner", () => {
  it("advertises discovered GPUs and pins each task to its devices", async () => {
    for (const [name, resources] of [
      ["gpu-whole", { gpu: 1 }],
      ["gpu-mem", { gpu_memory_mb: 6000 }],
      ["gpu-none", {}],
    ] as const)
      await s.admin("PUT", `/v1/agents/${name}`, { resources: { cpu: 100, memory_mb: 128, ...resources } });
    const command = [node, "-e", REPORT_GPUS];
    const runner = startRunner({
      dir: s.dir,
      name: "gpu-runner",
      url: s.cp.url,
      key: s.runnerKey,
      capacity: { cpu: 4000, memory_mb: 4096 },
      agents: { "gpu-whole": { command }, "gpu-mem": { command }, "gpu-none": { command } },
      env: { PATH: `${standInNvidiaSmi()}:${process.env.PATH}` },
    });
    s.runners.push(runner);
    await runner.waitForLog((e: any) => e.msg === "runner ready");
    const { runners } = await s.admin<any>("GET", "/v1/runners");
    expect(runners.find((r: any) => r.name === "gpu-runner").capacity).toEqual({
      cpu: 4000,
      memory_mb: 4096,
      gpu: 2,
      gpu_memory_mb: 16384 + 8192,
    });
    const run = async (agent: string) =>
      (await finished(s.submit, (await s.submit<any>("POST", "/v1/tasks", { agent, input: null })).task.id)).result;
    expect(await run("gpu-whole")).toEqual({ cuda: "0", nvidia: "GPU-5f1c2a8e-0000-4b5e-9c1d-000000000000" });
    // 6000 MB: best fit is the 8 GB device.
    expect(await run("gpu-mem")).toEqual({ cuda: "1", nvidia: "GPU-8a7b6c5d-1111-4e3f-8a2b-111111111111" });
    expect(await run("gpu-none")).toEqual({ cuda: "", nvidia: "void" });
  });
});
