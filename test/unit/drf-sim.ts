// A small model of one tenant for the property tests: runners, active leases,
// accounts and a queue. It plays the TenantDO's part (asks pick(), applies the
// answer, releases leases) and carries brute-force checks written from the
// definitions, independent of the index's shortcuts.
import fc from "fast-check";
import type { Resources } from "../../src/api/schemas.js";
import { pick, type Pick, type PickContext, type RunnerView } from "../../src/drf/pick.js";
import { QueueIndex, type QueuedTask } from "../../src/drf/queue-index.js";
import type { Account } from "../../src/drf/share.js";
import {
  addResources,
  fitsResources,
  fitsStatically,
  freeResources,
  type RunnerShape,
} from "../../src/scheduler/fit.js";
import { account, nextLease, req, shape, subtract } from "./drf-helpers.js";

export interface SimLease {
  task: QueuedTask;
  runnerId: string;
  endMs: number;
}

export interface SimRunner {
  id: string;
  shape: RunnerShape;
}

export class Sim {
  readonly index = new QueueIndex();
  readonly accounts = new Map<string, Account>();
  leases: SimLease[] = [];
  nowMs = 0;
  private seq = 0;
  private readonly durations = new Map<string, number>();

  constructor(
    readonly runners: readonly SimRunner[],
    weights: Readonly<Record<string, number>>,
  ) {
    for (const [agent, w] of Object.entries(weights)) this.accounts.set(agent, account(w));
  }

  submit(t: Omit<QueuedTask, "seq" | "queuedAtMs" | "id">, durationMs = 1): QueuedTask {
    this.seq++;
    const full = { ...t, id: `t${this.seq}`, seq: this.seq, queuedAtMs: this.nowMs };
    this.index.add(full);
    this.durations.set(full.id, durationMs);
    return full;
  }

  queued(): QueuedTask[] {
    return [...this.index.oldest(Infinity)];
  }

  capacity(): Resources {
    return this.runners.reduce<Resources>((c, r) => addResources(c, r.shape.capacity), {});
  }

  used(runnerId: string): Resources {
    return this.leases
      .filter((l) => l.runnerId === runnerId)
      .reduce<Resources>((u, l) => addResources(u, l.task.req.resources), {});
  }

  view(r: SimRunner, heldFor: string | null = null): RunnerView {
    return { id: r.id, shape: r.shape, free: freeResources(r.shape.capacity, this.used(r.id)), heldFor };
  }

  ctx(starvationMs: number): PickContext {
    return {
      accounts: this.accounts,
      capacity: this.capacity(),
      busyInstances: new Set(this.leases.map((l) => l.task.instance)),
      otherRunnerFits: (t, except) =>
        this.runners.some((r) => r.id !== except && !t.avoid.includes(r.id) && fitsStatically(t.agent, t.req, r.shape)),
      nowMs: this.nowMs,
      starvationMs,
    };
  }

  /** The definition of "could run here": static fit, instance idle, not a runner it failed on (unless no other fits). */
  eligible(t: QueuedTask, v: RunnerView, c: PickContext): boolean {
    return (
      fitsStatically(t.agent, t.req, v.shape) &&
      !c.busyInstances.has(t.instance) &&
      !(t.avoid.includes(v.id) && c.otherRunnerFits(t, v.id))
    );
  }

  fitsSomeRunner(t: QueuedTask): boolean {
    return this.runners.some((r) => fitsStatically(t.agent, t.req, r.shape));
  }

  /** Runner r asks for work; a task answer is applied (a lease for the task's duration). */
  ask(
    r: SimRunner,
    starvationMs: number,
    heldFor: string | null = null,
    check?: (p: Pick, v: RunnerView, c: PickContext) => void,
  ): Pick {
    const v = this.view(r, heldFor);
    const c = this.ctx(starvationMs);
    const p = pick(this.index, v, c);
    check?.(p, v, c);
    if (p.kind === "task") this.start(p.task, r.id);
    return p;
  }

