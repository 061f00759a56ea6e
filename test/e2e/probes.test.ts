// Probes by the Kubernetes convention with a real runner and a real control
// plane, which the test then stops: the runner stays live (/livez, /healthz
// 200: a liveness probe must not restart it, and its agents, during an outage)
// and turns not ready (/readyz 503), naming the failed check without the reason.
import { describe, expect, it } from "vitest";
import { startRunner } from "../../scripts/lib/stack.mjs";
import { until, useStack } from "./helpers.js";

const s = useStack("probes");

describe("runner probes when the control plane goes away", () => {
  it("answers 200 on /livez and /healthz and 503 on /readyz once the control plane is lost", async () => {
    const r = startRunner({
      dir: s.dir,
      name: "probes-0",
      url: s.cp.url,
      key: s.runnerKey,
      extra: {
        lease_ttl_ms: 3000,
        heartbeat_interval_ms: 500,
        lease_wait_ms: 2000,
        drain_timeout_ms: 2000,
        ops: { host: "127.0.0.1", port: 0 },
      },
    });
    s.runners.push(r);
    const up = await r.waitForLog((e) => e.msg === "ops endpoint up (/healthz /readyz /metrics)");
    await r.waitForLog((e) => e.msg === "runner ready");
    const base = String(up.ops);
    const status = async (p: string) => (await fetch(`${base}${p}`)).status;
    await until("readyz 200", async () => (await status("/readyz")) === 200);
    expect(await status("/livez")).toBe(200);
    expect(await status("/healthz")).toBe(200);

    await s.cp.stop();
    // Within one lease TTL (3 s) of the last answer; the deadline is generous for a loaded machine.
    const body = await until("readyz 503", async () => {
      const res = await fetch(`${base}/readyz`);
      return res.status === 503 ? await res.text() : undefined;
    });
    const readyz = JSON.parse(body) as { status: string; message: string; checks: { name: string; ok: boolean }[] };
    expect(readyz.status).toBe("not_ready");
    expect(readyz.message).toBe("[-]control_plane failed");
    expect(readyz.checks).toContainEqual({ name: "control_plane", ok: false });
    // The reason (the control plane's address, the connection error) is not in the body.
    expect(body).not.toContain(s.cp.url);
    expect(body).not.toMatch(/ECONNREFUSED|fetch failed/);
    // Well past the lease TTL the runner is still live.
    await r.waitForLog((e) => e.msg === "heartbeat failed");
    for (const p of ["/livez", "/healthz"]) {
      const res = await fetch(`${base}${p}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "ok", phase: "ready" });
    }
  });
});
