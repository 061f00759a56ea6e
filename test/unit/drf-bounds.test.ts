// Issue 15, bounds on the pure core: with every resource value at most 2^53
// (RESOURCE_MAX, enforced by the API schema), sums over many runners stay finite
// and DRF shares stay meaningful. Before the bound, two runners with cpu 1.7e308
// summed to Infinity and every share on cpu became 0.
import { describe, expect, it } from "vitest";
import { RESOURCE_MAX, Resources } from "../../src/api/schemas.js";
import { dominantShare, rankAgents, type Account } from "../../src/drf/share.js";
import { addResources } from "../../src/scheduler/fit.js";

describe("DRF sums at the resource bound", () => {
  it("sums 100 000 runners at the max of every kind to finite totals, and shares stay finite and non-zero", () => {
    const one = { cpu: RESOURCE_MAX, memory_mb: RESOURCE_MAX, gpu_memory_mb: RESOURCE_MAX, llm_tpm: RESOURCE_MAX };
    let capacity: Resources = {};
    const runners = 100_000; // a hundred times the default OFFICEOS_MAX_RUNNERS
    for (let i = 0; i < runners; i++) capacity = addResources(capacity, one);
    for (const v of Object.values(capacity)) expect(Number.isFinite(v)).toBe(true);
    // An agent holding one runner's worth of cpu: 2^53 / (1e5 · 2^53) = 1e-5.
    const s = dominantShare({ cpu: RESOURCE_MAX }, capacity, 1);
    expect(s.resource).toBe("cpu");
    expect(s.share).toBeCloseTo(1 / runners, 12);
    const accounts = new Map<string, Account>([
      ["big", { weight: 1, allocated: { cpu: RESOURCE_MAX * 10 }, running: 10, lastLease: 1 }],
      ["small", { weight: 1, allocated: { cpu: RESOURCE_MAX }, running: 1, lastLease: 2 }],
    ]);
    const ranked = rankAgents(["big", "small"], accounts, capacity);
    expect(ranked.map((r) => r.agent)).toEqual(["small", "big"]);
    for (const r of ranked) expect(Number.isFinite(r.share) && r.share > 0).toBe(true);
  });

  it("the schema is what holds the bound: 1.7e308 and fractional millicores are refused", () => {
    expect(Resources.safeParse({ cpu: 1.7e308 }).success).toBe(false);
    expect(Resources.safeParse({ cpu: RESOURCE_MAX + 2 }).success).toBe(false);
    expect(Resources.safeParse({ memory_mb: 0.5 }).success).toBe(false);
    expect(Resources.safeParse({ cpu: RESOURCE_MAX, llm_tpm: 0.5 }).success).toBe(true);
  });
});
