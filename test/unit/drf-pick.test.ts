// drf/pick: the decision for one runner. Strict priority, weighted DRF within a
// class, FIFO within an agent, backfill, busy instances and avoided runners.
// Starvation and held runners are in drf-pick-starvation.test.ts.
import { describe, expect, it } from "vitest";
import { pick, type Pick } from "../../src/drf/pick.js";
import { QueueIndex, type QueuedTask } from "../../src/drf/queue-index.js";
import type { Account } from "../../src/drf/share.js";
import { account, apply, ctx, req, runner, task } from "./drf-helpers.js";

const picked = (p: Pick): string => (p.kind === "task" ? p.task.id : p.kind);
const queue = (...ts: QueuedTask[]): QueueIndex => {
  const q = new QueueIndex();
  for (const t of ts) q.add(t);
  return q;
};

describe("pick: weighted DRF, the paper's allocation", () => {
  it("gives A 3 tasks and B 2 on <9 CPU, 18 GB> (Ghodsi et al., NSDI 2011)", () => {
    const cluster = { cpu: 9, mem: 18 };
    const q = new QueueIndex();
    for (let i = 0; i < 10; i++) {
      q.add(task(`a${i}`, 2 * i + 1, { agent: "a", req: req({ resources: { cpu: 1, mem: 4 } }) }));
      q.add(task(`b${i}`, 2 * i + 2, { agent: "b", req: req({ resources: { cpu: 3, mem: 1 } }) }));
    }
    const accounts = new Map<string, Account>([
      ["a", account()],
      ["b", account()],
    ]);
    const r = runner("r", { capacity: cluster });
    const c = ctx({ accounts, capacity: cluster });
    const order: string[] = [];
    for (let p = pick(q, r, c); p.kind === "task"; p = pick(q, r, c)) {
      order.push(p.task.id);
      apply(q, accounts, r, p.task);
    }
    // 1. A 0 = B 0, both 0 running, neither ever leased: name, a. A <1,4>: max(1/9, 4/18) = 2/9.
    // 2. B 0 < 2/9: b. B <3,1>: max(3/9, 1/18) = 1/3.
    // 3. A 2/9 < 1/3: a. A <2,8>: 8/18 = 4/9.
    // 4. B 1/3 < 4/9: b. B <6,2>: 6/9 = 2/3.
    // 5. A 4/9 < 2/3: a. A <3,12>: 12/18 = 2/3. Free <9−3−6, 18−12−2> = <0,4>.
    // 6. A 2/3 = B 2/3; B has 2 running < 3: b first, but 3 CPU > 0 free; a needs 1 > 0: none.
    expect(order).toEqual(["a0", "b0", "a1", "b1", "a2"]);
    expect(pick(q, r, c)).toEqual({ kind: "none" });
    expect(r.free).toEqual({ cpu: 0, mem: 4 });
    // Lease numbers 1…5 went a, b, a, b, a: a's latest is 5, b's 4.
    expect(accounts.get("a")).toEqual({ weight: 1, allocated: { cpu: 3, mem: 12 }, running: 3, lastLease: 5 });
    expect(accounts.get("b")).toEqual({ weight: 1, allocated: { cpu: 6, mem: 2 }, running: 2, lastLease: 4 });
  });

  it("gives a weight-2 agent twice the cpu of a weight-1 agent", () => {
    const q = new QueueIndex();
    for (let i = 0; i < 10; i++) {
      q.add(task(`x${i}`, 2 * i + 1, { agent: "x", req: req({ resources: { cpu: 1 } }) }));
      q.add(task(`y${i}`, 2 * i + 2, { agent: "y", req: req({ resources: { cpu: 1 } }) }));
    }
    const accounts = new Map<string, Account>([
      ["x", account(2)],
      ["y", account(1)],
    ]);
    const r = runner("r", { capacity: { cpu: 9 } });
    const c = ctx({ accounts, capacity: { cpu: 9 } });
    const agents: string[] = [];
    for (let p = pick(q, r, c); p.kind === "task"; p = pick(q, r, c)) {
      agents.push(p.task.agent);
      apply(q, accounts, r, p.task);
    }
    // x holding n has n/9 ÷ 2; y holding m has m/9. Ties go to fewer running.
    // x 0=y 0 (name) → x 1/18; y 0 → y 1/9; x 1/18 → x 2/18; x 1/9 = y 1/9, y runs 1 < 2 → y 2/9;
    // x 1/9 → x 3/18; x 3/18 → x 4/18; x 2/9 = y 2/9, y runs 2 < 4 → y 3/9; x 4/18 → x 5/18; x 5/18 → x 6/18. cpu 6 + 3 = 9: full.
    expect(agents).toEqual(["x", "y", "x", "y", "x", "x", "y", "x", "x"]);
  });
});

