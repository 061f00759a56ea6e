// Compute limits, really enforced by the kernel: these tests create cgroups
// (v2 where usable, else v1, as on these machines) and run real processes in
// them. Without root or a writable cgroup hierarchy they skip and say why.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { missing } from "../../scripts/lib/prereqs.mjs";
import {
  detectCgroups,
  parseOomKills,
  rlimitLines,
  TaskCgroup,
  v1Writes,
  v2Writes,
  wrapCommand,
  type CgroupSetup,
} from "../../agent-runner/src/cgroup.js";

describe("cgroup plans (pure)", () => {
  it("maps millicores, megabytes and pids to v2 and v1 files", () => {
    // 500 millicores = half of a 100 000 µs period.
    expect(v2Writes({ cpuMillis: 500, memoryMb: 64, pidsMax: 32 })).toEqual([
      ["cpu.max", "50000 100000"],
      ["memory.max", String(64 * 1024 * 1024)],
      ["memory.swap.max", "0"],
      ["pids.max", "32"],
    ]);
    expect(v1Writes({ cpuMillis: 1500, pidsMax: 100 })).toEqual([
      ["cpu", "cpu.cfs_period_us", "100000"],
      ["cpu", "cpu.cfs_quota_us", "150000"],
      ["pids", "pids.max", "100"],
    ]);
    expect(v1Writes({ memoryMb: 1, pidsMax: 5 })).toContainEqual(["memory", "memory.memsw.limit_in_bytes", "1048576"]);
    expect(rlimitLines({ memoryMb: 2, pidsMax: 9 })).toEqual(["ulimit -u 9", "ulimit -d 2048"]);
  });

  it("wraps the command so the shell execs the agent with its argv intact", () => {
    const [cmd, args] = wrapCommand(["echo hi >&2"], "node", ["a b", "$HOME", "it's"]);
    const r = spawnSync(
      cmd,
      args.map((a) => (a === "node" ? "printf" : a === "a b" ? "%s|" : a)),
      { encoding: "utf8" },
    );
    expect(r.stdout).toBe("$HOME|it's|");
    expect(r.stderr).toBe("hi\n");
  });

  it("reads oom_kill counters from v1 oom_control and v2 memory.events", () => {
    expect(parseOomKills("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")).toBe(2);
    expect(parseOomKills("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n")).toBe(1);
    expect(parseOomKills("oom_kill_disable 0\nunder_oom 0\n")).toBe(0);
  });
});

const root = process.getuid?.() === 0;
const setup: CgroupSetup | null = root
  ? await detectCgroups({ mode: "auto", root: "/sys/fs/cgroup", name: "officeos-test" })
  : null;
const why = !root
  ? "not root: cannot create cgroups"
  : setup?.mode === "rlimit"
    ? `no usable cgroup hierarchy: ${setup.reason}`
    : "";
// Under CI=true a machine without usable cgroups fails the run (scripts/lib/prereqs.mjs); elsewhere these skip, loudly.
const real = describe.skipIf(missing("cgroups", why || null));

function run(
  cg: TaskCgroup,
  script: string,
): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; pid: number } {
  const [cmd, args] = cg.wrap(process.execPath, ["-e", script]);
  const child = spawn(cmd, args, { stdio: "ignore" });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once("close", (code, signal) => res({ code, signal })),
  );
  return { done, pid: child.pid as number };
}

const id = (tag: string) => `t-${tag}-${process.pid}-${Date.now()}`;

/** The "max" line of pids.events (v1 and v2 alike): forks the kernel refused at pids.max. */
const pidsMaxEvents = (text: string): number => Number(/^max (\d+)$/m.exec(text)?.[1] ?? 0);

