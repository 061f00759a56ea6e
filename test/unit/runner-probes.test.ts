// The runner's probes by the Kubernetes convention, through its ops endpoint:
// liveness does not depend on the control plane; readiness does, and on the
// self-check; failure bodies name the failed checks and withhold the reasons.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpsServer, RunnerMetrics } from "../../agent-runner/src/ops.js";
import type { OpsState } from "../../agent-runner/src/probes.js";

const SECRET_PATH = "/srv/officeos/secret-work-dir";
let state: OpsState;
const server = new OpsServer(new RunnerMetrics(), () => state);
let base = "";

beforeAll(async () => {
  base = await server.listen("127.0.0.1", 0);
});
afterAll(() => server.close());

const healthy = (): OpsState => ({
  phase: "ready",
  runnerId: "run_1",
  sinceContactMs: 100,
  contactLimitMs: 3000,
  health: {
    ready: true,
    checks: [
      { name: "agent_commands", ok: true },
      { name: "work_dir", ok: true, message: SECRET_PATH },
    ],
  },
});

async function get(path: string): Promise<{ status: number; text: string; body: any }> {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

describe("runner probes", () => {
  it("all 200 while in touch with the control plane and the self-check passes", async () => {
    state = healthy();
    for (const p of ["/livez", "/healthz"]) expect((await get(p)).body).toMatchObject({ status: "ok", phase: "ready" });
    const r = await get("/readyz");
    expect(r.status).toBe(200);
    expect(r.body.checks).toEqual([
      { name: "accepting_work", ok: true },
      { name: "control_plane", ok: true },
      { name: "agent_commands", ok: true },
      { name: "work_dir", ok: true },
    ]);
    expect(r.text).not.toContain(SECRET_PATH);
  });

  it("control plane lost (no answer for longer than a lease TTL): /livez and /healthz 200, /readyz 503", async () => {
    state = { ...healthy(), sinceContactMs: 3001 };
    expect((await get("/livez")).status).toBe(200);
    expect((await get("/healthz")).status).toBe(200);
    const r = await get("/readyz");
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ status: "not_ready", message: "[-]control_plane failed" });
    // Long after, still alive: liveness never follows the control plane.
    state = { ...healthy(), sinceContactMs: 3_600_000 };
    expect((await get("/livez")).status).toBe(200);
  });

  it("a failing self-check: 503 naming the check, the reason withheld", async () => {
    state = healthy();
    state.health = {
      ready: false,
      checks: [
        { name: "agent_commands", ok: false, message: "not found or not executable: a: /opt/private/agent" },
        { name: "work_dir", ok: false, message: `${SECRET_PATH}: EACCES` },
      ],
    };
    const r = await get("/readyz");
    expect(r.status).toBe(503);
    expect(r.body.message).toBe("[-]agent_commands failed\n[-]work_dir failed");
    expect(r.text).not.toContain(SECRET_PATH);
    expect(r.text).not.toContain("/opt/private");
    expect(r.text).not.toContain("EACCES");
    expect((await get("/livez")).status).toBe(200);
  });

  it("draining or not yet registered: not ready, still live; stopped for good: not live", async () => {
    state = { ...healthy(), phase: "draining" };
    expect((await get("/readyz")).body.message).toBe("[-]accepting_work failed");
    expect((await get("/livez")).status).toBe(200);
    state = { ...healthy(), phase: "starting", runnerId: "", sinceContactMs: null, health: null };
    expect((await get("/readyz")).body.message).toBe(
      "[-]accepting_work failed\n[-]control_plane failed\n[-]self_check failed",
    );
    expect((await get("/livez")).status).toBe(200);
    state = { ...healthy(), phase: "stopped" };
    const l = await get("/healthz");
    expect(l.status).toBe(503);
    expect(l.body.message).toBe("[-]runner failed");
  });
});