describe("pick: strict priority, DRF within a class, FIFO within an agent", () => {
  const cap = { cpu: 8 };

  it("a fitting higher-priority task goes first, whatever the shares", () => {
    // rich holds 7/8 of the cpu, poor nothing; rich's task is priority 5, poor's 1.
    const accounts = new Map<string, Account>([
      ["rich", account(1, { cpu: 7 }, 7)],
      ["poor", account()],
    ]);
    const q = queue(
      task("poor1", 1, { agent: "poor", priority: 1 }),
      task("rich5", 2, { agent: "rich", priority: 5, req: req({ resources: { cpu: 1 } }) }),
    );
    expect(picked(pick(q, runner("r", { capacity: cap }, { cpu: 1 }), ctx({ accounts, capacity: cap })))).toBe("rich5");
  });

  it("orders agents by DRF only within a class", () => {
    // In class 3: b holds 4/8 = 1/2, c holds 2/8 = 1/4 → c first. a (share 0) is only in class 1.
    const accounts = new Map<string, Account>([
      ["b", account(1, { cpu: 4 }, 1)],
      ["c", account(1, { cpu: 2 }, 1)],
    ]);
    const q = queue(
      task("a1", 1, { agent: "a", priority: 1 }),
      task("b3", 2, { agent: "b", priority: 3 }),
      task("c3", 3, { agent: "c", priority: 3 }),
    );
    const c = ctx({ accounts, capacity: cap });
    const r = runner("r", { capacity: cap });
    expect(picked(pick(q, r, c))).toBe("c3");
    q.remove("c3");
    expect(picked(pick(q, r, c))).toBe("b3");
    q.remove("b3");
    expect(picked(pick(q, r, c))).toBe("a1");
  });

  it("breaks equal shares by fewer running, then by least recently leased, then by name", () => {
    // b and c both 2/8 = 1/4; b runs 2 leases, c runs 1 → c, though c's last lease (9) is newer than b's (4).
    const accounts = new Map<string, Account>([
      ["b", account(1, { cpu: 2 }, 2, 4)],
      ["c", account(1, { cpu: 2 }, 1, 9)],
    ]);
    const q = queue(task("b", 1, { agent: "b" }), task("c", 2, { agent: "c" }));
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx({ accounts, capacity: cap })))).toBe("c");
    // Equal running too: b's last lease (4) is older than c's (9) → b.
    accounts.set("c", account(1, { cpu: 2 }, 2, 9));
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx({ accounts, capacity: cap })))).toBe("b");
    // c leased longer ago than b → c, though b comes first in the alphabet.
    accounts.set("c", account(1, { cpu: 2 }, 2, 3));
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx({ accounts, capacity: cap })))).toBe("c");
    // Never leased (0) goes first; with both at 0 only the name is left → b.
    accounts.set("b", account(1, { cpu: 2 }, 2, 0));
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx({ accounts, capacity: cap })))).toBe("b");
    accounts.set("c", account(1, { cpu: 2 }, 2, 0));
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx({ accounts, capacity: cap })))).toBe("b");
  });

  it("takes an agent's oldest fitting task across its placement groups", () => {
    const big = req({ resources: { cpu: 6 } });
    const small = req({ resources: { cpu: 1 } });
    const q = queue(
      task("small5", 5, { req: small }),
      task("big3", 3, { req: big }),
      task("small7", 7, { req: small }),
    );
    // All free: seq 3 < 5.
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx({ capacity: cap })))).toBe("big3");
    // 2 free: big (6) does not fit; the oldest that does is seq 5.
    expect(picked(pick(q, runner("r", { capacity: cap }, { cpu: 2 }), ctx({ capacity: cap })))).toBe("small5");
  });

  it("backfills: a higher-priority task that does not fit here does not block a lower one that does", () => {
    const q = queue(
      task("hi-big", 1, { priority: 9, req: req({ resources: { cpu: 6 } }) }),
      task("hi-gpu", 2, { priority: 8, req: req({ nodeSelector: { gpu: "true" } }) }),
      task("lo", 3, { priority: 0, req: req({ resources: { cpu: 2 } }) }),
    );
    // 4 free: 6 > 4, and the runner has no gpu label; lo needs 2 ≤ 4.
    expect(picked(pick(q, runner("r", { capacity: cap }, { cpu: 4 }), ctx({ capacity: cap })))).toBe("lo");
    // 1 free: nothing fits.
    expect(pick(q, runner("r", { capacity: cap }, { cpu: 1 }), ctx({ capacity: cap }))).toEqual({ kind: "none" });
  });
});

describe("pick: busy instances and avoided runners", () => {
  const cap = { cpu: 4 };

  it("skips a task whose instance is busy and takes the next of its group", () => {
    const q = queue(
      task("t1", 1, { instance: "i1" }),
      task("t2", 2, { instance: "i2" }),
      task("t3", 3, { instance: "i1" }),
    );
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx({ busyInstances: new Set(["i1"]) })))).toBe("t2");
    // Every task of a busy: the next agent.
    q.add(task("b1", 4, { agent: "b", instance: "ib" }));
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx({ busyInstances: new Set(["i1", "i2"]) })))).toBe("b1");
    expect(pick(q, runner("r", { capacity: cap }), ctx({ busyInstances: new Set(["i1", "i2", "ib"]) }))).toEqual({
      kind: "none",
    });
  });

  it("skips a task that failed on this runner only while another runner could take it", () => {
    const q = queue(task("failed-here", 1, { avoid: ["r", "s"] }), task("fresh", 2));
    const asked: [string, string][] = [];
    const other = (answer: boolean) => (t: QueuedTask, except: string) => {
      asked.push([t.id, except]);
      return answer;
    };
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx({ otherRunnerFits: other(true) })))).toBe("fresh");
    expect(asked).toEqual([["failed-here", "r"]]);
    // No other runner could take it: better here again than never.
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx({ otherRunnerFits: other(false) })))).toBe("failed-here");
    // A runner it never failed on takes it without asking.
    asked.length = 0;
    expect(picked(pick(q, runner("t", { capacity: cap }), ctx({ otherRunnerFits: other(true) })))).toBe("failed-here");
    expect(asked).toEqual([]);
  });
});
