// Affinity and taints with real runners: payment tasks run only on the tainted
// PCI runner; that runner takes nothing else, even idle with work queued.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { api, bootstrapTenant, EXAMPLES, startControlPlane, startRunner, type Api, type ControlPlaneProcess, type RunnerProcess } from "../../scripts/lib/stack.mjs";
import { finished } from "./helpers.js";

const ADMIN = "e2e-placement-operator";
let dir: string;
let cp: ControlPlaneProcess;
let submit: Api;
let admin: Api;
let runnerKey: string;
const runners: RunnerProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "officeos-placement-"));
  cp = await startControlPlane({ persistTo: join(dir, "state"), adminToken: ADMIN });
  const t = await bootstrapTenant(cp.url, ADMIN, "placement");
  submit = api(cp.url, t.submitKey);
  admin = api(cp.url, t.adminKey);
  runnerKey = t.runnerKey;
});

afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  await cp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("payments only on the PCI runner, and the PCI runner runs nothing else", async () => {
  await admin("PUT", "/v1/agents/payments", { resources: { cpu: 100 }, node_selector: { pci: "true" }, tolerations: [{ key: "pci", operator: "Equal", value: "true" }] });
  await admin("PUT", "/v1/agents/support", { resources: { cpu: 100 } });
  const echo = { command: [process.execPath, join(EXAMPLES, "echo-agent.mjs")] };
  const agents = { payments: echo, support: echo };
  const timing = { lease_ttl_ms: 5000, heartbeat_interval_ms: 500, lease_wait_ms: 10_000 };
  const pci = startRunner({ dir, name: "pci", url: cp.url, key: runnerKey, agents, extra: { ...timing, labels: { pci: "true" }, taints: [{ key: "pci", value: "true", effect: "NoSchedule" }] } });
  runners.push(pci);
  const pciId = String((await pci.waitForLog((e) => e.msg === "runner ready")).runner_id);

  // Only the PCI runner is up: support work waits rather than land on it.
  const waiting = await submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "support", input: { n: 0 } });
  const pay = [];
  for (let i = 0; i < 5; i++) pay.push((await submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "payments", input: { n: i } })).task.id);
  for (const id of pay) expect(await finished(submit, id)).toMatchObject({ state: "succeeded", runner_id: pciId });
  expect((await submit<{ task: { state: string } }>("GET", `/v1/tasks/${waiting.task.id}`)).task.state).toBe("queued");

  const plain = startRunner({ dir, name: "plain", url: cp.url, key: runnerKey, agents, extra: timing });
  runners.push(plain);
  const plainId = String((await plain.waitForLog((e) => e.msg === "runner ready")).runner_id);
  const support = [waiting.task.id];
  for (let i = 1; i < 5; i++) support.push((await submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "support", input: { n: i } })).task.id);
  for (const id of support) expect(await finished(submit, id)).toMatchObject({ state: "succeeded", runner_id: plainId });
  expect(pci.lines.filter((e) => e.msg === "task started" && e.agent === "support")).toEqual([]);
});
