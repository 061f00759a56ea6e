// The runner's local runtime API: plain HTTP on loopback for agent processes,
// so an agent can be written in any language. Each task's process holds a
// token that is valid only here and only for its own task. The agent is the
// attacker: every request target is checked raw against the route table
// (runtime-routes.ts) before anything else, and a refusal is audited
// (runtime.denied, batched by runtime-denials.ts). See docs/runtime-api.md.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { chmod, rm } from "node:fs/promises";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from "node:net";
import { z } from "zod";
import type { AgentStateJson } from "../../src/api/schemas.js";
import { AgentStateBody } from "../../src/api/state-schema.js";
import type { Duplex } from "node:stream";
import type { RuntimeDenials } from "./runtime-denials.js";
import { checkSocketPath } from "./egress-proxy.js";
import { checkTarget, isThreadRoute, threadsUpstream } from "./runtime-routes.js";
import { readRaw, threadsLocalPath } from "./threads-proxy.js";
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
  private unix: NetServer | null = null;
  private unixPath: string | null = null;
  /** POST /llm/v1/chat/completions, /responses, /embeddings and GET /llm/v1/models go here (set by the runner). */
  llm: LlmGateway | null = null;
  /** POST /tools/{name} goes here (set by the runner). */
  tools: ToolGateway | null = null;
  /** Refused requests are audited here, batched (runtime.denied); set by the runner. */
  denials: RuntimeDenials | null = null;

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) send(res, 500, { error: { code: "internal", message: (e as Error).message } });
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 30_000;
    // CONNECT and Upgrade never reach the request handler: refuse them on the socket.
    this.server.on("connect", (req: IncomingMessage, socket: Duplex) =>
      this.refuseSocket(req, socket, 405, "bad_method", "CONNECT is not served here"),
    );
    this.server.on("upgrade", (req: IncomingMessage, socket: Duplex) =>
      this.refuseSocket(req, socket, 400, "bad_method", "protocol upgrades are not served here"),
    );
    // A request the HTTP parser cannot read (bad bytes in the request line, say).
    this.server.on("clientError", (err: Error & { code?: string }, socket: Duplex) => {
      const code = err.code ?? "";
      // A client that went away or timed out is not a refusal; only what the parser rejected is audited.
      if (
        !code.startsWith("HPE_") ||
        code === "HPE_REQUEST_TIMEOUT" ||
        code === "HPE_HEADERS_TIMEOUT" ||
        !socket.writable
      )
        return void socket.destroy();
      this.denials?.record(undefined, { method: "?", target: "?", status: 400, code: `unparseable:${code}` });
      socket.end(
        rawAnswer(400, "Bad Request", {
          error: {
            code: "bad_request",
            message: "the request could not be parsed",
            details: { reason: "unparseable" },
          },
        }),
      );
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

  /**
   * The same API on a Unix socket (0666 in the runner's 0700 state dir): the bwrap sandbox binds it
   * in, and an in-namespace forwarder serves it at 127.0.0.1:PORT to the agent (sandbox-bwrap.ts).
   */
  async listenUnix(path: string): Promise<void> {
    checkSocketPath(path);
    await rm(path, { force: true });
    const unix = createNetServer((socket) => this.server.emit("connection", socket));
    await new Promise<void>((resolve, reject) => {
      unix.once("error", reject);
      unix.listen(path, () => resolve());
    });
    await chmod(path, 0o666);
    this.unix = unix;
    this.unixPath = path;
  }

  register(token: string, handle: TaskHandle): void {
    this.tasks.set(token, handle);
  }

  unregister(token: string): void {
    this.tasks.delete(token);
  }

  async close(): Promise<void> {
    const unix = this.unix;
    if (unix) await new Promise<void>((resolve) => unix.close(() => resolve()));
    if (this.unixPath) await rm(this.unixPath, { force: true });
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.denials?.close();
  }

  private taskOf(req: IncomingMessage): TaskHandle | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    return m?.[1] ? this.tasks.get(m[1]) : undefined;
  }

  private deny(task: TaskHandle | undefined, method: string, target: string, status: number, code: string): void {
    this.denials?.record(task?.identity?.().taskId, { method, target, status, code });
  }

  private refuseSocket(req: IncomingMessage, socket: Duplex, status: 400 | 405, code: string, message: string): void {
    this.deny(this.taskOf(req), req.method ?? "?", req.url ?? "", status, code);
    socket.end(
      rawAnswer(status, status === 405 ? "Method Not Allowed" : "Bad Request", {
        error: { code: status === 405 ? "method_not_allowed" : "bad_request", message, details: { reason: code } },
      }),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "";
    // The target exactly as received: checked before anything decodes or routes it.
    const target = req.url ?? "";
    const task = this.taskOf(req);
    const checked = checkTarget(method, target);
    if (checked.kind === "refused") {
      this.deny(task, method, target, checked.status, checked.code);
      const code = checked.status === 404 ? "not_found" : checked.status === 405 ? "method_not_allowed" : "bad_request";
      return send(
        res,
        checked.status,
        { error: { code, message: checked.message, details: { reason: checked.code } } },
        checked.allow ? { allow: checked.allow } : {},
      );
    }
    if (!task) return send(res, 401, { error: { code: "unauthorized", message: "missing or unknown task token" } });
    task.touch();
    const route = checked.route;
    if (route.kind === "task") return send(res, 200, task.info());
    if (isThreadRoute(route)) {
      if (!task.threads)
        return send(res, 404, { error: { code: "not_found", message: "no thread store for this task" } });
      const raw = await readRaw(req);
      if (raw.kind === "error")
        return send(res, raw.status, { error: { code: "payload_too_large", message: raw.message } });
      // Rebuilt from the checked parts: the agent's string goes no further than checkTarget.
      return reply(res, await task.threads(threadsUpstream(route).method, threadsLocalPath(route), raw.body));
    }
    if (route.kind === "tool") {
      const who = task.toolCaller?.();
      if (!this.tools || !who)
        return send(res, 404, { error: { code: "not_found", message: "no tool gateway on this runner" } });
      const raw = await readRaw(req, MAX_BODY);
      if (raw.kind === "error")
        return send(res, raw.status, { error: { code: "payload_too_large", message: raw.message } });
      return this.tools.handle(who, route.name, raw.body, req.headers["content-type"], res);
    }
    const body = await readJson(req);
    if (body.kind === "error")
      return send(res, body.status, {
        error: { code: body.status === 413 ? "payload_too_large" : "bad_request", message: body.message },
      });
    switch (route.kind) {
      case "checkpoint": {
        const p = AgentStateBody.safeParse(body.value);
        if (!p.success)
          return send(res, 400, { error: { code: "bad_request", message: "invalid state", details: p.error.issues } });
        return reply(res, await task.checkpoint(p.data));
      }
      case "progress": {
        const p = ProgressBody.safeParse(body.value ?? {});
        if (!p.success)
          return send(res, 400, {
            error: { code: "bad_request", message: "invalid progress", details: p.error.issues },
          });
        return reply(res, task.progress(p.data.note));
      }
      case "result": {
        const p = ResultBody.safeParse(body.value ?? {});
        if (!p.success)
          return send(res, 400, { error: { code: "bad_request", message: "invalid result", details: p.error.issues } });
        return reply(res, await task.result(p.data.result ?? null));
      }
      case "llm_chat":
      case "llm_responses":
      case "llm_embeddings":
      case "llm_models": {
        const who = task.identity?.();
        if (!this.llm || !who)
          return send(res, 404, { error: { code: "not_found", message: "no LLM gateway on this runner" } });
        const gone = new AbortController();
        res.once("close", () => gone.abort());
        return this.llm.handle(who, body.value, res, gone.signal, route.kind);
      }
      case "error": {
        const p = ErrorBody.safeParse(body.value);
        if (!p.success)
          return send(res, 400, { error: { code: "bad_request", message: "invalid error", details: p.error.issues } });
        return reply(res, await task.error(p.data.error, p.data.retryable ?? true));
      }
      case "approval": {
        const p = ApprovalBody.safeParse(body.value);
        if (!p.success)
          return send(res, 400, {
            error: { code: "bad_request", message: "invalid approval request", details: p.error.issues },
          });
        return reply(res, await task.approval(p.data.gate, p.data.message, p.data.details));
      }
    }
  }
}

function reply(res: ServerResponse, r: RuntimeReply): void {
  send(res, r.status, r.body);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A whole HTTP/1.1 answer for a socket the server has handed over (CONNECT, Upgrade, a parse error); the connection closes. */
function rawAnswer(status: number, reason: string, body: unknown): string {
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`;
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
