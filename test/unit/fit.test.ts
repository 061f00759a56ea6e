// scheduler/fit: placement arithmetic, by hand and over seeded random cases.
import { describe, expect, it } from "vitest";
import {
  addResources,
  fitsNow,
  fitsResources,
  fitsStatically,
  freeResources,
  hasCapabilities,
  matchesLabels,
  type Requirements,
  type RunnerShape,
} from "../../src/scheduler/fit.js";
import { int, pick, seeded } from "./random.js";

const runner = (over: Partial<RunnerShape> = {}): RunnerShape => ({
  capacity: { cpu: 1000, memory_mb: 2048 },
  labels: {},
  capabilities: [],
  agents: null,
  ...over,
});
const req = (over: Partial<Requirements> = {}): Requirements => ({
  resources: {},
  capabilities: [],
  nodeSelector: {},
  ...over,
});

describe("resource arithmetic", () => {
  it("free = capacity − allocated per kind, floored at zero, over the capacity's kinds only", () => {
    // cpu 1000 − 600 = 400; memory 2048 − 0 = 2048; gpu is not in the capacity, so it is dropped.
    expect(freeResources({ cpu: 1000, memory_mb: 2048 }, { cpu: 600, gpu_memory_mb: 10 })).toEqual({
      cpu: 400,
      memory_mb: 2048,
    });
    // Over-allocated (1000 − 1200 = −200) reads as 0, never negative.
    expect(freeResources({ cpu: 1000 }, { cpu: 1200 })).toEqual({ cpu: 0 });
  });

  it("adds vectors kind by kind", () => {
    // cpu 600 + 600 = 1200; llm_tpm 0 + 500 = 500.
    expect(addResources({ cpu: 600 }, { cpu: 600, llm_tpm: 500 })).toEqual({ cpu: 1200, llm_tpm: 500 });
    expect(addResources({}, {})).toEqual({});
  });

  it("fits when every asked kind is free, a missing kind counting as zero", () => {
    // 600 ≤ 1000 fits; a second 600 against 1000 − 600 = 400 does not.
    expect(fitsResources({ cpu: 600 }, { cpu: 1000 })).toBe(true);
    expect(fitsResources({ cpu: 600 }, freeResources({ cpu: 1000 }, { cpu: 600 }))).toBe(false);
    // Exactly full still fits: 400 ≤ 400.
    expect(fitsResources({ cpu: 400 }, { cpu: 400 })).toBe(true);
    // gpu 1 > 0 (absent) does not fit; asking 0 of an absent kind does.
    expect(fitsResources({ gpu_memory_mb: 1 }, { cpu: 1000 })).toBe(false);
    expect(fitsResources({ gpu_memory_mb: 0 }, {})).toBe(true);
    expect(fitsResources({}, {})).toBe(true);
  });

  it("agrees with the definition on seeded random vectors", () => {
    const seed = 20_260_421;
    const r = seeded(seed);
    const kinds = ["cpu", "memory_mb", "gpu_memory_mb", "llm_tpm"];
    const vec = () => Object.fromEntries(kinds.filter(() => r() < 0.7).map((k) => [k, int(r, 0, 8) * 125]));
    for (let i = 0; i < 2_000; i++) {
      const capacity = vec();
      const allocated = vec();
      const request = vec();
      const free = freeResources(capacity, allocated);
      const expected = Object.entries(request).every(
        ([k, want]) => want === 0 || want <= Math.max(0, (capacity[k] ?? 0) - (allocated[k] ?? 0)),
      );
      expect(fitsResources(request, free), `seed ${seed} case ${i}`).toBe(expected);
      // Allocating more never frees anything.
      const more = freeResources(capacity, addResources(allocated, request));
      for (const k of Object.keys(free)) expect(more[k]).toBeLessThanOrEqual(free[k] as number);
    }
  });
});

describe("labels and capabilities", () => {
  it("a selector matches when each of its labels is equal on the runner", () => {
    expect(matchesLabels({}, { region: "eu" })).toBe(true);
    expect(matchesLabels({ pci: "true" }, { pci: "true", region: "eu" })).toBe(true);
    expect(matchesLabels({ pci: "true" }, { pci: "false" })).toBe(false);
    expect(matchesLabels({ pci: "true" }, {})).toBe(false);
    // Values compare exactly: "" is a value, not an absence.
    expect(matchesLabels({ tier: "" }, {})).toBe(false);
    expect(matchesLabels({ tier: "" }, { tier: "" })).toBe(true);
  });

  it("capabilities are a subset check", () => {
    expect(hasCapabilities([], [])).toBe(true);
    expect(hasCapabilities(["sql"], ["crm-api", "sql"])).toBe(true);
    expect(hasCapabilities(["sql", "crm-api"], ["sql"])).toBe(false);
  });
});

describe("fitsStatically and fitsNow", () => {
  it("checks the runner's agent list, labels, capabilities and whole capacity", () => {
    const task = req({ resources: { cpu: 600 }, capabilities: ["sql"], nodeSelector: { pci: "true" } });
    const good = runner({ labels: { pci: "true" }, capabilities: ["sql"] });
    expect(fitsStatically("echo", task, good)).toBe(true);
    expect(fitsStatically("echo", task, { ...good, agents: ["other"] })).toBe(false);
    expect(fitsStatically("echo", task, { ...good, agents: ["echo", "other"] })).toBe(true);
    expect(fitsStatically("echo", task, { ...good, labels: {} })).toBe(false);
    expect(fitsStatically("echo", task, { ...good, capabilities: [] })).toBe(false);
    // 600 > 500 of capacity: it could never run there.
    expect(fitsStatically("echo", task, { ...good, capacity: { cpu: 500 } })).toBe(false);
  });

  it("fitsNow also needs the resources free at this moment", () => {
    const task = req({ resources: { cpu: 600 } });
    const shape = runner();
    // free 1000 − 0 = 1000 ≥ 600; after one lease 1000 − 600 = 400 < 600.
    expect(fitsNow("echo", task, shape, freeResources(shape.capacity, {}))).toBe(true);
    expect(fitsNow("echo", task, shape, freeResources(shape.capacity, { cpu: 600 }))).toBe(false);
    // Free capacity never rescues a static misfit.
    expect(fitsNow("echo", task, runner({ agents: [] }), { cpu: 10_000 })).toBe(false);
  });

  it("fitsNow implies fitsStatically on seeded random shapes", () => {
    const seed = 7;
    const r = seeded(seed);
    const caps = ["sql", "crm-api", "browser"];
    for (let i = 0; i < 1_000; i++) {
      const shape = runner({
        capacity: { cpu: int(r, 0, 4) * 250 },
        labels: r() < 0.5 ? { region: pick(r, ["eu", "us"]) } : {},
        capabilities: caps.filter(() => r() < 0.5),
        agents: r() < 0.3 ? [pick(r, ["echo", "other"])] : null,
      });
      const task = req({
        resources: { cpu: int(r, 0, 4) * 250 },
        capabilities: caps.filter(() => r() < 0.3),
        nodeSelector: r() < 0.5 ? { region: pick(r, ["eu", "us"]) } : {},
      });
      const free = { cpu: int(r, 0, 4) * 250 };
      if (fitsNow("echo", task, shape, free))
        expect(fitsStatically("echo", task, shape), `seed ${seed} case ${i}`).toBe(true);
    }
  });
});
