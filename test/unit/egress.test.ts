// The egress policy (agent-runner/src/egress-policy.ts, pure) and the per-task proxy
// (egress-proxy.ts) in process: CONNECT and absolute-URI requests against real listeners on
// 127.0.0.1, names resolved by an injected resolver (a name that resolves to loopback or to
// the metadata address), and every decision recorded.
import { once } from "node:events";
import { createServer, request } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classify, decide, matchRule, parseRule, parseRules } from "../../agent-runner/src/egress-policy.js";
import { EgressProxy, type EgressEvent } from "../../agent-runner/src/egress-proxy.js";
import { EgressAudit } from "../../agent-runner/src/egress-audit.js";

describe("egress policy (pure)", () => {
  it("parses host:port, *.suffix:port and IP literals; refuses the rest", () => {
    expect(parseRule("API.GitHub.com:443")).toEqual({
      kind: "ok",
      rule: { host: "api.github.com", port: 443, ip: false },
    });
    expect(parseRule("[::ffff:10.0.0.7]:5432")).toEqual({
      kind: "ok",
      rule: { host: "10.0.0.7", port: 5432, ip: true },
    });
    for (const bad of ["github.com", "a b:1", "x:0", "x:70000", "*:443", "http://x:1"])
      expect(parseRule(bad).kind).toBe("error");
  });

  it("matches names exactly or under a suffix; an IP only by its literal", () => {
    const rules = parseRules(["api.github.com:443", "*.internal.example:443", "10.0.0.7:5432"]);
    expect(matchRule(rules, "api.github.com", 443)).not.toBeNull();
    expect(matchRule(rules, "api.github.com", 80)).toBeNull();
    expect(matchRule(rules, "a.b.internal.example", 443)).not.toBeNull();
    expect(matchRule(rules, "internal.example", 443)).toBeNull();
    expect(matchRule(rules, "evilinternal.example", 443)).toBeNull();
    expect(matchRule(rules, "10.0.0.7", 5432)).not.toBeNull();
    expect(matchRule(rules, "::ffff:10.0.0.7", 5432)).not.toBeNull();
  });

  it("classifies addresses: loopback, link-local (metadata), private, public", () => {
    expect(classify("127.0.0.53")).toBe("loopback");
    expect(classify("::1")).toBe("loopback");
    expect(classify("169.254.169.254")).toBe("link_local");
    expect(classify("::ffff:169.254.169.254")).toBe("link_local");
    expect(classify("fe80::1")).toBe("link_local");
    for (const p of ["10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "fd00::1"])
      expect(classify(p)).toBe("private");
    expect(classify("0.0.0.0")).toBe("unspecified");
    expect(classify("172.32.0.1")).toBe("public");
    expect(classify("140.82.112.6")).toBe("public");
  });

  it("a name is used only at a public address it resolved to; an internal one needs its IP literal", () => {
    const rules = parseRules(["api.github.com:443", "localhost:8080", "10.0.0.7:5432"]);
    expect(decide(rules, "api.github.com", 443, ["140.82.112.6"])).toEqual({ kind: "allow", address: "140.82.112.6" });
    expect(decide(rules, "localhost", 8080, ["127.0.0.1", "::1"])).toMatchObject({
      kind: "deny",
      code: "resolves_internal",
    });
    // DNS rebinding: the allowed name now resolves to the metadata address.
    expect(decide(rules, "api.github.com", 443, ["169.254.169.254"])).toMatchObject({ code: "resolves_internal" });
    expect(decide(rules, "10.0.0.7", 5432, ["10.0.0.7"])).toEqual({ kind: "allow", address: "10.0.0.7" });
    expect(decide(rules, "169.254.169.254", 80, ["169.254.169.254"])).toMatchObject({ code: "not_allowed" });
    expect(decide(rules, "api.github.com", 443, [])).toMatchObject({ code: "unresolvable" });
  });
});

describe("egress proxy (in process)", () => {
  const dir = mkdtempSync(join(tmpdir(), "officeos-egress-"));
  const sock = join(dir, "egress.sock");
  const events: EgressEvent[] = [];
  let port = 0;
  let proxy: EgressProxy;
  const upstream = createServer((req, res) => res.end(`hello ${req.headers.host} ${req.url}`));
  const names: Record<string, string[]> = { "allowed.test": ["127.0.0.1"], "metadata.test": ["169.254.169.254"] };

  beforeAll(async () => {
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    port = (upstream.address() as AddressInfo).port;
    proxy = new EgressProxy({
      rules: parseRules([`127.0.0.1:${port}`, `localhost:${port}`, `metadata.test:80`, `allowed.test:${port}`]),
      record: (e) => events.push(e),
      resolve: async (h) => names[h] ?? (h === "localhost" ? ["127.0.0.1"] : []),
    });
    await proxy.listen(sock, null);
  });
  afterAll(async () => {
    await proxy.close();
    upstream.close();
  });

  /** CONNECT through the proxy's Unix socket: the status line it answers. */
  async function tunnel(target: string): Promise<{ status: string; socket: import("node:net").Socket }> {
    const s = connect({ path: sock });
    await once(s, "connect");
    s.write(`CONNECT ${target} HTTP/1.1\r\nhost: ${target}\r\n\r\n`);
    const [chunk] = (await once(s, "data")) as [Buffer];
    return { status: chunk.toString().split("\r\n")[0] ?? "", socket: s };
  }

  it("tunnels to an allowed IP literal, counts the bytes, and records it", async () => {
    const { status, socket } = await tunnel(`127.0.0.1:${port}`);
    expect(status).toBe("HTTP/1.1 200 Connection Established");
    socket.write("GET /x HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n");
    let body = "";
    socket.on("data", (c: Buffer) => (body += c.toString()));
    await once(socket, "close");
    expect(body).toContain("hello a /x");
    const e = await waitFor(() => events.find((x) => x.allowed && x.host === "127.0.0.1"));
    expect(e.bytesDown).toBeGreaterThan(0);
    expect(e.bytesUp).toBeGreaterThan(0);
  });

  it("refuses a name that resolves to loopback or to the metadata address, and a host not listed", async () => {
    for (const [target, code] of [
      [`localhost:${port}`, "resolves_internal"],
      [`allowed.test:${port}`, "resolves_internal"],
      ["metadata.test:80", "resolves_internal"],
      ["169.254.169.254:80", "not_allowed"],
      [`127.0.0.1:${port + 1}`, "not_allowed"],
    ] as const) {
      const { status, socket } = await tunnel(target);
      socket.destroy();
      expect({ target, status }).toEqual({ target, status: "HTTP/1.1 403 Forbidden" });
      const host = target.slice(0, target.lastIndexOf(":"));
      expect(events.find((x) => !x.allowed && x.host === host)?.code).toBe(code);
    }
  });

  it("forwards a plain-HTTP absolute URI to an allowed host and refuses one that is not", async () => {
    const get = (url: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const r = request({ socketPath: sock, path: url, headers: { host: new URL(url).host } }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        r.once("error", reject);
        r.end();
      });
    const ok = await get(`http://127.0.0.1:${port}/plain?q=1`);
    expect(ok).toEqual({ status: 200, body: `hello 127.0.0.1:${port} /plain?q=1` });
    expect((await get("http://169.254.169.254/latest/meta-data/")).status).toBe(403);
    expect((await get(`http://localhost:${port}/`)).status).toBe(403);
  });

  it("the audit sends one event per task and kind per flush, counted per host:port", async () => {
    const sent: { type: string; task: string; details: unknown }[] = [];
    const audit = new EgressAudit(
      async (type, task, details) => (sent.push({ type, task, details }), { kind: "ok" }),
      60_000,
    );
    for (let i = 0; i < 100; i++)
      audit.record("t1", { host: "a.test", port: 443, allowed: false, code: "not_allowed", bytesUp: 0, bytesDown: 0 });
    audit.record("t1", { host: "ok.test", port: 443, allowed: true, bytesUp: 10, bytesDown: 20 });
    await audit.flush();
    expect(sent).toEqual([
      {
        type: "egress.allowed",
        task: "t1",
        details: { entries: [{ host: "ok.test", port: 443, count: 1, bytes_up: 10, bytes_down: 20 }] },
      },
      {
        type: "egress.denied",
        task: "t1",
        details: {
          entries: [{ host: "a.test", port: 443, count: 100, bytes_up: 0, bytes_down: 0, codes: { not_allowed: 100 } }],
        },
      },
    ]);
  });
});

async function waitFor<T>(f: () => T | undefined): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
