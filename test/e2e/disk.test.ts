// Issue #16, acceptance 4 (the disk half): an agent whose spec asks `disk_mb: 8` gets a work dir
// that is a file system of that size (a loop-mounted ext4 image); a disk bomb writing to it stops
// there, the task fails `resource_exhausted` (found by statfs at its exit, not guessed from the
// exit code, and not retried), the image and its mount are gone afterwards, and the runner goes
// on to the next task. The bomb also tries /tmp, which is the sandbox's small private tmpfs.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXAMPLES, startRunner } from "../../scripts/lib/stack.mjs";
import { finished, useStack } from "./helpers.js";

const root = process.getuid?.() === 0;
const s = useStack("disk");

// Writes 1 MB chunks into its home (the work dir) until the file system says no, then exits 1 without reporting.
const BOMB = `
const { openSync, writeSync } = require("node:fs");
const fd = openSync(process.env.HOME + "/bomb", "w");
const mb = Buffer.alloc(1 << 20, 120);
let n = 0;
try { for (;;) { writeSync(fd, mb); n++; } } catch (e) { console.error("stopped after " + n + " MB: " + e.code); process.exit(1); }
`;

describe.skipIf(!root)("disk_mb", () => {
  it("a disk bomb stops at disk_mb, the task fails resource_exhausted, and the runner goes on", async () => {
    await s.admin("PUT", "/v1/agents/filler", {
      resources: { cpu: 100, memory_mb: 256, disk_mb: 8 },
      retry: { max_attempts: 3 },
    });
    const runner = startRunner({
      dir: s.dir,
      name: "disk",
      url: s.cp.url,
      key: s.runnerKey,
      capacity: { cpu: 4000, memory_mb: 4096, disk_mb: 1024 },
      agents: {
        filler: { command: [process.execPath, "-e", BOMB] },
        echo: { command: [process.execPath, join(EXAMPLES, "echo-agent.mjs")] },
      },
    });
    s.runners.push(runner);
    await runner.waitForLog((e: { msg?: string }) => e.msg === "runner ready");
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "filler", input: null });
    const t = await finished(s.submit, task.id);
    // Not retryable (the same work would fill the same disk): one attempt, then the policy's end.
    expect({ state: t.state, attempts: t.attempts, error: t.error }).toMatchObject({
      attempts: 1,
      error: { code: "resource_exhausted" },
    });
    expect(["failed", "escalated"]).toContain(t.state);
    expect(t.error.code).toBe("resource_exhausted");
    expect(t.error.message).toContain("disk_mb 8");
    const stopped = runner.lines.find(
      (e: { msg?: string; line?: string }) => e.msg === "agent output" && e.line?.startsWith("stopped after"),
    ) as { line: string };
    // ENOSPC within the 8 MB image (ext4 keeps some of it for itself).
    expect(stopped.line).toMatch(/^stopped after [1-8] MB: ENOSPC$/);
    // The image and its mount went with the task.
    await runner.waitForLog((e: { msg?: string; task_id?: string }) => e.msg === "slot freed" && e.task_id === task.id);
    const work = runner.config.work_dir as string;
    expect(readFileSync("/proc/mounts", "utf8")).not.toContain(work);
    const state = join(work, ".state", "disk");
    expect(existsSync(state) ? readdirSync(state).filter((f) => f.endsWith(".img")) : []).toEqual([]);

    const echo = (await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "echo", input: { hi: 1 } }))
      .task;
    const e = await finished(s.submit, echo.id);
    expect(e.state).toBe("succeeded");
    expect(runner.child.exitCode).toBe(null);
  });
});
