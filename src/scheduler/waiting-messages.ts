// The words of src/scheduler/waiting.ts: each reason's message names the
// missing thing, and its details carry it as data. Lists in messages name at
// most NAMED runners ("and N more"); lists in details hold at most DETAILED.
import type { JsonValue } from "../api/errors.js";
import type { QueuedTask } from "../drf/queue-index.js";
import { describeExpression, describeTaint, shortfalls, type Shortfall, type StaticMiss } from "./fit-explain.js";
import type { FleetRunner, Waiting } from "./waiting.js";

type Found = Omit<Waiting, "since">;

const NAMED = 3;
const DETAILED = 8;

const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);

function nameList(items: readonly string[]): string {
  const shown = items.slice(0, NAMED).join(", ");
  return items.length > NAMED ? `${shown} and ${items.length - NAMED} more` : shown;
}

/** No ready runner at all (`fitsOtherwise` false), or none of the ready ones fits while these would. */
export function notReadyWait(list: readonly FleetRunner[], all: readonly FleetRunner[], fitsOtherwise: boolean): Found {
  const named = nameList(list.map((r) => `${r.name} (${r.state})`));
  const message = fitsOtherwise
    ? `no ready runner can run it; ${plural(list.length, "a runner that could is", "runners that could are")} not ready: ${named}`
    : all.length === 1
      ? `the only registered runner is not ready: ${named}`
      : `none of the ${all.length} registered runners is ready: ${named}`;
  return {
    reason: "runners_not_ready",
    message,
    details: { runners: list.slice(0, DETAILED).map((r) => ({ runner: r.view.id, name: r.name, state: r.state })) },
  };
}

type AtStage = { r: FleetRunner; miss: StaticMiss };

/** The static miss of the closest ready runners (sorted closest first, all at the same stage). */
export function describeStatic(t: QueuedTask, atBest: readonly AtStage[], ready: readonly FleetRunner[]): Found {
  const best = atBest[0] as AtStage;
  const runner = best.r.view.id;
  const miss = best.miss;
  switch (miss.stage) {
    case "agent":
      return {
        reason: "no_runner_offers_agent",
        message: `no ready runner offers agent ${t.agent} (each runner lists the agents it starts)`,
        details: { agent: t.agent, runner },
      };
    case "capability": {
      const offered = (c: string, rs: readonly FleetRunner[]) => rs.some((r) => r.view.shape.capabilities.includes(c));
      const startsAgent = atBest.map((x) => x.r);
      const none = miss.missing.filter((c) => !offered(c, startsAgent));
      const elsewhere = none.length > 0 && none.every((c) => offered(c, ready));
      const caps = none.length > 0 ? none : miss.missing;
      const what = `${plural(caps.length, "capability", "capabilities")} ${caps.join(", ")}`;
      const message =
        none.length === 0
          ? `no ready runner offers all of ${plural(t.req.capabilities.length, "capability", "capabilities")} ${t.req.capabilities.join(", ")}; the closest, ${best.r.name}, lacks ${miss.missing.join(", ")}`
          : elsewhere
            ? `no ready runner that starts agent ${t.agent} offers ${what}`
            : `no ready runner offers ${what}`;
      return { reason: "missing_capability", message, details: { capabilities: miss.missing, runner } };
    }
    case "selector": {
      const parts = [
        ...Object.entries(miss.nodeSelector).map(([k, v]) => `${k}=${v}`),
        ...miss.affinity.map(describeExpression),
      ];
      const keys = [...Object.keys(miss.nodeSelector), ...miss.affinity.map((e) => e.key)];
      const has = [...new Set(keys)]
        .filter((k) => best.r.view.shape.labels[k] !== undefined)
        .map((k) => `${k}=${best.r.view.shape.labels[k]}`);
      return {
        reason: "no_runner_matches_selector",
        message: `no ready runner matches ${parts.join(", ")}; the closest, ${best.r.name}, has ${has.length > 0 ? has.join(", ") : "none of those labels"}`,
        details: { node_selector: miss.nodeSelector, affinity: miss.affinity as unknown as JsonValue, runner },
      };
    }
    case "taint":
      return {
        reason: "taint_not_tolerated",
        message: `the task does not tolerate ${plural(miss.taints.length, "taint", "taints")} ${miss.taints.map(describeTaint).join(", ")} of runner ${best.r.name}, the closest ready runner`,
        details: { taints: miss.taints as unknown as JsonValue, runner },
      };
    case "capacity":
      return capacityWait(
        atBest.map((x) => ({ r: x.r, have: x.r.view.shape.capacity })),
        t,
        "capacity",
        "",
      );
    case "other":
      return {
        reason: "no_runner_fits",
        message: "no ready runner meets all of the task's requirements",
        details: { runner },
      };
  }
}

