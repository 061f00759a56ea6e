// drf/share: weighted dominant share and the total order share → running → least recently leased → name,
// against the worked example of the DRF paper (Ghodsi et al., NSDI 2011, §4).
import { describe, expect, it } from "vitest";
import { compareRanked, dominantShare, rankAgents, type Account } from "../../src/drf/share.js";
import { account } from "./drf-helpers.js";

// The paper's cluster: <9 CPU, 18 GB>. A's tasks need <1 CPU, 4 GB>, B's <3 CPU, 1 GB>.
const cluster = { cpu: 9, mem: 18 };

describe("dominantShare", () => {
  it("follows the paper's example", () => {
    // A with 1 task holds <1,4>: cpu 1/9, mem 4/18 = 2/9 → dominant mem, 2/9.
    expect(dominantShare({ cpu: 1, mem: 4 }, cluster, 1)).toEqual({ share: 4 / 18, resource: "mem" });
    // A with 3 tasks holds <3,12>: cpu 3/9 = 1/3, mem 12/18 = 2/3 → dominant mem, 2/3.
    expect(dominantShare({ cpu: 3, mem: 12 }, cluster, 1)).toEqual({ share: 2 / 3, resource: "mem" });
    // B with 1 task holds <3,1>: cpu 3/9 = 1/3, mem 1/18 → dominant cpu, 1/3.
    expect(dominantShare({ cpu: 3, mem: 1 }, cluster, 1)).toEqual({ share: 1 / 3, resource: "cpu" });
    // B with 2 tasks holds <6,2>: cpu 6/9 = 2/3, mem 2/18 = 1/9 → dominant cpu, 2/3: equal to A's.
    expect(dominantShare({ cpu: 6, mem: 2 }, cluster, 1)).toEqual({ share: 2 / 3, resource: "cpu" });
  });

  it("divides by the weight: weight 2 halves the share", () => {
    // A <3,12>: 2/3 ÷ 2 = 1/3; the dominant kind does not change.
    expect(dominantShare({ cpu: 3, mem: 12 }, cluster, 2)).toEqual({ share: 1 / 3, resource: "mem" });
    // B <6,2> at weight 3: 2/3 ÷ 3 = 2/9.
    expect(dominantShare({ cpu: 6, mem: 2 }, cluster, 3).share).toBeCloseTo(2 / 9, 15);
    // A fractional weight raises it: 1/3 ÷ 0.5 = 2/3.
    expect(dominantShare({ cpu: 3, mem: 1 }, cluster, 0.5).share).toBe(2 / 3);
    // A weight ≤ 0 would divide by zero or flip the sign; it reads as 1.
    expect(dominantShare({ cpu: 3, mem: 1 }, cluster, 0).share).toBe(1 / 3);
    expect(dominantShare({ cpu: 3, mem: 1 }, cluster, -2).share).toBe(1 / 3);
  });

  it("counts only the kinds the agent holds", () => {
    // Nothing held: share 0 and no dominant kind.
    expect(dominantShare({}, cluster, 1)).toEqual({ share: 0, resource: null });
    expect(dominantShare({ cpu: 0, mem: 0 }, cluster, 1)).toEqual({ share: 0, resource: null });
    // cpu 1/9; mem held 0 does not count, even though 0/18 would be smaller anyway.
    expect(dominantShare({ cpu: 1, mem: 0 }, cluster, 1)).toEqual({ share: 1 / 9, resource: "cpu" });
    // The cluster's gpu kind does not raise a cpu-only agent's share: 1/9, not more.
    expect(dominantShare({ cpu: 1 }, { ...cluster, gpu: 1 }, 1)).toEqual({ share: 1 / 9, resource: "cpu" });
  });

  it("a kind the cluster lacks counts as all of it (1)", () => {
    // gpu held 1 of a cluster with no gpu: 1, which beats cpu 1/9.
    expect(dominantShare({ cpu: 1, gpu: 1 }, cluster, 1)).toEqual({ share: 1, resource: "gpu" });
    // Capacity 0 is the same as absent: 1; at weight 4, 1/4.
    expect(dominantShare({ gpu: 5 }, { ...cluster, gpu: 0 }, 4)).toEqual({ share: 0.25, resource: "gpu" });
  });

  it("breaks a tie between kinds by name, whatever the key order", () => {
    // cpu 3/9 = 1/3 and mem 6/18 = 1/3: "cpu" < "mem".
    expect(dominantShare({ cpu: 3, mem: 6 }, cluster, 1)).toEqual({ share: 1 / 3, resource: "cpu" });
    expect(dominantShare({ mem: 6, cpu: 3 }, { mem: 18, cpu: 9 }, 1)).toEqual({ share: 1 / 3, resource: "cpu" });
    // z_kind 1/2 and a_kind 2/4 = 1/2: "a_kind" wins.
    expect(dominantShare({ z_kind: 1, a_kind: 2 }, { z_kind: 2, a_kind: 4 }, 1).resource).toBe("a_kind");
  });
});

