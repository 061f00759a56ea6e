// Issue #16, acceptance 3: egress from a Node agent and a Python agent inside the bwrap sandbox.
// The test makes a network namespace of its own with a veth pair (not loopback): an allowed HTTP
// server on the host's end (10.231.x.1, listed as an IP literal) and a listener inside the other
// namespace (10.231.x.2, not listed). Through the runner's egress proxy (HTTP_PROXY/HTTPS_PROXY)
// the allowed host answers, by absolute URI and by CONNECT; the unlisted listener, a name that
// resolves to 127.0.0.1 (listed by name), and the metadata address are refused; a direct
// connection goes nowhere (no route). World-connectable and abstract Unix sockets are the sandbox
// test's (test/e2e/sandbox.test.ts). Every decision is in the audit log as egress.allowed/denied.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_PYTHON, missing } from "../../scripts/lib/prereqs.mjs";
import { ROOT, startRunner } from "../../scripts/lib/stack.mjs";
import { finished, until, useStack } from "./helpers.js";

const root = process.getuid?.() === 0;
const s = useStack("egress");
const R = 200 + (process.pid % 50);
const NS = `oos-eg${process.pid % 10000}`;
const HOST_IP = `10.231.${R}.1`;
const NS_IP = `10.231.${R}.2`;
const PORT = 18000 + (process.pid % 1000);
let server: Server | null = null;
let inNs: ChildProcess | null = null;
const ip = (...a: string[]) => execFileSync("ip", a, { stdio: "pipe" });

beforeAll(async () => {
  if (!root) return;
  ip("netns", "add", NS);
  ip("link", "add", `${NS}-h`, "type", "veth", "peer", "name", `${NS}-n`);
  ip("link", "set", `${NS}-n`, "netns", NS);
  ip("addr", "add", `${HOST_IP}/30`, "dev", `${NS}-h`);
  ip("link", "set", `${NS}-h`, "up");
  ip("netns", "exec", NS, "ip", "addr", "add", `${NS_IP}/30`, "dev", `${NS}-n`);
  ip("netns", "exec", NS, "ip", "link", "set", `${NS}-n`, "up");
  server = createServer((req, res) => res.end(`allowed ${req.method} ${req.url}`));
  await new Promise<void>((r) => server?.listen(PORT, HOST_IP, () => r()));
  inNs = spawn("ip", ["netns", "exec", NS, AGENT_PYTHON, "-m", "http.server", "--bind", NS_IP, String(PORT)], {
    stdio: "ignore",
  });
  // The namespaced listener is there (reachable from the host): what the agents cannot reach exists.
  await until("the listener in the test's namespace", async () => {
    const r = await fetch(`http://${NS_IP}:${PORT}/`).catch(() => null);
    return r?.status === 200;
  });
});
afterAll(async () => {
  inNs?.kill("SIGKILL");
  await new Promise((r) => (server ? server.close(() => r(null)) : r(null)));
  if (root) execFileSync("ip", ["netns", "del", NS], { stdio: "ignore" });
});

const NODE_AGENT = String.raw`
import { readFileSync } from "node:fs";
import { connect } from "node:net";
const { EnvHttpProxyAgent, fetch: ufetch } = await import(process.env.UNDICI_MODULE);
const api = process.env.OFFICEOS_RUNTIME_API;
const token = readFileSync(process.env.OFFICEOS_TASK_TOKEN_FILE, "utf8").trim();
const call = async (m, p, b) => (await fetch(api + p, { method: m, headers: { authorization: "Bearer " + token, "content-type": "application/json" }, body: b === undefined ? undefined : JSON.stringify(b) })).json();
const { input } = await call("GET", "/task");
const dispatcher = new EnvHttpProxyAgent();
const get = async (url) => { try { const r = await ufetch(url, { dispatcher }); return r.status + " " + (await r.text()).slice(0, 60); } catch (e) { return "error " + (e.cause?.message ?? e.message); } };
const tunnel = (target) => new Promise((resolve) => {
  const u = new URL(process.env.HTTPS_PROXY);
  const s = connect({ host: u.hostname, port: Number(u.port) });
  let buf = "";
  s.once("connect", () => s.write("CONNECT " + target + " HTTP/1.1\r\nhost: " + target + "\r\n\r\n"));
  s.on("data", (c) => { buf += c; if (buf.startsWith("HTTP/1.1 200") && !buf.includes("allowed")) s.write("GET /tunnel HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"); });
  s.once("close", () => resolve(buf.split("\r\n")[0] + (buf.includes("allowed GET /tunnel") ? " +body" : "")));
  s.once("error", (e) => resolve("error " + e.code));
  setTimeout(() => s.destroy(), 5000);
});
const direct = () => new Promise((resolve) => { const s = connect({ host: input.ns_ip, port: input.port }); s.once("connect", () => (s.destroy(), resolve("connected"))); s.once("error", (e) => resolve("error " + e.code)); setTimeout(() => (s.destroy(), resolve("timeout")), 3000); });
const out = {
  proxy: process.env.HTTPS_PROXY,
  allowed_http: await get("http://" + input.host_ip + ":" + input.port + "/plain"),
  allowed_connect: await tunnel(input.host_ip + ":" + input.port),
  ns_listener_connect: await tunnel(input.ns_ip + ":" + input.port),
  ns_listener_http: await get("http://" + input.ns_ip + ":" + input.port + "/"),
  ns_listener_direct: await direct(),
  loopback_name: await tunnel("localhost:" + input.port),
  metadata: await get("http://169.254.169.254/latest/meta-data/"),
};
await call("POST", "/result", { result: out });
`;

