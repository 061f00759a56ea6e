// A small world for the waiting tests: a fleet, one task under study ("t"),
// other queued tasks, busy instances and run limits, as plain data. It turns
// into what waiting() reads (a snapshot) and into what placement reads (the
// oracle below calls pick() for each ready runner, as a lease request would).
import fc from "fast-check";
import type { Labels, Resources } from "../../src/api/schemas.js";
import { pick, type PickContext, type RunnerView } from "../../src/drf/pick.js";
import { QueueIndex, type QueuedTask } from "../../src/drf/queue-index.js";
import {
  fitsStatically,
  freeResources,
  type MatchExpression,
  type RunnerShape,
  type Taint,
  type Toleration,
} from "../../src/scheduler/fit.js";
import type { FleetRunner, RunnerReadiness, SchedulerSnapshot, WaitingTask } from "../../src/scheduler/waiting.js";

export const NOW = 1_000_000;
export const STARVATION_MS = 10_000;

export interface ModelRunner {
  id: string;
  state: RunnerReadiness;
  agents: string[] | null;
  capabilities: string[];
  labels: Labels;
  taints: Taint[];
  capacity: Resources;
  /** Allocated to its leases: free = capacity − used. */
  used: Resources;
  heldFor: string | null;
}

export interface ModelTask {
  id: string;
  seq: number;
  agent: string;
  instance: string;
  capabilities: string[];
  nodeSelector: Labels;
  affinity: MatchExpression[];
  tolerations: Toleration[];
  resources: Resources;
  avoid: string[];
  queuedAtMs: number;
}

export interface World {
  runners: ModelRunner[];
  task: ModelTask;
  /** Labels that satisfy the task's selector and affinity (the generator builds both from it). */
  target: Labels;
  others: ModelTask[];
  busy: string[];
  /** Runners with a lease request parked now; null: the snapshot does not say (every ready runner asks). */
  polling: string[] | null;
  caps: Record<string, number>;
  running: Record<string, number>;
  tenantCap: number | null;
  activeTotal: number;
  /** Agent names, or "" for the tenant, whose daily CPU budget is spent. */
  budget: string[];
}

export const shapeOf = (r: ModelRunner): RunnerShape => ({
  capacity: r.capacity,
  labels: r.labels,
  capabilities: r.capabilities,
  agents: r.agents,
  taints: r.taints,
});

export const viewOf = (r: ModelRunner): RunnerView => ({
  id: r.id,
  shape: shapeOf(r),
  free: freeResources(r.capacity, r.used),
  heldFor: r.heldFor,
});

export const queuedOf = (t: ModelTask): QueuedTask => ({
  id: t.id,
  seq: t.seq,
  agent: t.agent,
  priority: 0,
  instance: t.instance,
  req: {
    resources: t.resources,
    capabilities: t.capabilities,
    nodeSelector: t.nodeSelector,
    affinity: t.affinity,
    tolerations: t.tolerations,
  },
  avoid: t.avoid,
  queuedAtMs: t.queuedAtMs,
});

export function indexOf(w: World): QueueIndex {
  const index = new QueueIndex();
  index.add(queuedOf(w.task));
  for (const o of w.others) index.add(queuedOf(o));
  return index;
}

export function snapshotOf(w: World): SchedulerSnapshot {
  const runners: FleetRunner[] = w.runners.map((r) => ({ view: viewOf(r), name: r.id, state: r.state }));
  return {
    runners,
    index: indexOf(w),
    busyInstances: new Set(w.busy),
    ...(w.polling === null ? {} : { polling: new Set(w.polling) }),
    limits: {
      caps: new Map(Object.entries(w.caps)),
      tenantCap: w.tenantCap,
      runningOf: (a) => w.running[a] ?? 0,
      activeTotal: w.activeTotal,
      budgetSpent: new Map(w.budget.map((k) => [k, NOW + 60_000])),
    },
    nowMs: NOW,
    starvationMs: STARVATION_MS,
  };
}

export const waitingTaskOf = (w: World): WaitingTask => ({
  task: queuedOf(w.task),
  state: "queued",
  attempts: 0,
  maxAttempts: 3,
  sinceMs: w.task.queuedAtMs,
});

/**
 * The placement side, written out apart from waiting.ts: the context placement.ts builds for a
 * lease (otherRunnerFits over ready runners) and SchedulerState.atCap's rule, then pick() as each
 * ready runner would call it. True when one of them would lease "t" now.
 */
