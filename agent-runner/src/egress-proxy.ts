// One task's way out: an HTTP proxy on a Unix socket of its own (bound into its sandbox and
// served there at 127.0.0.1:EGRESS_PORT by the forwarder, with HTTP_PROXY/HTTPS_PROXY pointing
// at it). The socket a connection came in on says which task it is, so no credential rides in
// the proxy URL. CONNECT host:port tunnels (HTTPS), and absolute-URI requests (plain HTTP) are
// forwarded; each is checked against the task's egress list (egress-policy.ts) on the name it
// names, resolved here, and connected to the very address resolved (no DNS rebinding). Every
// decision goes to the audit (egress-audit.ts, batched), never one control-plane call each.
//
// Brokered secrets later: `inject` may add headers to a plain-HTTP request for an allowed host;
// for HTTPS it would need the proxy to terminate TLS with a per-task CA, which this does not do.
import { lookup } from "node:dns/promises";
import { chmod, chown, rm } from "node:fs/promises";
import { createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type Server } from "node:http";
import { connect, isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { decide, type EgressDecision, type EgressRule } from "./egress-policy.js";

export interface EgressEvent {
  host: string;
  port: number;
  allowed: boolean;
  code?: string;
  bytesUp: number;
  bytesDown: number;
}

export type Resolve = (host: string) => Promise<string[]>;

export const systemResolve: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true }).catch(() => [])).map((a) => a.address);

export interface EgressProxyOptions {
  rules: readonly EgressRule[];
  record: (e: EgressEvent) => void;
  resolve?: Resolve | undefined;
  /** Headers to add to a plain-HTTP request to an allowed host (brokered secrets); none by default. */
  inject?: ((host: string, port: number) => OutgoingHttpHeaders) | undefined;
}

const HOP = new Set([
  "proxy-authorization",
  "proxy-connection",
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "upgrade",
]);

export class EgressProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Duplex>();
  private path: string | null = null;

  constructor(private readonly o: EgressProxyOptions) {
    this.server = createServer((req, res) => void this.forward(req, res));
    this.server.on(
      "connect",
      (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.tunnel(req, socket, head),
    );
    this.server.on("connection", (s: Socket) => (this.sockets.add(s), s.once("close", () => this.sockets.delete(s))));
  }

  /** Listens on `path`, 0600 and the agent's (`owner`) when the runner is root, else the runner's own. */
  async listen(path: string, owner: { uid: number; gid: number } | null): Promise<void> {
    checkSocketPath(path);
    await rm(path, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(path, () => resolve());
    });
    if (owner) await chown(path, owner.uid, owner.gid);
    await chmod(path, 0o600);
    this.path = path;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.path) await rm(this.path, { force: true });
  }

  private async check(host: string, port: number): Promise<EgressDecision> {
    const bare = host.replace(/^\[|\]$/g, "");
    const addrs = isIP(bare) ? [bare] : await (this.o.resolve ?? systemResolve)(bare);
    return decide(this.o.rules, bare, port, addrs);
  }

  private async tunnel(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d{1,5})$/.exec(req.url ?? "");
    if (!m) return void socket.end("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
    const host = (m[1] as string).toLowerCase();
    const port = Number(m[2]);
    const d = await this.check(host, port);
    if (d.kind === "deny") {
      this.o.record({ host, port, allowed: false, code: d.code, bytesUp: 0, bytesDown: 0 });
      return void socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\n${d.message}\n`);
    }
    const up = connect({ host: d.address, port });
    let bytesUp = head.length;
    let bytesDown = 0;
    up.once("connect", () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) up.write(head);
      socket.on("data", (c: Buffer) => (bytesUp += c.length));
      up.on("data", (c: Buffer) => (bytesDown += c.length));
      socket.pipe(up).pipe(socket);
    });
    let done = false;
    const end = (code?: string) => {
      if (done) return;
      done = true;
      this.o.record({ host, port, allowed: true, ...(code ? { code } : {}), bytesUp, bytesDown });
      socket.destroy();
      up.destroy();
    };
    up.once("error", (e: NodeJS.ErrnoException) => {
      if (!socket.destroyed && bytesDown === 0) socket.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
      end(e.code ?? "connect_failed");
    });
    up.once("close", () => end());
    socket.once("error", () => end());
    socket.once("close", () => end());
  }

  private async forward(req: IncomingMessage, res: import("node:http").ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      res.writeHead(400, { "content-type": "text/plain" }).end("a proxy request needs an absolute http:// URI\n");
      return;
    }
    if (url.protocol !== "http:") {
      res.writeHead(400, { "content-type": "text/plain" }).end("only http:// is forwarded; use CONNECT for https\n");
      return;
    }
    const host = url.hostname.toLowerCase();
    const port = Number(url.port || 80);
    const d = await this.check(host, port);
    if (d.kind === "deny") {
      this.o.record({ host, port, allowed: false, code: d.code, bytesUp: 0, bytesDown: 0 });
      res.writeHead(403, { "content-type": "text/plain" }).end(`${d.message}\n`);
      return;
    }
    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && v !== undefined) headers[k] = v;
    headers.host = url.host;
    Object.assign(headers, this.o.inject?.(host, port) ?? {});
    let bytesUp = 0;
    let bytesDown = 0;
    const out = request(
      { host: d.address, port, method: req.method, path: `${url.pathname}${url.search}`, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.on("data", (c: Buffer) => (bytesDown += c.length));
        up.pipe(res);
        up.once("end", () => this.o.record({ host, port, allowed: true, bytesUp, bytesDown }));
      },
    );
    out.once("error", (e: NodeJS.ErrnoException) => {
      this.o.record({ host, port, allowed: true, code: e.code ?? "connect_failed", bytesUp, bytesDown });
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end();
    });
    req.on("data", (c: Buffer) => (bytesUp += c.length));
    req.pipe(out);
  }
}

/** sun_path holds 108 bytes with its NUL: a longer path fails obscurely (EINVAL), so say which and why. */
export function checkSocketPath(path: string): void {
  if (Buffer.byteLength(path) > 107)
    throw new Error(
      `Unix socket path too long (${Buffer.byteLength(path)} > 107 bytes): ${path}; use a shorter work_dir`,
    );
}
