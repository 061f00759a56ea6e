// The runner's local runtime API: plain HTTP on loopback for agent processes,
// so an agent can be written in any language. Each task's process holds a
// token that is valid only here and only for its own task.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import type { AgentStateJson } from "../../src/api/schemas.js";
import { AgentStateBody } from "../../src/api/state-schema.js";
import { isThreadsPath, readRaw } from "./threads-proxy.js";
import type { LlmGateway, LlmTask } from "./llm-gateway.js";
import type { ToolCaller, ToolGateway } from "./tools.js";

export interface RuntimeReply {
  status: number;
  body: unknown;
}

/** What the runtime API needs from a running task. */
export interface TaskHandle {
  info(): unknown;
  checkpoint(state: AgentStateJson): Promise<RuntimeReply>;
  progress(note: string | undefined): RuntimeReply;
  result(result: unknown): Promise<RuntimeReply>;
  error(error: { code: string; message: string }, retryable: boolean): Promise<RuntimeReply>;
  approval(gate: string, message: string | undefined, details: unknown): Promise<RuntimeReply>;
  /** Any call from the agent shows it is alive (stall detection). */
  touch(): void;
  /** LangGraph thread checkpoints, forwarded to the control plane for this task's lease. */
  threads?(method: string, pathAndQuery: string, body: Uint8Array | undefined): Promise<RuntimeReply>;
  /** The task and lease epoch, for the LLM gateway's quota reservations. */
  identity?(): LlmTask;
  /** The task, its agent and the tools its spec allows, for the tool gateway. */
  toolCaller?(): ToolCaller;
}

const MAX_BODY = 8 * 1024 * 1024;
const ResultBody = z.strictObject({ result: z.json().optional() });
const ErrorBody = z.strictObject({
  error: z.strictObject({ code: z.string().min(1).max(128), message: z.string().max(16_384) }),
  retryable: z.boolean().optional(),
});
const ProgressBody = z.strictObject({ note: z.string().max(1024).optional() });
const ApprovalBody = z.strictObject({
  gate: z.string().min(1).max(128),
  message: z.string().max(4096).optional(),
  details: z.json().optional(),
});

export class RuntimeApi {
  private readonly server: Server;
  private readonly tasks = new Map<string, TaskHandle>();
  /** POST /llm/v1/chat/completions goes here (set by the runner). */
  llm: LlmGateway | null = null;
  /** POST /tools/{name} goes here (set by the runner). */
  tools: ToolGateway | null = null;

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => send(res, 500, { error: { code: "internal", message: (e as Error).message } }));
    });
    this.server.keepAliveTimeout = 30_000;
  }

  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    return `http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
  }

  register(token: string, handle: TaskHandle): void {
    this.tasks.set(token, handle);
  }

  unregister(token: string): void {
    this.tasks.delete(token);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    const task = m?.[1] ? this.tasks.get(m[1]) : undefined;
    if (!task) return send(res, 401, { error: { code: "unauthorized", message: "missing or unknown task token" } });
    const route = `${req.method} ${(req.url ?? "/").split("?")[0]}`;
    task.touch();
    if (route === "GET /task") return send(res, 200, task.info());
    if (task.threads && isThreadsPath((req.url ?? "/").split("?")[0] ?? "/")) {
      const raw = await readRaw(req);
      if (raw.kind === "error") return send(res, raw.status, { error: { code: "payload_too_large", message: raw.message } });
      return reply(res, await task.threads(req.method ?? "GET", req.url ?? "/", raw.body));
    }
    const tool = /^POST \/tools\/([A-Za-z0-9][A-Za-z0-9._:-]{0,127})$/.exec(route);
    if (tool?.[1]) {
      const who = task.toolCaller?.();
      if (!this.tools || !who) return send(res, 404, { error: { code: "not_found", message: "no tool gateway on this runner" } });
      const raw = await readRaw(req, MAX_BODY);
      if (raw.kind === "error") return send(res, raw.status, { error: { code: "payload_too_large", message: raw.message } });
      return this.tools.handle(who, tool[1], raw.body, req.headers["content-type"], res);
    }
    const body = await readJson(req);
    if (body.kind === "error") return send(res, body.status, { error: { code: body.status === 413 ? "payload_too_large" : "bad_request", message: body.message } });
    switch (route) {
      case "PUT /checkpoint": {
        const p = AgentStateBody.safeParse(body.value);
        if (!p.success) return send(res, 400, { error: { code: "bad_request", message: "invalid state", details: p.error.issues } });
        return reply(res, await task.checkpoint(p.data));
      }
      case "POST /progress": {
        const p = ProgressBody.safeParse(body.value ?? {});
        if (!p.success) return send(res, 400, { error: { code: "bad_request", message: "invalid progress", details: p.error.issues } });
        return reply(res, task.progress(p.data.note));
      }
      case "POST /result": {
        const p = ResultBody.safeParse(body.value ?? {});
        if (!p.success) return send(res, 400, { error: { code: "bad_request", message: "invalid result", details: p.error.issues } });
        return reply(res, await task.result(p.data.result ?? null));
      }
      case "POST /llm/v1/chat/completions": {
        const who = task.identity?.();
        if (!this.llm || !who) return send(res, 404, { error: { code: "not_found", message: "no LLM gateway on this runner" } });
        const gone = new AbortController();
        res.once("close", () => gone.abort());
        return this.llm.handle(who, body.value, res, gone.signal);
      }
      case "POST /error": {
        const p = ErrorBody.safeParse(body.value);
        if (!p.success) return send(res, 400, { error: { code: "bad_request", message: "invalid error", details: p.error.issues } });
        return reply(res, await task.error(p.data.error, p.data.retryable ?? true));
      }
      case "POST /approval": {
        const p = ApprovalBody.safeParse(body.value);
        if (!p.success) return send(res, 400, { error: { code: "bad_request", message: "invalid approval request", details: p.error.issues } });
        return reply(res, await task.approval(p.data.gate, p.data.message, p.data.details));
      }
      default:
        return send(res, 404, { error: { code: "not_found", message: `no route ${route}` } });
    }
  }
}

function reply(res: ServerResponse, r: RuntimeReply): void {
  send(res, r.status, r.body);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

type JsonRead = { kind: "ok"; value: unknown } | { kind: "error"; status: number; message: string };

async function readJson(req: IncomingMessage): Promise<JsonRead> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return { kind: "error", status: 413, message: `body exceeds ${MAX_BODY} bytes` };
    chunks.push(chunk);
  }
  if (size === 0) return { kind: "ok", value: undefined };
  try {
    return { kind: "ok", value: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    return { kind: "error", status: 400, message: "body is not valid JSON" };
  }
}
