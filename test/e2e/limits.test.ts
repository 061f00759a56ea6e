// Compute limits end to end: a real runner puts each agent in its own cgroup.
// Without root or a usable cgroup hierarchy the runner falls back to rlimits,
// and these tests skip, saying why.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXAMPLES, startRunner } from "../../scripts/lib/stack.mjs";
import { detectCgroups } from "../../agent-runner/src/cgroup.js";
import { finished, useStack } from "./helpers.js";

const root = process.getuid?.() === 0;
const setup = root ? await detectCgroups({ mode: "auto", root: "/sys/fs/cgroup", name: "officeos-e2e" }) : null;
const why = !root ? "not root: cannot create cgroups" : setup?.mode === "rlimit" ? `no usable cgroup hierarchy: ${setup.reason}` : "";
if (why) console.warn(`cgroup e2e tests skipped: ${why}`);

const s = useStack("limits");
const node = process.execPath;

describe.skipIf(why !== "")(`compute limits through the runner (${setup?.mode ?? "none"})`, () => {
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
        bomb: { command: ["/bin/sh", "-c", "b() { b | b & }; b; sleep 3"] },
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
    // The shell exits after its sleep without reporting (a retryable failure, out of attempts); the bomb's leftovers are killed with its cgroup.
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
