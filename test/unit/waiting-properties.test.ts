// Issue #18, acceptance 1: over random fleets and tasks, waiting() is null
// exactly when placement (pick() for each ready runner, as a lease request
// calls it) would lease the task now; and supplying the thing a reason names
// (the capability on the runner it names, the label, the capacity of the named
// resource, a ready runner, …) makes the task placeable or moves it to another
// reason or subject, never the same one, until it is placed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../src/api/errors.js";
import type { Labels } from "../../src/api/schemas.js";
import { explainStatic } from "../../src/scheduler/fit-explain.js";
import { fitsStatically, type MatchExpression, type Taint } from "../../src/scheduler/fit.js";
import { waiting, WAITING_REASONS, type Waiting } from "../../src/scheduler/waiting.js";
import { arbWorld, placedNow, queuedOf, shapeOf, snapshotOf, waitingTaskOf, type World } from "./waiting-model.js";

const explain = (w: World): Waiting | null => waiting(waitingTaskOf(w), snapshotOf(w));

/** The reason and the thing it names: two answers with equal keys ask for the same supply. */
function subject(x: Waiting): string {
  const d = x.details ?? {};
  const { largest: _l, running: _r, cap: _c, ...named } = d;
  return `${x.reason} ${JSON.stringify(named)}`;
}

/** Supplies what `x` names, in a copy of the world. */
function supply(w0: World, x: Waiting): World {
  const w = structuredClone(w0);
  const d = (x.details ?? {}) as Record<string, JsonValue>;
  const runner = w.runners.find((r) => r.id === d.runner);
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error(`${x.reason} names no runner: ${JSON.stringify(d)}`);
    return v;
  };
  switch (x.reason) {
    case "no_runner_registered":
      w.runners.push({
        id: "r9",
        state: "ready",
        agents: null,
        capabilities: [],
        labels: {},
        taints: [],
        capacity: {},
        used: {},
        heldFor: null,
      });
      break;
    case "runners_not_ready": {
      const first = (d.runners as { runner: string }[])[0] as { runner: string };
      need(w.runners.find((r) => r.id === first.runner)).state = "ready";
      break;
    }
    case "no_runner_offers_agent":
      need(runner).agents = null;
      break;
    case "missing_capability":
      need(runner).capabilities.push(...(d.capabilities as string[]));
      break;
    case "no_runner_matches_selector": {
      const r = need(runner);
      const keys = [
        ...Object.keys(d.node_selector as Labels),
        ...(d.affinity as unknown as MatchExpression[]).map((e) => e.key),
      ];
      for (const k of keys) {
        if (w.target[k] === undefined) delete r.labels[k];
        else r.labels[k] = w.target[k] as string;
      }
      break;
    }
    case "taint_not_tolerated":
      for (const t of d.taints as unknown as Taint[])
        w.task.tolerations.push(
          t.value === undefined
            ? { key: t.key, operator: "Exists" }
            : { key: t.key, operator: "Equal", value: t.value },
        );
      break;
    case "insufficient_capacity": {
      const r = need(runner);
      const k = d.resource as string;
      const want = d.requested as number;
      if (d.scope === "capacity") {
        const add = want - (r.capacity[k] ?? 0);
        r.capacity[k] = want;
        r.used[k] = Math.max(0, (r.used[k] ?? 0) - add);
      } else r.used[k] = Math.max(0, (r.capacity[k] ?? 0) - want);
      break;
    }
    case "no_runner_polling":
      w.polling = [...(w.polling ?? []), need(runner).id];
      break;
    case "budget_spent":
      w.budget = w.budget.filter((k) => k !== (d.scope === "tenant" ? "" : w.task.agent));
      break;
    case "agent_at_concurrency_cap":
      if (d.scope === "tenant") w.tenantCap = null;
      else delete w.caps[w.task.agent];
      break;
    case "instance_busy":
      w.busy = w.busy.filter((i) => i !== d.instance);
      break;
    case "held_for_starving_task":
    case "held_for_preempting_task": {
      // The task holding the runner leaves the queue (it ran elsewhere, or was cancelled).
      const gone = d.task as string;
      w.others = w.others.filter((o) => o.id !== gone);
      for (const r of w.runners) if (r.heldFor === gone) r.heldFor = null;
      break;
    }
    default:
      throw new Error(`a queued task waits with ${x.reason}: ${x.message}`);
  }
  return w;
}

describe("waiting(): the same answer as placement", () => {
  it("is null exactly when a ready runner's lease request would take the task now", () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        const x = explain(w);
        expect(x === null, x ? `${x.reason}: ${x.message}` : "null").toBe(placedNow(w));
        if (x) {
          expect(WAITING_REASONS).toContain(x.reason);
          expect(x.message.length).toBeGreaterThan(0);
          expect(x.since).toBe(new Date(w.task.queuedAtMs).toISOString());
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("supplying what the reason names moves it on (never to the same reason and subject) until it is placed", () => {
    fc.assert(
      fc.property(arbWorld, (w0) => {
        let w = w0;
        let x = explain(w);
        const seen: string[] = [];
        for (let step = 0; x !== null; step++) {
          expect(step, `still waiting after: ${seen.join(" → ")}`).toBeLessThan(40);
          const before = subject(x);
          seen.push(before);
          w = supply(w, x);
          x = explain(w);
          expect(x === null).toBe(placedNow(w));
          if (x) expect(subject(x), `after supplying ${before}`).not.toBe(before);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("explainStatic is null exactly when fitsStatically holds", () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        const t = queuedOf(w.task);
        for (const r of w.runners)
          expect(explainStatic(t.agent, t.req, shapeOf(r)) === null).toBe(fitsStatically(t.agent, t.req, shapeOf(r)));
      }),
      { numRuns: 2000 },
    );
  });
});
