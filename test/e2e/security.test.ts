// Issue #7, acceptance 3: a real runner (as root) runs a real agent process,
// which goes looking for secrets: its environment and arguments, the files it
// can reach (its work dir, /tmp, the runner's directories), and /proc of every
// process it can read (environ, cmdline). It must find neither the tool's
// credential, nor the runner's key, nor the LLM key. Its allowed tool call
// reaches a local tool server with the credential the runner injected; its
// denied tool call is refused (403) and shows up in the tenant's audit log.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRunner } from "../../scripts/lib/stack.mjs";
import { finished, until, useStack } from "./helpers.js";

const s = useStack("security");

const TOOL_SECRET = `tool-secret-${Math.random().toString(36).slice(2)}${Date.now()}`;
const LLM_SECRET = `sk-llm-secret-${Math.random().toString(36).slice(2)}${Date.now()}`;

// The snooping agent, plain Node with no imports from this repo. The needles come in its
// task input (held only in its memory), so it can say what it found without the test
// trusting a dump of everything it read.
const SNOOP = String.raw`
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
const api = process.env.OFFICEOS_RUNTIME_API, token = process.env.OFFICEOS_TASK_TOKEN;
const call = async (method, path, body) => {
  const r = await fetch(api + path, { method, headers: { authorization: "Bearer " + token, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, text: await r.text() };
};
const task = JSON.parse((await call("GET", "/task")).text);
const needles = task.input.needles;
const found = [];
const readable = { files: 0, procs: 0 };
const look = (where, text) => { for (const n of needles) if (text.includes(n.value)) found.push({ secret: n.name, where }); };
look("env", JSON.stringify(process.env));
look("argv", JSON.stringify(process.argv));
const walk = (dir, depth, budget) => {
  if (depth < 0 || budget.n <= 0) return;
  let names; try { names = readdirSync(dir); } catch { return; }
  for (const name of names) {
    if (budget.n-- <= 0) return;
    const p = join(dir, name);
    let st; try { st = statSync(p); } catch { continue; }
    if (st.isDirectory()) walk(p, depth - 1, budget);
    else if (st.isFile() && st.size < 2_000_000) { try { look(p, readFileSync(p, "latin1")); readable.files++; } catch {} }
  }
};
for (const d of [process.cwd(), process.env.HOME, ...task.input.dirs]) walk(d, 6, { n: 5000 });
walk("/tmp", 3, { n: 5000 });
for (const pid of readdirSync("/proc").filter((p) => /^[0-9]+$/.test(p))) {
  for (const f of ["environ", "cmdline"]) {
    try { look("/proc/" + pid + "/" + f, readFileSync("/proc/" + pid + "/" + f, "latin1")); readable.procs++; } catch {}
  }
}
const allowed = await call("POST", "/tools/search", { q: "cats" });
const denied = await call("POST", "/tools/shell", { cmd: "cat /etc/shadow" });
const unconfigured = await call("POST", "/tools/mail", { to: "x" });
await call("POST", "/result", { result: { uid: process.getuid(), gid: process.getgid(), found, readable, allowed, denied, unconfigured } });
`;

let tool: Server;
let toolUrl = "";
const toolCalls: { auth: string | undefined; taskId: string | undefined; body: string }[] = [];

beforeAll(async () => {
  tool = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      toolCalls.push({
        auth: req.headers.authorization,
        taskId: req.headers["officeos-task-id"] as string | undefined,
        body,
      });
      const okAuth = req.headers.authorization === `Bearer ${TOOL_SECRET}`;
      res.writeHead(okAuth ? 200 : 401, { "content-type": "application/json" });
      res.end(JSON.stringify(okAuth ? { results: ["a cat"] } : { error: "bad credential" }));
    });
  });
  await new Promise<void>((r) => tool.listen(0, "127.0.0.1", () => r()));
  toolUrl = `http://127.0.0.1:${(tool.address() as AddressInfo).port}/search`;
});

afterAll(async () => {
  await new Promise((r) => tool.close(r));
});

