// scheduler/fit: affinity match expressions and taints/tolerations, alone and
// through pick() (a tainted runner takes only agents that tolerate it).
import { describe, expect, it } from "vitest";
import { pick } from "../../src/drf/pick.js";
import { QueueIndex } from "../../src/drf/queue-index.js";
import {
  fitsStatically,
  matchesExpression,
  toleratesAll,
  type MatchExpression,
  type Taint,
  type Toleration,
} from "../../src/scheduler/fit.js";
import { account, ctx, req, runner, shape, task } from "./drf-helpers.js";

const eu = { zone: "eu", pci: "true" };

describe("match expressions", () => {
  it("In: the label is present and one of the values", () => {
    expect(matchesExpression({ key: "zone", operator: "In", values: ["eu", "us"] }, eu)).toBe(true);
    expect(matchesExpression({ key: "zone", operator: "In", values: ["us"] }, eu)).toBe(false);
    expect(matchesExpression({ key: "zone", operator: "In", values: ["eu"] }, {})).toBe(false);
    // No values: nothing is in the empty set.
    expect(matchesExpression({ key: "zone", operator: "In" }, eu)).toBe(false);
  });

  it("NotIn: absent, or present with another value", () => {
    expect(matchesExpression({ key: "zone", operator: "NotIn", values: ["us"] }, eu)).toBe(true);
    expect(matchesExpression({ key: "zone", operator: "NotIn", values: ["us", "eu"] }, eu)).toBe(false);
    // A missing label is not in any set.
    expect(matchesExpression({ key: "gpu", operator: "NotIn", values: ["true"] }, eu)).toBe(true);
    expect(matchesExpression({ key: "zone", operator: "NotIn" }, eu)).toBe(true);
  });

  it("Exists and DoesNotExist look only at presence; the empty string is present", () => {
    expect(matchesExpression({ key: "pci", operator: "Exists" }, eu)).toBe(true);
    expect(matchesExpression({ key: "gpu", operator: "Exists" }, eu)).toBe(false);
    expect(matchesExpression({ key: "gpu", operator: "DoesNotExist" }, eu)).toBe(true);
    expect(matchesExpression({ key: "pci", operator: "DoesNotExist" }, eu)).toBe(false);
    expect(matchesExpression({ key: "tier", operator: "Exists" }, { tier: "" })).toBe(true);
    expect(matchesExpression({ key: "tier", operator: "DoesNotExist" }, { tier: "" })).toBe(false);
  });

  it("fitsStatically needs every expression to match (AND), besides the node selector", () => {
    const s = shape({ capacity: { cpu: 4 }, labels: eu });
    const inEu: MatchExpression = { key: "zone", operator: "In", values: ["eu"] };
    const noGpu: MatchExpression = { key: "gpu", operator: "DoesNotExist" };
    expect(fitsStatically("a", req({ affinity: [inEu, noGpu] }), s)).toBe(true);
    expect(fitsStatically("a", req({ affinity: [inEu, { key: "pci", operator: "DoesNotExist" }] }), s)).toBe(false);
    expect(fitsStatically("a", req({ affinity: [] }), s)).toBe(true);
    // Affinity matching does not excuse a failing node selector.
    expect(fitsStatically("a", req({ affinity: [inEu], nodeSelector: { zone: "us" } }), s)).toBe(false);
  });
});