export function placedNow(w: World): boolean {
  const ready = w.runners.filter((r) => r.state === "ready");
  const ctx: PickContext = {
    accounts: new Map(),
    capacity: {},
    busyInstances: new Set(w.busy),
    otherRunnerFits: (t, except) =>
      ready.some((r) => r.id !== except && !t.avoid.includes(r.id) && fitsStatically(t.agent, t.req, shapeOf(r))),
    nowMs: NOW,
    starvationMs: STARVATION_MS,
    atCap: (agent) =>
      w.budget.includes("") ||
      w.budget.includes(agent) ||
      (w.tenantCap !== null && w.activeTotal >= w.tenantCap) ||
      (w.caps[agent] !== undefined && (w.running[agent] ?? 0) >= (w.caps[agent] as number)),
  };
  const index = indexOf(w);
  // Only a runner that asks for work is given any.
  const asking = ready.filter((r) => w.polling === null || w.polling.includes(r.id));
  return asking.some((r) => {
    const p = pick(index, viewOf(r), ctx);
    return p.kind === "task" && p.task.id === w.task.id;
  });
}

// ---- generators ---------------------------------------------------------------------------

const AGENTS = ["a", "b"];
const CAPS = ["sql", "crm-api", "gpu"];
const VALUES = ["eu", "us", "x"];
const RUNNER_IDS = ["r0", "r1", "r2", "r3"];
const INSTANCES = ["i0", "i1", "i2"];

const arbResources: fc.Arbitrary<Resources> = fc.record(
  { cpu: fc.integer({ min: 0, max: 4 }), memory_mb: fc.integer({ min: 0, max: 4 }) },
  { requiredKeys: [] },
);
const arbCapacity: fc.Arbitrary<Resources> = fc.record(
  { cpu: fc.integer({ min: 0, max: 8 }), memory_mb: fc.integer({ min: 0, max: 8 }) },
  { requiredKeys: [] },
);
const arbLabels: fc.Arbitrary<Labels> = fc.record(
  { region: fc.constantFrom(...VALUES), tier: fc.constantFrom(...VALUES) },
  { requiredKeys: [] },
);
const arbTaint: fc.Arbitrary<Taint> = fc.record({
  key: fc.constantFrom("dedicated", "spot"),
  value: fc.constantFrom("x", "y"),
  effect: fc.constant("NoSchedule" as const),
});
const arbToleration: fc.Arbitrary<Toleration> = fc.oneof(
  fc.record({ key: fc.constantFrom("dedicated", "spot"), operator: fc.constant("Exists" as const) }),
  fc.record({
    key: fc.constantFrom("dedicated", "spot"),
    operator: fc.constant("Equal" as const),
    value: fc.constantFrom("x", "y"),
  }),
);

/** An expression on `key` that `target` satisfies (so every generated task can be placed somewhere). */
function satisfiedBy(target: Labels, key: string, choice: number, other: string): MatchExpression {
  const v = target[key];
  if (v === undefined)
    return choice % 2 === 0 ? { key, operator: "DoesNotExist" } : { key, operator: "NotIn", values: [other] };
  switch (choice % 3) {
    case 0:
      return { key, operator: "In", values: [...new Set([v, other])] };
    case 1:
      return { key, operator: "Exists" };
    default:
      return other === v ? { key, operator: "Exists" } : { key, operator: "NotIn", values: [other] };
  }
}

const arbRunner = (id: string): fc.Arbitrary<ModelRunner> =>
  fc.record({
    id: fc.constant(id),
    state: fc.constantFrom<RunnerReadiness>("ready", "ready", "ready", "ready", "draining", "dead", "not_ready"),
    // Weighted towards runners that fit, so that the dynamic reasons (limits, claims, free room) come up often.
    agents: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, fc.subarray(AGENTS)),
    capabilities: fc.oneof({ weight: 2, arbitrary: fc.constant(CAPS) }, fc.subarray(CAPS)),
    labels: arbLabels,
    taints: fc.oneof(
      { weight: 3, arbitrary: fc.constant<Taint[]>([]) },
      fc.uniqueArray(arbTaint, { maxLength: 2, selector: (t) => t.key }),
    ),
    capacity: arbCapacity,
    used: arbResources,
    heldFor: fc.constantFrom(null, null, "t", "o0", "o1"),
  });