describe("compareRanked and rankAgents", () => {
  it("orders by share, then running, then least recently leased, then name", () => {
    const r = (agent: string, share: number, running: number, lastLease = 0) => ({ agent, share, running, lastLease });
    // Lower share first, whatever running, last lease and name say.
    expect(compareRanked(r("z", 0.1, 9, 9), r("a", 0.2, 0, 0))).toBeLessThan(0);
    // Equal share: fewer running first, whatever the last lease says.
    expect(compareRanked(r("z", 0.5, 1, 9), r("a", 0.5, 2, 1))).toBeLessThan(0);
    // Equal share and running: the older last lease first, whatever the name says.
    expect(compareRanked(r("z", 0.5, 2, 3), r("a", 0.5, 2, 4))).toBeLessThan(0);
    // Never leased (0) before any lease.
    expect(compareRanked(r("z", 0, 0, 0), r("a", 0, 0, 1))).toBeLessThan(0);
    // Equal in all three: by name.
    expect(compareRanked(r("a", 0.5, 2, 4), r("b", 0.5, 2, 4))).toBeLessThan(0);
    expect(compareRanked(r("b", 0.5, 2, 4), r("a", 0.5, 2, 4))).toBeGreaterThan(0);
    expect(compareRanked(r("a", 0.5, 2, 4), r("a", 0.5, 2, 4))).toBe(0);
  });

  it("ranks agents from their accounts; an agent with no account holds nothing", () => {
    const accounts = new Map<string, Account>([
      // <3,12>: 2/3.
      ["a", account(1, { cpu: 3, mem: 12 }, 3)],
      // <6,2>: 2/3, but 2 running < 3: before a.
      ["b", account(1, { cpu: 6, mem: 2 }, 2)],
      // <6,2> at weight 2: 1/3.
      ["c", account(2, { cpu: 6, mem: 2 }, 2)],
    ]);
    const ranked = rankAgents(["a", "b", "c", "d"], accounts, cluster);
    // d: 0 (no account), c: 1/3, b: 2/3 with 2 running, a: 2/3 with 3 running.
    expect(ranked.map((x) => x.agent)).toEqual(["d", "c", "b", "a"]);
    expect(ranked[0]).toEqual({ agent: "d", share: 0, running: 0, lastLease: 0 });
    expect(ranked[1]?.share).toBe(1 / 3);
  });

  it("does not depend on the order the agents are given in", () => {
    const accounts = new Map<string, Account>([
      ["x", account(1, { cpu: 1 }, 1, 5)],
      ["y", account(1, { cpu: 1 }, 1, 5)],
    ]);
    // Both 1/9 with 1 running, last lease 5 (not possible in a tenant, but the order must be total): name decides.
    expect(rankAgents(["y", "x"], accounts, cluster).map((x) => x.agent)).toEqual(["x", "y"]);
    expect(rankAgents(["x", "y"], accounts, cluster).map((x) => x.agent)).toEqual(["x", "y"]);
  });

  it("equal agents: the one leased less recently goes first, not the first in the alphabet", () => {
    // Both 1/9 with 1 running; a's latest lease is number 7, b's number 6: b.
    const accounts = new Map<string, Account>([
      ["a", account(1, { cpu: 1 }, 1, 7)],
      ["b", account(1, { cpu: 1 }, 1, 6)],
    ]);
    expect(rankAgents(["a", "b"], accounts, cluster).map((x) => x.agent)).toEqual(["b", "a"]);
  });
});