/** Polls a condition with a deadline far above what it needs on a quiet machine. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

real(`cgroup enforcement (${setup?.mode ?? "none"})`, () => {
  it("an agent allocating past its memory limit is OOM-killed, and the cgroup says so", async () => {
    const cg = await TaskCgroup.create(setup as CgroupSetup, id("oom"), { memoryMb: 64, pidsMax: 64 });
    try {
      const p = run(cg, "const a = []; for (;;) a.push(Buffer.alloc(4 << 20).fill(1));");
      const exit = await p.done;
      expect(exit.signal).toBe("SIGKILL");
      expect(await cg.oomKilled()).toBe(true);
      const u = await cg.usage();
      // Peak memory reached the limit, not beyond it.
      expect(u.peak_memory_mb).toBeGreaterThan(32);
      expect(u.peak_memory_mb).toBeLessThanOrEqual(64);
    } finally {
      await cg.destroy();
    }
  }, 30_000);

  it("two spinning threads under a 0.5-CPU limit use about 0.5 CPU by the cgroup's own accounting", async () => {
    const cg = await TaskCgroup.create(setup as CgroupSetup, id("cpu"), { cpuMillis: 500, pidsMax: 64 });
    try {
      const spin =
        "const { Worker } = require('node:worker_threads'); for (let i = 0; i < 2; i++) new Worker('for (;;) {}', { eval: true }); setInterval(() => {}, 1000);";
      const p = run(cg, spin);
      // Let it start, then measure a few seconds of its own accounting.
      await new Promise((r) => setTimeout(r, 1000));
      const c0 = (await cg.cpuSeconds()) as number;
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 3000));
      const c1 = (await cg.cpuSeconds()) as number;
      const wall = (performance.now() - t0) / 1000;
      process.kill(p.pid, "SIGKILL");
      await p.done;
      const cpus = (c1 - c0) / wall;
      // Unlimited, two spinning threads would use up to 2 CPUs; the limit holds them to half of one. The
      // lower bound only shows they spun: on a loaded machine they may get less than their quota.
      expect(cpus).toBeGreaterThan(0.05);
      expect(cpus).toBeLessThan(0.7);
    } finally {
      await cg.destroy();
    }
  }, 30_000);

  it("a fork bomb stops at the pids limit, this process survives, and cleanup leaves nothing", async () => {
    const name = id("bomb");
    // A whole CPU: the bomb must be able to reach its limit on a loaded machine; the pids limit is what is under test.
    const cg = await TaskCgroup.create(setup as CgroupSetup, name, { cpuMillis: 1000, pidsMax: 40 });
    const dir =
      setup?.mode === "cgroup-v2"
        ? `/sys/fs/cgroup/officeos-test/${name}`
        : `/sys/fs/cgroup/pids/officeos-test/${name}`;
    const [cmd, args] = cg.wrap("/bin/sh", ["-c", "b() { b | b & }; b; sleep 60"]);
    const child = spawn(cmd, args, { stdio: "ignore", detached: true });
    let peak = 0;
    try {
      // Gate on the kernel's own word that a fork was refused at the limit (pids.events "max" rises),
      // not on a time window: however slow the machine, the bomb gets there.
      const refused = await until("the kernel to refuse a fork at pids.max", async () => {
        peak = Math.max(peak, (await cg.pidsCurrent()) ?? 0);
        const n = pidsMaxEvents(readFileSync(join(dir, "pids.events"), "utf8"));
        return n > 0 ? n : undefined;
      });
      expect(refused).toBeGreaterThan(0);
      // Never beyond the limit, however long it keeps trying.
      for (let i = 0; i < 20; i++) {
        peak = Math.max(peak, (await cg.pidsCurrent()) ?? 0);
        await new Promise((r) => setImmediate(r));
      }
      expect(peak).toBeLessThanOrEqual(40);
      expect(peak).toBeGreaterThan(1);
      // The runner's side still forks fine.
      expect(spawnSync("true").status).toBe(0);
    } finally {
      await cg.destroy();
    }
    expect(child.pid).toBeGreaterThan(0);
    expect(existsSync(`/sys/fs/cgroup/pids/officeos-test/${name}`)).toBe(false);
    expect(existsSync(`/sys/fs/cgroup/officeos-test/${name}`)).toBe(false);
  }, 90_000);
});
