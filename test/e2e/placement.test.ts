// Affinity and taints with real runners: payment tasks run only on the tainted
// PCI runner; that runner takes nothing else, even idle with work queued.
import { join } from "node:path";
import { expect, it } from "vitest";
import { EXAMPLES, startRunner } from "../../scripts/lib/stack.mjs";
import { finished, useStack } from "./helpers.js";

const s = useStack("placement");

it("payments only on the PCI runner, and the PCI runner runs nothing else", async () => {
  await s.admin("PUT", "/v1/agents/payments", {
    resources: { cpu: 100 },
    node_selector: { pci: "true" },
    tolerations: [{ key: "pci", operator: "Equal", value: "true" }],
  });
  await s.admin("PUT", "/v1/agents/support", { resources: { cpu: 100 } });
  const echo = { command: [process.execPath, join(EXAMPLES, "echo-agent.mjs")] };
  const agents = { payments: echo, support: echo };
  const timing = { lease_ttl_ms: 5000, heartbeat_interval_ms: 500, lease_wait_ms: 10_000 };
  const pci = startRunner({
    dir: s.dir,
    name: "pci",
    url: s.cp.url,
    key: s.runnerKey,
    agents,
    extra: { ...timing, labels: { pci: "true" }, taints: [{ key: "pci", value: "true", effect: "NoSchedule" }] },
  });
  s.runners.push(pci);
  const pciId = String((await pci.waitForLog((e) => e.msg === "runner ready")).runner_id);

  // Only the PCI runner is up: support work waits rather than land on it.
  const waiting = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "support", input: { n: 0 } });
  const pay = [];
  for (let i = 0; i < 5; i++)
    pay.push(
      (await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "payments", input: { n: i } })).task.id,
    );
  for (const id of pay) expect(await finished(s.submit, id)).toMatchObject({ state: "succeeded", runner_id: pciId });
  expect((await s.submit<{ task: { state: string } }>("GET", `/v1/tasks/${waiting.task.id}`)).task.state).toBe(
    "queued",
  );

  const plain = startRunner({ dir: s.dir, name: "plain", url: s.cp.url, key: s.runnerKey, agents, extra: timing });
  s.runners.push(plain);
  const plainId = String((await plain.waitForLog((e) => e.msg === "runner ready")).runner_id);
  const support = [waiting.task.id];
  for (let i = 1; i < 5; i++)
    support.push(
      (await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "support", input: { n: i } })).task.id,
    );
  for (const id of support)
    expect(await finished(s.submit, id)).toMatchObject({ state: "succeeded", runner_id: plainId });
  expect(pci.lines.filter((e) => e.msg === "task started" && e.agent === "support")).toEqual([]);
});
