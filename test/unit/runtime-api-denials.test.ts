// runtime.denied audit events are batched: a flood of refusals from one agent
// costs at most one control-plane call per task per flush window, and a flush
// in flight holds the next one back.
import { describe, expect, it } from "vitest";
import { RuntimeDenials, type DenialDetails } from "../../agent-runner/src/runtime-denials.js";

const denial = (i: number) => ({ method: "GET", target: `/threads/../runners?${i}`, status: 400, code: "dot_segment" });

describe("RuntimeDenials", () => {
  it("coalesces a flood into one event per task, counted and sampled", async () => {
    const sent: { task: string | undefined; details: DenialDetails }[] = [];
    const d = new RuntimeDenials(async (task, details) => (sent.push({ task, details }), { kind: "ok" }), {
      flushMs: 60_000,
      maxSamples: 3,
    });
    for (let i = 0; i < 10_000; i++) d.record(i % 2 ? "task_a" : "task_b", denial(i));
    d.record(undefined, { method: "?", target: "?", status: 400, code: "unparseable:HPE_INVALID_URL" });
    expect(sent).toEqual([]);
    await d.close();
    expect(sent.map((s) => [s.task, s.details.count, s.details.samples.length, s.details.unsampled])).toEqual([
      [undefined, 1, 1, undefined],
      ["task_a", 5000, 3, 4997],
      ["task_b", 5000, 3, 4997],
    ]);
    expect(sent[1]?.details.codes).toEqual({ dot_segment: 5000 });
  });

  it("holds a flush back while one is in flight, and cuts long targets", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const sent: DenialDetails[] = [];
    const d = new RuntimeDenials(async (_t, details) => (sent.push(details), await gate, { kind: "ok" }), {
      flushMs: 10,
    });
    d.record("t", { ...denial(0), target: `/${"x".repeat(5000)}` });
    while (sent.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(sent[0]?.samples[0]?.target.length).toBeLessThanOrEqual(201);
    for (let i = 0; i < 100; i++) d.record("t", denial(i));
    // No timer runs while a flush is in flight, however long we wait here.
    await new Promise((r) => setTimeout(r, 50));
    // The first call has not answered: nothing more was sent.
    expect(sent).toHaveLength(1);
    release();
    await d.close();
    expect(sent).toHaveLength(2);
    expect(sent[1]?.count).toBe(100);
  });

  it("bounds the tasks held per flush: more go under no task", async () => {
    const sent: (string | undefined)[] = [];
    const d = new RuntimeDenials(async (task) => (sent.push(task), { kind: "ok" }), { flushMs: 60_000, maxTasks: 2 });
    for (const t of ["a", "b", "c", "d"]) d.record(t, denial(0));
    await d.close();
    expect(sent).toEqual([undefined, "a", "b"]);
  });
});