const arbOther = (i: number): fc.Arbitrary<ModelTask> =>
  fc.record({
    id: fc.constant(`o${i}`),
    seq: fc.constant(10 + i),
    agent: fc.constantFrom(...AGENTS),
    instance: fc.constantFrom(...INSTANCES, `own${i}`),
    capabilities: fc.subarray(CAPS, { maxLength: 1 }),
    nodeSelector: fc.record({ region: fc.constantFrom(...VALUES) }, { requiredKeys: [] }),
    affinity: fc.constant([]),
    tolerations: fc.subarray([{ key: "dedicated", operator: "Exists" as const }]),
    resources: arbResources,
    avoid: fc.subarray(RUNNER_IDS, { maxLength: 1 }),
    // Others all starve: the only way another task beats "t" to a runner is a claim (see placedNow).
    queuedAtMs: fc.integer({ min: 0, max: NOW - STARVATION_MS - 1 }),
  });

export const arbWorld: fc.Arbitrary<World> = fc
  .record({
    nRunners: fc.oneof(
      { weight: 1, arbitrary: fc.constant(0) },
      { weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }) },
    ),
    /** Per runner: give it the labels the task asks for (else its own random ones). */
    labelled: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean()),
    runners: fc.tuple(...RUNNER_IDS.map(arbRunner)),
    target: arbLabels,
    selectorKeys: fc.subarray(["region", "tier"]),
    exprs: fc.array(
      fc.record({ key: fc.constantFrom("region", "tier"), choice: fc.nat(5), other: fc.constantFrom(...VALUES) }),
      { maxLength: 2 },
    ),
    agent: fc.constantFrom(...AGENTS),
    instance: fc.constantFrom(...INSTANCES),
    capabilities: fc.subarray(CAPS, { maxLength: 1 }),
    tolerations: fc.array(arbToleration, { maxLength: 2 }),
    resources: arbResources,
    avoid: fc.subarray(RUNNER_IDS, { maxLength: 2 }),
    queuedAtMs: fc.oneof(
      fc.integer({ min: NOW - STARVATION_MS + 1, max: NOW }),
      fc.integer({ min: 0, max: NOW - STARVATION_MS }),
    ),
    nOthers: fc.integer({ min: 0, max: 2 }),
    others: fc.tuple(arbOther(0), arbOther(1)),
    busy: fc.subarray(INSTANCES, { maxLength: 1 }),
    polling: fc.oneof(fc.constant(null), fc.subarray(RUNNER_IDS)),
    caps: fc.oneof(
      { weight: 3, arbitrary: fc.constant({}) },
      fc.record({ a: fc.integer({ min: 0, max: 2 }), b: fc.integer({ min: 0, max: 2 }) }, { requiredKeys: [] }),
    ),
    running: fc.record({ a: fc.integer({ min: 0, max: 2 }), b: fc.integer({ min: 0, max: 2 }) }),
    tenantCap: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, fc.integer({ min: 0, max: 4 })),
    activeTotal: fc.integer({ min: 0, max: 4 }),
    budget: fc.oneof(
      { weight: 6, arbitrary: fc.constant<string[]>([]) },
      fc.subarray(["", "a", "b"], { maxLength: 1 }),
    ),
  })
  .map((g): World => {
    const nodeSelector: Labels = {};
    for (const k of g.selectorKeys) if (g.target[k] !== undefined) nodeSelector[k] = g.target[k] as string;
    return {
      runners: g.runners.slice(0, g.nRunners).map((r, i) => (g.labelled[i] ? { ...r, labels: { ...g.target } } : r)),
      target: g.target,
      task: {
        id: "t",
        seq: 1,
        agent: g.agent,
        instance: g.instance,
        capabilities: g.capabilities,
        nodeSelector,
        affinity: g.exprs.map((e) => satisfiedBy(g.target, e.key, e.choice, e.other)),
        tolerations: g.tolerations,
        resources: g.resources,
        avoid: g.avoid,
        queuedAtMs: g.queuedAtMs,
      },
      others: g.others.slice(0, g.nOthers),
      busy: g.busy,
      polling: g.polling,
      caps: g.caps,
      running: g.running,
      tenantCap: g.tenantCap,
      activeTotal: g.activeTotal,
      budget: g.budget,
    };
  });
