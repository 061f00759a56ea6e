// The runner's own operations endpoint on a local port: `/livez` (this process
// answers; `/healthz` is its alias), `/readyz` (in touch with the control
// plane, taking work, its self-check passes; see probes.ts) and `/metrics`
// (Prometheus, with prom-client's process metrics).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { liveness, readiness, type OpsState } from "./probes.js";

export type { OpsState } from "./probes.js";

export class RunnerMetrics {
  readonly registry = new Registry();
  readonly running = new Gauge({
    name: "officeos_runner_tasks_running",
    help: "Agent processes running now.",
    registers: [this.registry],
  });
  readonly started = new Counter({
    name: "officeos_runner_tasks_started_total",
    help: "Agent processes started.",
    labelNames: ["agent"],
    registers: [this.registry],
  });
  readonly ended = new Counter({
    name: "officeos_runner_tasks_ended_total",
    help: "Tasks ended on this runner, by how.",
    labelNames: ["agent", "outcome"],
    registers: [this.registry],
  });
  readonly heartbeats = new Counter({
    name: "officeos_runner_heartbeats_total",
    help: "Heartbeats sent, by result.",
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly polls = new Counter({
    name: "officeos_runner_lease_polls_total",
    help: "Lease long-polls, by result.",
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: "officeos_runner_ready",
    help: "1 when the runner's self-check passes.",
    registers: [this.registry],
  });
  private collecting = false;

  /** Starts prom-client's process collectors (CPU, memory, event-loop lag). Only done when an ops
   * endpoint will serve them: the event-loop lag monitor wakes the process 100 times a second at its
   * default precision, which alone cost an idle runner about 1 % of a core (issue #9). */
  collectProcessMetrics(): void {
    if (this.collecting) return;
    this.collecting = true;
    collectDefaultMetrics({ register: this.registry, prefix: "officeos_runner_", eventLoopMonitoringPrecision: 100 });
    // prom-client names three gauges `_total`, which Prometheus's lint (promtool) rejects for non-counters;
    // it also exports the same count without the suffix (officeos_runner_nodejs_active_resources).
    for (const n of ["active_handles_total", "active_requests_total", "active_resources_total"])
      this.registry.removeSingleMetric(`officeos_runner_nodejs_${n}`);
  }
}

export class OpsServer {
  private readonly server: Server;

  constructor(metrics: RunnerMetrics, state: () => OpsState) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      const json = (status: number, body: unknown): void => {
        const text = JSON.stringify(body);
        res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      };
      if (req.method !== "GET") return json(405, { error: { code: "method_not_allowed", message: "GET only" } });
      const s = state();
      if (path === "/livez" || path === "/healthz") {
        const p = liveness(s);
        return json(p.status, p.body);
      }
      if (path === "/readyz") {
        const p = readiness(s);
        return json(p.status, p.body);
      }
      if (path === "/metrics") {
        metrics.registry
          .metrics()
          .then((text) => {
            res.writeHead(200, { "content-type": metrics.registry.contentType });
            res.end(text);
          })
          .catch((e: unknown) => json(500, { error: { code: "internal", message: (e as Error).message } }));
        return;
      }
      return json(404, { error: { code: "not_found", message: `no route ${path}` } });
    });
  }

  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    return `http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