describe("taints and tolerations", () => {
  const pci: Taint = { key: "pci", value: "true", effect: "NoSchedule" };

  it("every taint must be tolerated; an untainted runner needs nothing", () => {
    const equal: Toleration = { key: "pci", operator: "Equal", value: "true" };
    expect(toleratesAll([], [])).toBe(true);
    expect(toleratesAll([equal], [])).toBe(true);
    expect(toleratesAll([], [pci])).toBe(false);
    expect(toleratesAll([equal], [pci])).toBe(true);
    // Equal compares the value; another key tolerates nothing here.
    expect(toleratesAll([{ key: "pci", operator: "Equal", value: "false" }], [pci])).toBe(false);
    expect(toleratesAll([{ key: "gpu", operator: "Exists" }], [pci])).toBe(false);
    // Two taints, one tolerated: not enough.
    expect(toleratesAll([equal], [pci, { key: "gpu", effect: "NoSchedule" }])).toBe(false);
    expect(toleratesAll([equal, { key: "gpu", operator: "Exists" }], [pci, { key: "gpu", effect: "NoSchedule" }])).toBe(
      true,
    );
  });

  it("operator Exists matches any value of the key, and a taint with no value", () => {
    const exists: Toleration = { key: "pci", operator: "Exists" };
    expect(toleratesAll([exists], [pci])).toBe(true);
    expect(toleratesAll([exists], [{ key: "pci", value: "strict", effect: "NoSchedule" }])).toBe(true);
    expect(toleratesAll([exists], [{ key: "pci", effect: "NoSchedule" }])).toBe(true);
  });

  it("a tainted runner takes only tolerating agents, even with other work queued", () => {
    // plain: priority 9, oldest, share 0; pci-agent: priority 0 and already holding half the cluster.
    const q = new QueueIndex();
    q.add(task("plain", 1, { agent: "plain", priority: 9 }));
    q.add(
      task("pci-job", 2, {
        agent: "pci-agent",
        req: req({ tolerations: [{ key: "pci", operator: "Equal", value: "true" }] }),
      }),
    );
    const c = ctx({ accounts: new Map([["pci-agent", account(1, { cpu: 4 }, 1)]]), capacity: { cpu: 8 } });
    const tainted = runner("pci-runner", {
      capacity: { cpu: 4 },
      taints: [{ key: "pci", value: "true", effect: "NoSchedule" }],
    });
    const p = pick(q, tainted, c);
    expect(p.kind === "task" && p.task.id).toBe("pci-job");
    // Without pci-job the tainted runner stays idle rather than take plain.
    q.remove("pci-job");
    expect(pick(q, tainted, c)).toEqual({ kind: "none" });
    // An untainted runner takes either; a toleration is permission, not a requirement.
    q.add(task("pci-job", 2, { agent: "pci-agent", req: req({ tolerations: [{ key: "pci", operator: "Exists" }] }) }));
    q.remove("plain");
    const p2 = pick(q, runner("plain-runner", { capacity: { cpu: 4 } }), c);
    expect(p2.kind === "task" && p2.task.id).toBe("pci-job");
  });

  it("pick passes over tasks whose affinity the runner fails", () => {
    const q = new QueueIndex();
    const aff = (affinity: MatchExpression[]) => req({ affinity });
    q.add(task("in-us", 1, { priority: 9, req: aff([{ key: "zone", operator: "In", values: ["us"] }]) }));
    q.add(task("notin-eu", 2, { priority: 8, req: aff([{ key: "zone", operator: "NotIn", values: ["eu"] }]) }));
    q.add(task("no-pci", 3, { priority: 7, req: aff([{ key: "pci", operator: "DoesNotExist" }]) }));
    q.add(task("has-gpu", 4, { priority: 6, req: aff([{ key: "gpu", operator: "Exists" }]) }));
    q.add(task("notin-us", 5, { priority: 0, req: aff([{ key: "zone", operator: "NotIn", values: ["us"] }]) }));
    const p = pick(q, runner("r", { capacity: { cpu: 1 }, labels: eu }), ctx());
    expect(p.kind === "task" && p.task.id).toBe("notin-us");
    // A runner with no labels at all: NotIn and DoesNotExist match, In and Exists do not.
    const bare = runner("bare", { capacity: { cpu: 1 } });
    const order: string[] = [];
    for (let x = pick(q, bare, ctx()); x.kind === "task"; x = pick(q, bare, ctx()))
      order.push((q.remove(x.task.id) as { id: string }).id);
    expect(order).toEqual(["notin-eu", "no-pci", "notin-us"]);
  });
});
