// The runner's probes, by the Kubernetes convention (kubernetes.io, "Kubernetes
// API health endpoints"): liveness says only that this process and its event
// loop answer, so that a control-plane outage never gets a runner (and the
// agents it runs) restarted; readiness carries everything that decides whether
// it should get work: registered and not draining, the control plane answering
// within one lease TTL, and the self-check (health.ts).
//
// Nobody authenticates to the ops endpoint, so a failing probe names its
// failed checks as `[-]<check> failed` and withholds the reason (paths, users,
// the control plane's address and errors): the runner's log has them.
import type { RunnerHealth } from "./health.js";

export interface OpsState {
  phase: string;
  runnerId: string;
  /** Milliseconds since the control plane last answered; null before it ever did. */
  sinceContactMs: number | null;
  contactLimitMs: number;
  health: RunnerHealth | null;
}

export interface ProbeCheck {
  name: string;
  ok: boolean;
}

export interface ProbeAnswer {
  status: 200 | 503;
  body: Record<string, unknown>;
}

/** `[-]a failed` lines for the failed checks, one per line. */
export const failedLines = (checks: readonly ProbeCheck[]): string =>
  checks
    .filter((c) => !c.ok)
    .map((c) => `[-]${c.name} failed`)
    .join("\n");

/** /livez and /healthz: up while the process runs; only a runner that has stopped for good is not live. */
export function liveness(s: OpsState): ProbeAnswer {
  const checks: ProbeCheck[] = [{ name: "runner", ok: s.phase !== "stopped" }];
  const live = checks.every((c) => c.ok);
  const body: Record<string, unknown> = {
    status: live ? "ok" : "unhealthy",
    phase: s.phase,
    runner_id: s.runnerId || null,
    since_contact_ms: s.sinceContactMs,
  };
  if (!live) body.message = failedLines(checks);
  return { status: live ? 200 : 503, body };
}

/** /readyz: registered and taking work, in touch with the control plane, and the self-check passes. */
export function readiness(s: OpsState): ProbeAnswer {
  const checks: ProbeCheck[] = [
    { name: "accepting_work", ok: s.phase === "ready" },
    { name: "control_plane", ok: s.sinceContactMs !== null && s.sinceContactMs <= s.contactLimitMs },
    ...(s.health ? s.health.checks.map((c) => ({ name: c.name, ok: c.ok })) : [{ name: "self_check", ok: false }]),
  ];
  const ready = checks.every((c) => c.ok);
  const body: Record<string, unknown> = { status: ready ? "ready" : "not_ready", phase: s.phase, checks };
  if (!ready) body.message = failedLines(checks);
  return { status: ready ? 200 : 503, body };
}
