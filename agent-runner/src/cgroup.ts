// Compute limits for agent processes: one cgroup per task with CPU, memory
// and pids limits from the agent's resource request.
//   - cgroup v2 (`cpu.max`, `memory.max`, `pids.max`) where the unified
//     hierarchy has those controllers and we may write to it;
//   - cgroup v1 (`cpu.cfs_quota_us`/`cpu.cfs_period_us`, `memory.limit_in_bytes`,
//     `pids.max`, accounting from `cpuacct`) where only v1 is mounted;
//   - otherwise rlimits through the shell's `ulimit` (pids and data size
//     only; CPU is not limited), with a loud warning.
// The child joins its cgroup before it runs any code of its own: the runner
// spawns `sh -c 'echo $$ > …/cgroup.procs; exec agent…'`, so the shell writes
// its own pid and then becomes the agent. At the end every process still in
// the cgroup is killed and the cgroup removed.
import { access, constants, mkdir, readdir, readFile, realpath, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export type CgroupMode = "cgroup-v2" | "cgroup-v1" | "rlimit";

export interface Limits {
  /** Millicores: 500 = half a CPU. */
  cpuMillis?: number | undefined;
  memoryMb?: number | undefined;
  pidsMax: number;
}

export interface TaskUsage {
  cpu_seconds?: number;
  peak_memory_mb?: number;
  pids_denied?: number;
  enforcement: CgroupMode;
}

/** The runner's choice, made once at start. */
export type CgroupSetup =
  | { mode: "cgroup-v2"; parent: string }
  | { mode: "cgroup-v1"; parents: Record<V1Controller, string> }
  | { mode: "rlimit"; reason: string };

export type V1Controller = "cpu" | "cpuacct" | "memory" | "pids";
const V1_CONTROLLERS: readonly V1Controller[] = ["cpu", "cpuacct", "memory", "pids"];
const CFS_PERIOD_US = 100_000;

// ---- what to write: pure, tested alone -----------------------------------------

export function v2Writes(l: Limits): [file: string, value: string][] {
  const w: [string, string][] = [];
  if (l.cpuMillis)
    w.push(["cpu.max", `${Math.max(1000, Math.round((l.cpuMillis / 1000) * CFS_PERIOD_US))} ${CFS_PERIOD_US}`]);
  if (l.memoryMb) w.push(["memory.max", String(Math.round(l.memoryMb * 1024 * 1024))], ["memory.swap.max", "0"]);
  w.push(["pids.max", String(l.pidsMax)]);
  return w;
}

export function v1Writes(l: Limits): [controller: V1Controller, file: string, value: string][] {
  const w: [V1Controller, string, string][] = [];
  if (l.cpuMillis)
    w.push(
      ["cpu", "cpu.cfs_period_us", String(CFS_PERIOD_US)],
      ["cpu", "cpu.cfs_quota_us", String(Math.max(1000, Math.round((l.cpuMillis / 1000) * CFS_PERIOD_US)))],
    );
  if (l.memoryMb) {
    const bytes = String(Math.round(l.memoryMb * 1024 * 1024));
    // memsw (memory + swap) must not be below memory.limit; it exists only with swap accounting.
    w.push(["memory", "memory.limit_in_bytes", bytes], ["memory", "memory.memsw.limit_in_bytes", bytes]);
  }
  w.push(["pids", "pids.max", String(l.pidsMax)]);
  return w;
}

/** `ulimit` lines for the rlimit fallback: process count and data segment (KiB). */
export function rlimitLines(l: Limits): string[] {
  const lines = [`ulimit -u ${l.pidsMax}`];
  if (l.memoryMb) lines.push(`ulimit -d ${Math.round(l.memoryMb * 1024)}`);
  return lines;
}

const shq = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** argv that joins the cgroups (or sets rlimits) and then execs the agent. */
export function wrapCommand(prelude: string[], cmd: string, args: string[]): [string, string[]] {
  const script = [...prelude, 'exec "$@"'].join("\n");
  return ["/bin/sh", ["-c", script, "officeos-agent", cmd, ...args]];
}

/** "oom_kill N" from memory.oom_control (v1) or memory.events (v2). */
export function parseOomKills(text: string): number {
  const m = /^oom_kill\s+(\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

// ---- detection -------------------------------------------------------------------

async function writable(path: string): Promise<boolean> {
  try {
    await access(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Picks how limits are applied here. `name` is the runner's parent cgroup
 * (created if missing), e.g. "officeos".
 */
export async function detectCgroups(opts: {
  mode: "auto" | "v2" | "v1" | "off";
  root: string;
  name: string;
}): Promise<CgroupSetup> {
  const reasons: string[] = [];
  if (opts.mode === "off") return { mode: "rlimit", reason: "cgroups are turned off in the runner config" };
  if (opts.mode === "auto" || opts.mode === "v2") {
    const ctl = await readFile(join(opts.root, "cgroup.controllers"), "utf8").catch(() => null);
    const have = new Set((ctl ?? "").trim().split(/\s+/));
    if (ctl === null) reasons.push(`no cgroup v2 at ${opts.root}`);
    else if (!["cpu", "memory", "pids"].every((c) => have.has(c)))
      reasons.push(`cgroup v2 at ${opts.root} lacks cpu/memory/pids (has: ${[...have].join(" ") || "none"})`);
    else {
      const parent = join(opts.root, opts.name);
      try {
        await mkdir(parent, { recursive: true });
        // Processes may not sit in an inner node that delegates controllers; the parent stays empty.
        await writeFile(join(opts.root, "cgroup.subtree_control"), "+cpu +memory +pids").catch(() => undefined);
        await writeFile(join(parent, "cgroup.subtree_control"), "+cpu +memory +pids");
        return { mode: "cgroup-v2", parent };
      } catch (e) {
        reasons.push(`cgroup v2 at ${parent} not writable: ${(e as Error).message}`);
      }
    }
  }
  if (opts.mode === "auto" || opts.mode === "v1") {
    const parents = {} as Record<V1Controller, string>;
    let okAll = true;
    for (const c of V1_CONTROLLERS) {
      const mount = join(opts.root, c);
      if (!(await writable(join(mount, "cgroup.procs")))) {
        reasons.push(`cgroup v1 ${c} not mounted or not writable at ${mount}`);
        okAll = false;
        break;
      }
      const parent = join(mount, opts.name);
      try {
        await mkdir(parent, { recursive: true });
        parents[c] = parent;
      } catch (e) {
        reasons.push(`cannot create ${parent}: ${(e as Error).message}`);
        okAll = false;
        break;
      }
    }
    if (okAll) return { mode: "cgroup-v1", parents };
  }
  return { mode: "rlimit", reason: reasons.join("; ") || "no usable cgroup hierarchy" };
}

// ---- one task's cgroup ------------------------------------------------------------

export class TaskCgroup {
  private constructor(
    private readonly setup: CgroupSetup,
    /** Distinct directories of this task's cgroup (one for v2; one per distinct v1 hierarchy). */
    private readonly dirs: Partial<Record<V1Controller | "v2", string>>,
    private readonly limits: Limits,
  ) {}

  get mode(): CgroupMode {
    return this.setup.mode;
  }

  static async create(setup: CgroupSetup, id: string, limits: Limits): Promise<TaskCgroup> {
    if (setup.mode === "rlimit") return new TaskCgroup(setup, {}, limits);
    if (setup.mode === "cgroup-v2") {
      const dir = join(setup.parent, id);
      await mkdir(dir, { recursive: true });
      for (const [file, value] of v2Writes(limits)) {
        // memory.swap.max is absent without swap accounting; the rest must take.
        await writeFile(join(dir, file), value).catch((e: Error) => {
          if (file !== "memory.swap.max") throw e;
        });
      }
      return new TaskCgroup(setup, { v2: dir }, limits);
    }
    // cpu and cpuacct are often one hierarchy mounted twice (cpu,cpuacct): one directory then.
    const dirs: Partial<Record<V1Controller, string>> = {};
    const seen = new Map<string, string>();
    for (const c of V1_CONTROLLERS) {
      const real = await realpath(setup.parents[c]);
      const dir = seen.get(real) ?? join(setup.parents[c], id);
      if (!seen.has(real)) {
        seen.set(real, dir);
        await mkdir(dir, { recursive: true });
      }
      dirs[c] = dir;
    }
    for (const [c, file, value] of v1Writes(limits)) {
      await writeFile(join(dirs[c] as string, file), value).catch(async (e: Error) => {
        if (file === "memory.memsw.limit_in_bytes") return; // no swap accounting: nothing to cap
        throw e;
      });
    }
    return new TaskCgroup(setup, dirs, limits);
  }

  /** Distinct cgroup directories, for joining and for cleanup. */
  private distinctDirs(): string[] {
    return [...new Set(Object.values(this.dirs))];
  }

  /** argv for spawn: join the cgroup (or set rlimits), then exec the agent. */
  wrap(cmd: string, args: string[]): [string, string[]] {
    if (this.setup.mode === "rlimit")
      return wrapCommand(
        rlimitLines(this.limits).map((l) => `${l} 2>/dev/null`),
        cmd,
        args,
      );
    const joins = this.distinctDirs().map((d) => `echo $$ > ${shq(join(d, "cgroup.procs"))} || exit 126`);
    return wrapCommand(joins, cmd, args);
  }

  async oomKilled(): Promise<boolean> {
    if (this.setup.mode === "cgroup-v2")
      return parseOomKills(await readFile(join(this.dirs.v2 as string, "memory.events"), "utf8").catch(() => "")) > 0;
    if (this.setup.mode === "cgroup-v1") {
      const dir = this.dirs.memory as string;
      const kills = parseOomKills(await readFile(join(dir, "memory.oom_control"), "utf8").catch(() => ""));
      return kills > 0;
    }
    return false;
  }

  /** Whether the memory limit was hit at all (v1 failcnt), for a SIGKILL without an oom_kill counter. */
  async memoryLimitHit(): Promise<boolean> {
    if (this.setup.mode !== "cgroup-v1") return false;
    const n = Number(
      (await readFile(join(this.dirs.memory as string, "memory.failcnt"), "utf8").catch(() => "0")).trim(),
    );
    return n > 0;
  }

  async usage(): Promise<TaskUsage> {
    const out: TaskUsage = { enforcement: this.setup.mode };
    const num = async (path: string): Promise<number | null> => {
      const t = await readFile(path, "utf8").catch(() => null);
      const n = t === null ? NaN : Number(t.trim());
      return Number.isFinite(n) ? n : null;
    };
    if (this.setup.mode === "cgroup-v2") {
      const dir = this.dirs.v2 as string;
      const stat = await readFile(join(dir, "cpu.stat"), "utf8").catch(() => "");
      const usec = /^usage_usec\s+(\d+)$/m.exec(stat)?.[1];
      if (usec) out.cpu_seconds = Number(usec) / 1e6;
      const peak = (await num(join(dir, "memory.peak"))) ?? (await num(join(dir, "memory.current")));
      if (peak !== null) out.peak_memory_mb = peak / (1024 * 1024);
    } else if (this.setup.mode === "cgroup-v1") {
      const ns = await num(join(this.dirs.cpuacct as string, "cpuacct.usage"));
      if (ns !== null) out.cpu_seconds = ns / 1e9;
      const peak = await num(join(this.dirs.memory as string, "memory.max_usage_in_bytes"));
      if (peak !== null) out.peak_memory_mb = peak / (1024 * 1024);
    }
    const pidsDir = this.setup.mode === "cgroup-v2" ? this.dirs.v2 : this.dirs.pids;
    if (pidsDir) {
      const m = /^max\s+(\d+)$/m.exec(await readFile(join(pidsDir, "pids.events"), "utf8").catch(() => ""));
      if (m) out.pids_denied = Number(m[1]);
    }
    if (out.cpu_seconds !== undefined) out.cpu_seconds = Math.round(out.cpu_seconds * 1000) / 1000;
    if (out.peak_memory_mb !== undefined) out.peak_memory_mb = Math.round(out.peak_memory_mb * 100) / 100;
    return out;
  }

  /** CPU seconds so far (tests sample it while the agent runs). */
  async cpuSeconds(): Promise<number | null> {
    return (await this.usage()).cpu_seconds ?? null;
  }

  /** Pids in the cgroup now (v1 pids.current / v2 pids.current). */
  async pidsCurrent(): Promise<number | null> {
    const dir = this.setup.mode === "cgroup-v2" ? this.dirs.v2 : this.dirs.pids;
    if (!dir) return null;
    const t = await readFile(join(dir, "pids.current"), "utf8").catch(() => null);
    return t === null ? null : Number(t.trim());
  }

  /** Sends `signal` to every process in the cgroup now; returns how many there were. */
  async signalAll(signal: NodeJS.Signals): Promise<number> {
    let n = 0;
    for (const d of this.distinctDirs()) {
      for (const p of (await readFile(join(d, "cgroup.procs"), "utf8").catch(() => "")).split("\n").filter(Boolean)) {
        n++;
        try {
          process.kill(Number(p), signal);
        } catch {
          /* already gone */
        }
      }
    }
    return n;
  }

  /** Kills whatever is left in the cgroup (a fork bomb included) and removes it. */
  async destroy(): Promise<void> {
    if (this.setup.mode === "rlimit") return;
    await killAndRemove(this.distinctDirs(), this.setup.mode === "cgroup-v2");
  }
}

/**
 * Kills every process in these cgroup dirs (cgroup.kill first on v2) until they are empty, then removes
 * them; true when all are gone. Shared by a task's own cleanup and the sweep of a dead predecessor's.
 */
async function killAndRemove(dirs: readonly string[], v2: boolean): Promise<boolean> {
  if (v2) for (const d of dirs) await writeFile(join(d, "cgroup.kill"), "1").catch(() => undefined);
  for (let round = 0; round < 200; round++) {
    let left = 0;
    for (const d of dirs) {
      const pids = (await readFile(join(d, "cgroup.procs"), "utf8").catch(() => "")).split("\n").filter(Boolean);
      left += pids.length;
      for (const p of pids) {
        try {
          process.kill(Number(p), "SIGKILL");
        } catch {
          /* already gone */
        }
      }
    }
    if (left === 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  let removed = true;
  for (const d of dirs) {
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = await rmdir(d).then(
        () => true,
        (err: NodeJS.ErrnoException) => err.code === "ENOENT",
      );
      if (!gone) await new Promise((r) => setTimeout(r, 20));
    }
    removed &&= gone;
  }
  return removed;
}

/** This runner's task cgroups under each parent: the child dirs named `<prefix>…`. */
async function ownedCgroupDirs(setup: CgroupSetup, prefix: string): Promise<string[]> {
  if (setup.mode === "rlimit") return [];
  const parents = setup.mode === "cgroup-v2" ? [setup.parent] : [...new Set(Object.values(setup.parents))];
  const out: string[] = [];
  for (const p of parents) {
    const entries = await readdir(p, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory() && e.name.startsWith(prefix)) out.push(join(p, e.name));
  }
  return out;
}

/**
 * Removes this runner's task cgroups left behind when it died (SIGKILL gives
 * no chance to clean up): children of the parent named `<prefix>…`. rmdir
 * only succeeds on a cgroup with no processes, so a live one is never touched.
 */
export async function sweepStale(setup: CgroupSetup, prefix: string): Promise<number> {
  let n = 0;
  for (const dir of await ownedCgroupDirs(setup, prefix))
    if (
      await rmdir(dir).then(
        () => true,
        () => false,
      )
    )
      n++;
  return n;
}

/**
 * Removes the task cgroups named `<prefix>…` that a dead predecessor of this
 * runner left, killing what still runs in them first. The caller has checked
 * that predecessor is dead (runner-state.ts): a live runner's cgroups, even
 * under the same parent, have another prefix and are never touched.
 */
export async function sweepOwned(setup: CgroupSetup, prefix: string): Promise<number> {
  let n = 0;
  for (const dir of await ownedCgroupDirs(setup, prefix))
    if (await killAndRemove([dir], setup.mode === "cgroup-v2")) n++;
  return n;
}
