// Deterministic input for the scheduler bench (bench/scheduler.ts): agents, runners, accounts and a
// filled queue index, all from one seeded generator, so every run measures the same decisions.
import type { Resources } from "../src/api/schemas.js";
import type { RunnerView } from "../src/drf/pick.js";
import type { QueueIndex } from "../src/drf/queue-index.js";
import type { Account } from "../src/drf/share.js";
import type { Requirements, RunnerShape } from "../src/scheduler/fit.js";
import { int, seeded as mulberry32 } from "../test/unit/random.js";

/** The bench's fixed "now": queued times are spread before it. */
export const NOW_MS = 1_800_000_000_000;

export const choice = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;

export const HEX = "0123456789abcdef";
/** Ids as the TenantDO makes them (`task_` + 20 hex), as flat strings like those read back from SQLite. */
export function hexIdCodes(prefix: string, hexLen: number, rng: () => number): number[] {
  const codes: number[] = [];
  for (let i = 0; i < prefix.length; i++) codes.push(prefix.charCodeAt(i));
  for (let i = 0; i < hexLen; i++) codes.push(HEX.charCodeAt(Math.floor(rng() * 16)));
  return codes;
}
export const REGIONS = ["eu", "us", "ap"] as const;

interface AgentSpec {
  name: string;
  classes: number[];
  /** Requirement variants as the DO stores them (JSON), and one parsed object each. */
  reqJson: string[];
  reqShared: Requirements[];
}

export function makeAgents(n: number, rng: () => number): AgentSpec[] {
  const out: AgentSpec[] = [];
  for (let i = 0; i < n; i++) {
    const c = rng();
    const classes = c < 0.6 ? [0] : c < 0.85 ? [0, 5] : c < 0.95 ? [0, 5, 10] : [10];
    const variants = int(rng, 1, 3);
    const reqs: Requirements[] = [];
    const browser = rng() < 0.15;
    for (let v = 0; v < variants; v++) {
      const resources: Resources = { cpu: 250 * int(rng, 1, 8), memory_mb: 256 * int(rng, 1, 16) };
      const r: Requirements = { resources, capabilities: browser ? ["browser"] : [], nodeSelector: {} };
      const k = rng();
      if (k < 0.55) {
        /* anywhere */
      } else if (k < 0.8) r.nodeSelector = { region: choice(rng, REGIONS) };
      else if (k < 0.9) r.nodeSelector = { region: choice(rng, REGIONS), pool: "interactive" };
      else {
        resources.gpu_memory_mb = 8192 * int(rng, 1, 5);
        r.affinity = [{ key: "gpu", operator: "In", values: ["a100", "h100"] }];
        r.tolerations = [{ key: "gpu", operator: "Exists" }];
      }
      reqs.push(r);
    }
    out.push({
      name: `agent-${String(i).padStart(5, "0")}`,
      classes,
      reqJson: reqs.map((r) => JSON.stringify(r)),
      reqShared: reqs,
    });
  }
  return out;
}

export function makeRunners(n: number, agents: AgentSpec[], rng: () => number): RunnerView[] {
  const out: RunnerView[] = [];
  for (let i = 0; i < n; i++) {
    const kind = rng();
    const labels: Record<string, string> = {
      region: choice(rng, REGIONS),
      pool: rng() < 0.3 ? "interactive" : "batch",
    };
    let capacity: Resources;
    let taints: RunnerShape["taints"];
    if (kind < 0.1) {
      capacity = { cpu: 16_000, memory_mb: 65_536, gpu_memory_mb: 81_920 };
      labels.gpu = rng() < 0.5 ? "a100" : "h100";
      taints = [{ key: "gpu", effect: "NoSchedule" }];
    } else {
      const s = int(rng, 0, 2);
      capacity = { cpu: [4_000, 8_000, 16_000][s] as number, memory_mb: [8_192, 16_384, 65_536][s] as number };
    }
    // 5% are dedicated to a handful of agents.
    const dedicated = rng() < 0.05 ? Array.from({ length: 5 }, () => choice(rng, agents).name) : null;
    // 10% ask while (nearly) full: nothing fits them and every decision for them looks at everything.
    const full = rng() < 0.1;
    const free: Resources = {};
    for (const [k, c] of Object.entries(capacity)) free[k] = full ? int(rng, 0, 200) : Math.round(c * rng());
    const shape: RunnerShape = { capacity, labels, capabilities: rng() < 0.3 ? ["browser"] : [], agents: dedicated };
    if (taints) shape.taints = taints;
    out.push({ id: String.fromCharCode(...hexIdCodes("run_", 16, rng)), shape, free, heldFor: null });
  }
  return out;
}

export function makeAccounts(agents: AgentSpec[], capacity: Resources, rng: () => number): Map<string, Account> {
  const m = new Map<string, Account>();
  for (const [i, a] of agents.entries()) {
    const holds = rng() < 0.7;
    const allocated: Resources = holds
      ? {
          cpu: Math.round(((capacity.cpu ?? 0) / agents.length) * 2 * rng()),
          memory_mb: Math.round(((capacity.memory_mb ?? 0) / agents.length) * 2 * rng()),
        }
      : {};
    m.set(a.name, {
      weight: int(rng, 1, 4),
      allocated,
      running: holds ? int(rng, 1, 50) : 0,
      lastLease: holds ? i + 1 : 0,
    });
  }
  return m;
}

/** Tasks spread over agents with a mild Zipf skew (s = 0.6): a few busy agents, a long tail. */
export function agentSampler(agents: AgentSpec[]): (rng: () => number) => AgentSpec {
  const cum = new Float64Array(agents.length);
  let s = 0;
  for (let i = 0; i < agents.length; i++) cum[i] = s += 1 / (i + 1) ** 0.6;
  return (rng) => {
    const x = rng() * s;
    let lo = 0;
    let hi = agents.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cum[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return agents[lo] as AgentSpec;
  };
}

/**
 * Fills an index as the TenantDO does on load: each task its own id and
 * instance strings and its requirements parsed from its row's JSON
 * (`sharedReq` instead points every task at one object per agent variant).
 */
export function fillIndex(index: QueueIndex, n: number, agents: AgentSpec[], seed: number, sharedReq: boolean): void {
  const rng = mulberry32(seed);
  const sample = agentSampler(agents);
  for (let seq = 1; seq <= n; seq++) {
    const a = sample(rng);
    const v = Math.floor(rng() * a.reqJson.length);
    const codes = hexIdCodes("task_", 20, rng);
    index.add({
      id: String.fromCharCode(...codes),
      seq,
      agent: a.name,
      priority: choice(rng, a.classes),
      instance: String.fromCharCode(...codes),
      req: sharedReq ? (a.reqShared[v] as Requirements) : (JSON.parse(a.reqJson[v] as string) as Requirements),
      avoid: [],
      queuedAtMs: NOW_MS - (n - seq) * 50,
    });
  }
}
