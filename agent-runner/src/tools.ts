// The runner's tool gateway: `POST /tools/{name}` on the runtime API. An agent
// may call a tool only when its spec lists it (`tools` in PUT /v1/agents) AND
// this runner's config defines it; the runner then forwards the call to the
// tool's endpoint with the credentials from its config (headers), which the
// agent process never sees. Everything else is refused with 403 and reported to
// the control plane's audit log (POST /v1/audit/events, type tool.denied). A call made is audited too
// (tool.called: tool, agent, status, duration, bytes; never the arguments or the answer), after
// the agent has its answer.
import type { ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { RunnerConfig } from "./config.js";
import type { ControlPlane } from "./control.js";
import { causeOf, hostPort } from "./net-error.js";

export type ToolConfig = RunnerConfig["tools"][string];

export interface ToolCaller {
  taskId: string;
  agent: string;
  /** Tools the agent's spec allows (fetched when the task started). */
  allowed: readonly string[];
}

/** Headers of the tool's answer passed back to the agent; nothing that could carry a credential. */
const PASS_BACK = ["content-type", "content-length", "cache-control", "etag", "last-modified"];

export class ToolGateway {
  constructor(
    private readonly tools: RunnerConfig["tools"],
    private readonly cp: ControlPlane,
    private readonly log: Logger,
  ) {}

  /** Why the call is refused, or null when it may go ahead. */
  refusal(who: ToolCaller, name: string): string | null {
    if (!who.allowed.includes(name))
      return `agent "${who.agent}" may not call tool "${name}" (not in its spec's tools)`;
    if (!Object.hasOwn(this.tools, name)) return `tool "${name}" is not configured on this runner`;
    return null;
  }

  async handle(
    who: ToolCaller,
    name: string,
    body: Uint8Array | undefined,
    contentType: string | undefined,
    res: ServerResponse,
  ): Promise<void> {
    const refused = this.refusal(who, name);
    if (refused) {
      this.log.warn({ task_id: who.taskId, tool: name }, "tool call denied");
      // Audited before the answer, so that a denied call is on record when the agent learns of it.
      const r = await this.cp.reportTool("tool.denied", who.taskId, { tool: name, agent: who.agent, reason: refused });
      if (r.kind !== "ok") this.log.error({ tool: name, err: r.message }, "could not audit a denied tool call");
      return send(res, 403, { error: { code: "forbidden", message: refused } });
    }
    const tool = this.tools[name] as ToolConfig;
    const t0 = performance.now();
    const called = (status: number, bytes: number, error?: string): void => {
      const details = {
        tool: name,
        agent: who.agent,
        status,
        duration_ms: Math.round(performance.now() - t0),
        bytes,
        ...(error ? { error } : {}),
      };
      void this.cp.reportTool("tool.called", who.taskId, details).then((r) => {
        if (r.kind !== "ok") this.log.error({ tool: name, err: r.message }, "could not audit a tool call");
      });
    };
    const headers: Record<string, string> = {
      ...(contentType ? { "content-type": contentType } : {}),
      ...tool.headers,
      "officeos-task-id": who.taskId,
    };
    let upstream: Response;
    try {
      upstream = await fetch(tool.url, {
        method: tool.method,
        headers,
        body: tool.method === "GET" || tool.method === "DELETE" ? undefined : body,
        signal: AbortSignal.timeout(tool.timeout_ms),
        redirect: "manual",
      });
    } catch (e) {
      send(res, 502, {
        error: {
          code: "tool_unreachable",
          message: `tool "${name}" at ${hostPort(tool.url)} did not answer: ${causeOf(e, tool.timeout_ms)}`,
        },
      });
      this.log.warn({ tool: name, upstream: hostPort(tool.url), err: causeOf(e, tool.timeout_ms) }, "tool unreachable");
      return called(502, 0, "tool_unreachable");
    }
    const bytes = new Uint8Array(await upstream.arrayBuffer());
    if (bytes.byteLength > tool.max_response_bytes) {
      send(res, 502, {
        error: {
          code: "tool_response_too_large",
          message: `tool "${name}" answered more than ${tool.max_response_bytes} bytes`,
        },
      });
      return called(502, bytes.byteLength, "tool_response_too_large");
    }
    const out: Record<string, string> = {};
    for (const h of PASS_BACK) {
      const v = upstream.headers.get(h);
      if (v !== null && h !== "content-length") out[h] = v;
    }
    out["content-length"] = String(bytes.byteLength);
    res.writeHead(upstream.status, out);
    res.end(bytes);
    called(upstream.status, bytes.byteLength);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
