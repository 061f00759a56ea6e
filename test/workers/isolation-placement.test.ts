// Issue #16, acceptance 6: an agent requiring `isolation: "bwrap"` is never placed on a runner
// reporting less. A runner reports the level it achieves as the label officeos.io/isolation
// (agent-runner sets it at registration); the agent's minimum becomes a node-affinity
// expression over it (src/scheduler/fit.ts isolationAffinity, pure).
import { describe, expect, it } from "vitest";
import { ISOLATION_LABEL, isolationAffinity } from "../../src/scheduler/fit.js";
import { call, fixture, lease, putAgent, registerRunner, submit } from "./helpers.js";

const level = (l: string) => ({ [ISOLATION_LABEL]: l });

describe("isolation as a placement constraint", () => {
  it("a bwrap-only agent waits past uid and unshare runners and lands on the bwrap one; others go anywhere", async () => {
    const f = await fixture();
    const agent = await putAgent(f, "payments", { isolation: "bwrap" });
    expect(agent.isolation).toBe("bwrap");
    expect((await putAgent(f, "support", {})).isolation).toBe("none");
    const uid = await registerRunner(f, { name: "uid-only", capacity: {}, labels: level("uid") });
    const ns = await registerRunner(f, { name: "pid-ns", capacity: {}, labels: level("unshare") });
    const unlabelled = await registerRunner(f, { name: "old", capacity: {} });
    const pay = await submit(f, { agent: "payments" });
    // While no runner qualifies, it says why, naming the label.
    const waiting = (await call("GET", `/v1/tasks/${pay.id}`, f.read)).body.task.waiting;
    expect(waiting?.message).toContain(ISOLATION_LABEL);
    const boxed = await registerRunner(f, { name: "boxed", capacity: {}, labels: level("bwrap") });
    for (const r of [uid, ns, unlabelled]) expect(await lease(f, r, { max_tasks: 10, wait_ms: 0 })).toEqual([]);
    const got = await lease(f, boxed, { max_tasks: 10, wait_ms: 0 });
    expect(got.map((l: { task: { id: string } }) => l.task.id)).toEqual([pay.id]);
    // The attempt keeps the level it runs under, in its `leased` event.
    const { events } = (await call("GET", `/v1/tasks/${pay.id}/events`, f.read)).body;
    expect(events.find((e: { type: string }) => e.type === "leased")?.details).toMatchObject({ isolation: "bwrap" });
    const sup = await submit(f, { agent: "support" });
    expect(
      (await lease(f, uid, { max_tasks: 10, wait_ms: 0 })).map((l: { task: { id: string } }) => l.task.id),
    ).toEqual([sup.id]);
  });

  it("the level shows in GET /v1/runners; a bad level is a 400", async () => {
    const f = await fixture();
    await registerRunner(f, { name: "boxed", capacity: {}, labels: level("bwrap") });
    const r = await call("GET", "/v1/runners", f.admin);
    expect(r.status).toBe(200);
    expect(r.body.runners[0].labels[ISOLATION_LABEL]).toBe("bwrap");
    const bad = await call("PUT", "/v1/agents/x", f.admin, { isolation: "chroot" });
    expect(bad.status).toBe(400);
  });

  it("the minimum maps to the levels at or above it (pure)", () => {
    expect(isolationAffinity(undefined)).toEqual([]);
    expect(isolationAffinity("none")).toEqual([]);
    expect(isolationAffinity("unshare")).toEqual([
      { key: ISOLATION_LABEL, operator: "In", values: ["unshare", "bwrap"] },
    ]);
    expect(isolationAffinity("uid")[0]?.values).toEqual(["uid", "unshare", "bwrap"]);
  });
});