  start(t: QueuedTask, runnerId: string): void {
    this.index.remove(t.id);
    const acc = this.accounts.get(t.agent) ?? account();
    this.accounts.set(t.agent, {
      weight: acc.weight,
      allocated: addResources(acc.allocated, t.req.resources),
      running: acc.running + 1,
      lastLease: nextLease(this.accounts),
    });
    this.leases.push({ task: t, runnerId, endMs: this.nowMs + (this.durations.get(t.id) ?? 1) });
  }

  /** The lease's attempt fails: the task is queued again with its seq, a new queuedAtMs, and the runner to avoid. */
  requeue(l: SimLease): void {
    this.finish(l);
    this.index.add({ ...l.task, queuedAtMs: this.nowMs, avoid: [...l.task.avoid, l.runnerId] });
  }

  finish(l: SimLease): void {
    this.leases = this.leases.filter((x) => x !== l);
    const acc = this.accounts.get(l.task.agent) as Account;
    this.accounts.set(l.task.agent, {
      weight: acc.weight,
      allocated: subtract(acc.allocated, l.task.req.resources),
      running: acc.running - 1,
      lastLease: acc.lastLease,
    });
  }
}

/** Dominant share from the definition (max over held kinds of held/capacity, a missing kind = 1), ÷ weight. */
export function shareByDefinition(acc: Account | undefined, capacity: Resources): number {
  if (!acc) return 0;
  let m = 0;
  for (const [k, a] of Object.entries(acc.allocated))
    if (a > 0) m = Math.max(m, (capacity[k] ?? 0) > 0 ? a / (capacity[k] as number) : 1);
  return m / (acc.weight > 0 ? acc.weight : 1);
}

/** Sum of each runner's leases is within its capacity, kind by kind. */
export function overCapacity(sim: Sim): string[] {
  const out: string[] = [];
  for (const r of sim.runners)
    for (const [k, u] of Object.entries(sim.used(r.id)))
      if (u > (r.shape.capacity[k] ?? 0)) out.push(`${r.id}.${k} ${u} > ${r.shape.capacity[k] ?? 0}`);
  return out;
}

export const fitsFree = (t: QueuedTask, v: RunnerView): boolean => fitsResources(t.req.resources, v.free);

// Generators shared by the properties.
const rarely = fc.integer({ min: 0, max: 3 }).map((n) => n === 0);
export const arbRunner = fc.record({
  cpu: fc.integer({ min: 1, max: 8 }),
  mem: fc.integer({ min: 0, max: 8 }),
  zone: fc.constantFrom("a", "b"),
  tainted: rarely,
});
export const arbTask = fc.record({
  agent: fc.constantFrom("a", "b", "c"),
  priority: fc.integer({ min: 0, max: 3 }),
  // Few distinct sizes, zero included, so that equal shares (and the tie-breakers) come up.
  cpu: fc.constantFrom(0, 1, 1, 2, 4, 5),
  mem: fc.constantFrom(0, 0, 1, 2, 3),
  zone: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, fc.constantFrom("a", "b", "nowhere")),
  tolerates: fc.boolean(),
  instance: fc.constantFrom("i1", "i2", "i3", null),
  avoid: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, fc.subarray(["r0", "r1", "r2"])),
});
export type ArbRunner = typeof arbRunner extends fc.Arbitrary<infer T> ? T : never;
export interface TaskSpec {
  agent: string;
  priority: number;
  cpu: number;
  mem: number;
  zone: string | undefined;
  tolerates: boolean;
  instance: string | null;
  avoid: readonly string[];
}

export const toRunner = (r: ArbRunner, i: number): SimRunner => ({
  id: `r${i}`,
  shape: shape({
    capacity: { cpu: r.cpu, mem: r.mem },
    labels: { zone: r.zone },
    taints: r.tainted ? [{ key: "pci", value: "true", effect: "NoSchedule" }] : [],
  }),
});

export const toTask = (a: TaskSpec, unique: string): Omit<QueuedTask, "seq" | "queuedAtMs" | "id"> => ({
  agent: a.agent,
  priority: a.priority,
  instance: a.instance ?? unique,
  req: req({
    resources: { cpu: a.cpu, mem: a.mem },
    nodeSelector: a.zone ? { zone: a.zone } : {},
    tolerations: a.tolerates ? [{ key: "pci", operator: "Exists" }] : [],
  }),
  avoid: [...a.avoid],
});
