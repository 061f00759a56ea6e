// deploy/grafana/officeos.json (issue #20, acceptance 5): every metric its queries name is in the control
// plane's /metrics exposition, with every label its `by (…)` groups on, after a little real traffic
// (tasks submitted, leased, one completed, one failed with a code and retried, one still queued).
import { describe, expect, it } from "vitest";
import grafana from "../../deploy/grafana/officeos.json";
import { call, fixture, lease, ok, putAgent, registerRunner, submit } from "./helpers.js";

interface Panel {
  title: string;
  type: string;
  datasource: { type: string; uid: string };
  targets: { expr: string; refId: string }[];
}
const dashboard = grafana as unknown as { uid: string; panels: Panel[] };

/** name → {type, the label names its samples carry}, from the text exposition. */
function families(text: string): Map<string, { type: string; labels: Set<string> }> {
  const out = new Map<string, { type: string; labels: Set<string> }>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm))
    out.set(m[1] as string, { type: m[2] as string, labels: new Set() });
  for (const m of text.matchAll(/^([a-z_:][a-z0-9_:]*)(?:\{([^}]*)\})? /gm)) {
    const name = m[1] as string;
    const fam = out.get(name) ?? out.get(name.replace(/_(bucket|sum|count)$/, ""));
    for (const l of (m[2] ?? "").matchAll(/([a-z_][a-z0-9_]*)="/g)) fam?.labels.add(l[1] as string);
  }
  return out;
}

describe("the Grafana dashboard", () => {
  it("queries only metrics and labels the control plane exposes", async () => {
    const f = await fixture();
    await putAgent(f, "triage", { retry: { max_attempts: 2 } });
    const runner = await registerRunner(f, { name: "box", capacity: { cpu: 4000 } });
    const a = await submit(f, { agent: "triage", input: {} });
    const b = await submit(f, { agent: "triage", input: {} });
    const leases = (await lease(f, runner, { max_tasks: 2 })) as { task: { id: string }; epoch: number }[];
    expect(leases).toHaveLength(2);
    const of = (id: string) => leases.find((l) => l.task.id === id) as { epoch: number };
    await ok(
      call("POST", `/v1/runners/${runner}/report`, f.runner, {
        reports: [
          { task_id: a.id, epoch: of(a.id).epoch, outcome: "complete", result: null },
          { task_id: b.id, epoch: of(b.id).epoch, outcome: "fail", error: { code: "boom", message: "x" } },
        ],
      }),
    );
    await submit(f, { agent: "triage", input: {} }); // one left in the queue
    const text = (await call("GET", "/metrics", f.read)).body as string;
    const fams = families(text);

    expect(dashboard.uid).toBe("officeos");
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(8);
    const missing: string[] = [];
    for (const p of dashboard.panels) {
      expect(p.datasource.type, p.title).toBe("prometheus");
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) {
        const names = [...t.expr.matchAll(/\b(officeos_[a-z0-9_]+)/g)].map((m) => m[1] as string);
        expect(names.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
        const by = [...t.expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => (m[1] as string).split(/,\s*/));
        for (const n of names) {
          const base = n.replace(/_(bucket|sum|count)$/, "");
          const fam = fams.get(n) ?? (fams.get(base)?.type === "histogram" ? fams.get(base) : undefined);
          if (!fam) {
            missing.push(`${p.title}: ${n} is not exposed`);
            continue;
          }
          for (const l of by)
            if (!(l === "le" && fam.type === "histogram") && fam.labels.size > 0 && !fam.labels.has(l))
              missing.push(`${p.title}: ${n} has no label ${l} (has ${[...fam.labels].join(", ")})`);
        }
      }
    }
    expect(missing).toEqual([]);
    // The traffic above reached the families the main panels chart, so their labels were checked for real.
    for (const n of [
      "officeos_queue_depth",
      "officeos_attempts_failed_total",
      "officeos_tasks_finished_total",
      "officeos_runners",
    ])
      expect(fams.get(n)?.labels.size, n).toBeGreaterThan(0);
  });
});