describe("an agent cannot find the runner's secrets", () => {
  it("finds nothing in env, files or /proc; its allowed tool call gets the injected credential; its denied one is audited", async () => {
    // The runner's own files: config (0600) in a directory only root may enter.
    const home = mkdtempSync(join(tmpdir(), "officeos-sec-runner-"));
    chmodSync(home, 0o700);
    // The agents' work root: enterable (not listable) by the agent user.
    const work = mkdtempSync(join(tmpdir(), "officeos-sec-work-"));
    chmodSync(work, 0o711);
    const agentDir = mkdtempSync(join(tmpdir(), "officeos-sec-agent-"));
    chmodSync(agentDir, 0o755);
    const script = join(agentDir, "snoop-agent.mjs");
    writeFileSync(script, SNOOP, { mode: 0o644 });
    mkdirSync(join(home, "cache"), { recursive: true });
    writeFileSync(join(home, "cache", "llm.txt"), LLM_SECRET, { mode: 0o644 }); // a stray copy the agent must not reach either

    await s.admin("PUT", "/v1/agents/snoop", { tools: ["search"] });
    const runner = startRunner({
      dir: home,
      name: "sec",
      url: s.cp.url,
      key: s.runnerKey,
      agents: { snoop: { command: [process.execPath, script] } },
      // Secrets in the environment too: the runner's /proc/<pid>/environ holds them.
      env: { OFFICEOS_RUNNER_KEY: s.runnerKey, OFFICEOS_LLM_API_KEY: LLM_SECRET },
      extra: {
        work_dir: work,
        llm: { base_url: "http://127.0.0.1:9/v1" },
        tools: {
          search: { url: toolUrl, headers: { authorization: `Bearer ${TOOL_SECRET}` } },
          shell: { url: toolUrl, headers: { authorization: `Bearer ${TOOL_SECRET}` } },
        },
      },
    });
    s.runners.push(runner);
    chmodSync(join(home, "sec.json"), 0o600);
    await runner.waitForLog((e: { msg?: string }) => e.msg === "runner ready");

    const needles = [
      { name: "tool credential", value: TOOL_SECRET },
      { name: "LLM key", value: LLM_SECRET },
      { name: "runner key", value: s.runnerKey },
      { name: "runner key secret", value: s.runnerKey.split(".")[3] as string },
    ];
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "snoop",
      input: { needles, dirs: [home, work, agentDir, join(home, "cache")] },
    });
    const done = await finished(s.submit, task.id, 90_000);
    expect(done.state).toBe("succeeded");
    const r = done.result;

    expect(r.uid).not.toBe(0);
    expect(r.gid).not.toBe(0);
    expect(r.found).toEqual([]);
    // It did look: files and other processes' /proc entries were readable to it.
    expect(r.readable.files).toBeGreaterThan(0);
    expect(r.readable.procs).toBeGreaterThan(0);

    // The allowed tool: reached the tool server with the injected credential, for this task.
    expect(r.allowed.status).toBe(200);
    expect(JSON.parse(r.allowed.text)).toEqual({ results: ["a cat"] });
    expect(toolCalls).toHaveLength(1);
    expect(toolCalls[0]).toMatchObject({
      auth: `Bearer ${TOOL_SECRET}`,
      taskId: task.id,
      body: JSON.stringify({ q: "cats" }),
    });
    expect(r.allowed.text).not.toContain(TOOL_SECRET);

    // Configured on the runner but not in the agent's spec; in the spec of nobody and not configured: both refused and audited.
    expect(r.denied.status).toBe(403);
    expect(r.unconfigured.status).toBe(403);
    const audit = await s.admin<{
      events: { type: string; subject?: string; details?: { tool?: string; agent?: string } }[];
    }>("GET", "/v1/audit?type=tool.denied");
    const denials = audit.events
      .filter((e) => e.subject === task.id)
      .map((e) => e.details?.tool)
      .sort();
    expect(denials).toEqual(["mail", "shell"]);
    expect(JSON.stringify(audit)).not.toContain(TOOL_SECRET);
    // The allowed call is on record too: tool, status and size, never its arguments or answer.
    const calls = await until(
      "the tool call's audit entry",
      async () => {
        const page = await s.admin<{ events: { subject?: string; details?: Record<string, unknown> }[] }>(
          "GET",
          "/v1/audit?type=tool.called",
        );
        const mine = page.events.filter((e) => e.subject === task.id);
        return mine.length > 0 && mine;
      },
      10_000,
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]?.details).toMatchObject({
      tool: "search",
      agent: expect.any(String),
      status: 200,
      bytes: JSON.stringify({ results: ["a cat"] }).length,
    });
    expect(JSON.stringify(calls)).not.toContain("cats");
    expect(JSON.stringify(calls)).not.toContain(TOOL_SECRET);

    // The task's work dir is gone.
    await runner.stop();
    s.runners.splice(s.runners.indexOf(runner), 1);
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(work)).toEqual([]);
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
    rmSync(agentDir, { recursive: true, force: true });
  });
});