const PY_AGENT = String.raw`
import json, os, urllib.request, urllib.error
api = os.environ["OFFICEOS_RUNTIME_API"]
token = open(os.environ["OFFICEOS_TASK_TOKEN_FILE"]).read().strip()
direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def call(method, path, body=None):
    req = urllib.request.Request(api + path, method=method, data=None if body is None else json.dumps(body).encode(), headers={"authorization": "Bearer " + token, "content-type": "application/json"})
    return json.loads(direct.open(req).read())
inp = call("GET", "/task")["input"]
def get(url):
    try:
        r = urllib.request.urlopen(url, timeout=10)
        return "%d %s" % (r.status, r.read()[:60].decode())
    except urllib.error.HTTPError as e:
        return "%d" % e.code
    except Exception as e:
        return "error " + type(e).__name__
out = {
    "allowed_http": get("http://%s:%d/py" % (inp["host_ip"], inp["port"])),
    "ns_listener_http": get("http://%s:%d/" % (inp["ns_ip"], inp["port"])),
    "loopback_name": get("http://localhost:%d/" % inp["port"]),
    "metadata": get("http://169.254.169.254/latest/meta-data/"),
}
call("POST", "/result", {"result": out})
`;

describe.skipIf(!root)("egress through the runner's proxy, from inside the sandbox", () => {
  it("the allowed host answers; the namespaced listener, a name resolving to 127.0.0.1 and the metadata address do not; all audited", async () => {
    const node = join(s.dir, "egress-agent.mjs");
    const py = join(s.dir, "egress-agent.py");
    writeFileSync(node, NODE_AGENT, { mode: 0o644 });
    writeFileSync(py, PY_AGENT, { mode: 0o644 });
    const egress = [`${HOST_IP}:${PORT}`, `localhost:${PORT}`];
    for (const a of ["egress_node", "egress_py"])
      await s.admin("PUT", `/v1/agents/${a}`, { egress, isolation: "bwrap", retry: { max_attempts: 1 } });
    const runner = startRunner({
      dir: s.dir,
      name: "eg",
      url: s.cp.url,
      key: s.runnerKey,
      agents: {
        // The Node agent imports undici from the repository's node_modules (visible, read-only, in the sandbox).
        egress_node: {
          command: [process.execPath, node],
          env: { UNDICI_MODULE: join(ROOT, "node_modules/undici/index.js") },
        },
        egress_py: { command: [AGENT_PYTHON, py] },
      },
      extra: { heartbeat_interval_ms: 300, lease_ttl_ms: 3000 },
    });
    s.runners.push(runner);
    const iso = (await runner.waitForLog((e: { msg?: string }) => e.msg === "agent isolation")) as { level: string };
    if (missing("bwrap", iso.level === "bwrap" ? null : `the runner reports isolation level ${iso.level}`)) return;
    await runner.waitForLog((e: { msg?: string }) => e.msg === "runner ready");
    const input = { host_ip: HOST_IP, ns_ip: NS_IP, port: PORT };
    const ids: string[] = [];
    for (const agent of ["egress_node", "egress_py"])
      ids.push((await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent, input })).task.id);
    const [n, p] = await Promise.all(ids.map((id) => finished(s.submit, id, 90_000)));
    expect(n.state).toBe("succeeded");
    expect(p.state).toBe("succeeded");
    expect(n.result).toMatchObject({
      proxy: "http://127.0.0.1:3128",
      allowed_http: "200 allowed GET /plain",
      allowed_connect: "HTTP/1.1 200 Connection Established +body",
      ns_listener_connect: "HTTP/1.1 403 Forbidden",
      // undici tunnels http:// through CONNECT too, and reports a refused tunnel as a cancelled request
      // (the raw CONNECTs above and the audit below show the 403).
      ns_listener_http: expect.stringMatching(/^error /),
      loopback_name: "HTTP/1.1 403 Forbidden",
      metadata: expect.stringMatching(/^error /),
    });
    expect(n.result.ns_listener_direct).toMatch(/^error E(NETUNREACH|HOSTUNREACH|CONNREFUSED)/);
    expect(p.result).toEqual({
      allowed_http: "200 allowed GET /py",
      ns_listener_http: "403",
      loopback_name: "403",
      metadata: "403",
    });

    // Each decision, per task and host, in the audit log (batched with the heartbeats).
    type Ev = {
      type: string;
      subject?: string;
      details?: { entries: { host: string; codes?: Record<string, number> }[] };
    };
    const audited = async (type: string) =>
      (await s.admin<{ events: Ev[] }>("GET", `/v1/audit?type=${type}&limit=100`)).events;
    const hostsOf = (evs: Ev[], task: string) =>
      evs.filter((e) => e.subject === task).flatMap((e) => e.details?.entries.map((x) => x.host) ?? []);
    await until("the egress audit", async () => {
      const d = await audited("egress.denied");
      return ids.every((id) => hostsOf(d, id).includes("169.254.169.254")) ? d : undefined;
    });
    const denied = await audited("egress.denied");
    const allowed = await audited("egress.allowed");
    for (const id of ids) {
      expect(hostsOf(allowed, id)).toContain(HOST_IP);
      expect(hostsOf(denied, id)).toEqual(expect.arrayContaining([NS_IP, "localhost", "169.254.169.254"]));
    }
  });
});
