// The runner's side of captured agent output (docs/logs.md): its shipper, which sends batches as
// logs-only heartbeats, the secrets it scrubs besides each task's token, and the configured caps.
import type { Logger } from "pino";
import type { RunnerConfig } from "./config.js";
import type { ControlPlane } from "./control.js";
import type { LogLimits } from "./log-capture.js";
import { headerValues } from "./log-scrub.js";
import { LogShipper } from "./log-ship.js";

export function runnerLogShipper(cp: ControlPlane, runnerId: () => string, cfg: RunnerConfig, log: Logger): LogShipper {
  return new LogShipper(
    async (batches) => {
      const r = await cp.heartbeat(runnerId(), [], undefined, batches);
      if (r.kind === "ok") return "ok";
      log.warn({ err: r.message, batches: batches.length }, "could not ship agent output");
      return r.kind === "network" || r.status >= 500 || r.status === 429 ? "retry" : "refused";
    },
    { flushMs: cfg.logs.flush_ms },
  );
}

/** The runner's own secrets: its configured key and issued credential, the LLM key and headers, tool headers. */
export function runnerSecrets(cfg: RunnerConfig, cp: ControlPlane): string[] {
  return [
    cfg.control_plane.key,
    cp.credential,
    ...(cfg.llm?.api_key ? [cfg.llm.api_key] : []),
    ...headerValues(cfg.llm?.headers, ...Object.values(cfg.tools).map((t) => t.headers)),
  ];
}

export function logLimits(cfg: RunnerConfig): LogLimits {
  return {
    maxLines: cfg.logs.max_lines_per_attempt,
    maxBytes: cfg.logs.max_bytes_per_attempt,
    maxLineBytes: cfg.logs.max_line_bytes,
  };
}