/** Ready runners that fit but lack free room; `heldForThis` marks runners already held for the task. */
export function shortWait(t: QueuedTask, short: readonly { r: FleetRunner; heldForThis: boolean }[]): Found {
  const held = short.filter((x) => x.heldForThis).map((x) => x.r.name);
  const note = held.length > 0 ? `; ${nameList(held)} ${plural(held.length, "is", "are")} held for this task` : "";
  return capacityWait(
    short.map((x) => ({ r: x.r, have: x.r.view.free })),
    t,
    "free",
    note,
  );
}

/**
 * insufficient_capacity, naming one resource and the largest amount of it any of these runners
 * has (its capacity, or its free room). A kind no runner has enough of comes first (the largest
 * shortfall); otherwise every kind is somewhere but no runner has them all at once.
 */
function capacityWait(
  rs: readonly { r: FleetRunner; have: Record<string, number> }[],
  t: QueuedTask,
  scope: "capacity" | "free",
  note: string,
): Found {
  const rows = rs.map((x) => ({ ...x, short: shortfalls(t.req.resources, x.have) }));
  const kinds = [...new Set(rows.flatMap((x) => x.short.map((s) => s.resource)))].sort();
  const largest = (k: string) =>
    rows.reduce((b, x) => ((x.have[k] ?? 0) > (b.have[k] ?? 0) ? x : b), rows[0] as (typeof rows)[number]);
  const lacking = kinds
    .map((k) => ({ k, top: largest(k), want: t.req.resources[k] ?? 0 }))
    .filter((x) => x.want > (x.top.have[x.k] ?? 0))
    .sort((a, b) => (a.top.have[a.k] ?? 0) / a.want - (b.top.have[b.k] ?? 0) / b.want || (a.k < b.k ? -1 : 1));
  const amount = scope === "free" ? "free" : "in all";
  let resource: string;
  let holder: (typeof rows)[number];
  let message: string;
  const first = lacking[0];
  if (first) {
    resource = first.k;
    holder = first.top;
    const most = holder.have[resource] ?? 0;
    message =
      scope === "free"
        ? `needs ${resource} ${first.want} free; the most free on a ready runner that fits is ${most} (${holder.r.name})`
        : `needs ${resource} ${first.want}; the largest ready runner that fits otherwise has ${most} in all (${holder.r.name})`;
  } else {
    holder = [...rows].sort(
      (a, b) => a.short.length - b.short.length || (a.r.view.id < b.r.view.id ? -1 : 1),
    )[0] as (typeof rows)[number];
    const s = holder.short[0] as Shortfall;
    resource = s.resource;
    const all = Object.entries(t.req.resources)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    message = `no ready runner has ${all} ${amount} at once; the closest, ${holder.r.name}, has ${resource} ${s.has}`;
  }
  return {
    reason: "insufficient_capacity",
    message: message + note,
    details: {
      resource,
      requested: t.req.resources[resource] ?? 0,
      largest: largest(resource).have[resource] ?? 0,
      runner: holder.r.view.id,
      scope,
    },
  };
}

/** Runners that would take the task but are not asking for work now. */
export function notPollingWait(idle: readonly FleetRunner[]): Found {
  const named = nameList(
    idle.map((r) => (r.activeLeases === undefined ? r.name : `${r.name} (${r.activeLeases} running)`)),
  );
  return {
    reason: "no_runner_polling",
    message: `${plural(idle.length, "runner", "runners")} ${named} would take it but ${plural(idle.length, "is", "are")} not asking for work now; a runner asks only while it has a free slot (its max_concurrent), and its next lease request takes this task`,
    details: {
      runner: (idle[0] as FleetRunner).view.id,
      runners: idle.slice(0, DETAILED).map((r) => r.view.id),
    },
  };
}

/** Every ready runner that fits is claimed by another task first (pick.ts's claimant). */
export function claimWait(
  claimed: readonly { r: FleetRunner; by: QueuedTask; starving: boolean }[],
  starvationMs: number,
): Found {
  const first = claimed[0];
  if (!first)
    return { reason: "no_runner_fits", message: "no ready runner meets all of the task's requirements", details: {} };
  const starving = claimed.some((c) => c.starving);
  const holds = nameList(claimed.map((c) => `${c.r.name} for task ${c.by.id}`));
  const message = starving
    ? `every ready runner that fits is held for a task queued longer than ${Math.round(starvationMs / 1000)} s, which goes first: ${holds}`
    : `every ready runner that fits is held for a higher-priority task, for which lower-priority work is being preempted: ${holds}`;
  return {
    reason: starving ? "held_for_starving_task" : "held_for_preempting_task",
    message,
    details: {
      runner: first.r.view.id,
      task: first.by.id,
      holds: claimed.slice(0, DETAILED).map((c) => ({ runner: c.r.view.id, task: c.by.id })),
    },
  };
}
