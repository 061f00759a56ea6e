// Issue #15, acceptance 3: two tasks side by side under a real root runner. Each agent (a
// real process) is told the other's host pid and task dir (the test reads them from the host
// and passes them in a go file), then tries everything it can: it searches every
// /proc/*/environ and /proc/*/cmdline it can read, the other's task dir and /tmp for the
// other's token; tries every token it found on the runtime API; signals the other
// (kill(pid, 0) and SIGTERM); and tries to ptrace it (PTRACE_ATTACH from python3 ctypes) and
// to read its /proc/<pid>/mem. Nothing may work; its own token it must find (the search
// itself works).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startRunner } from "../../scripts/lib/stack.mjs";
import { finished, until, useStack } from "./helpers.js";

const root = process.getuid?.() === 0;
if (!root) console.warn("sibling isolation e2e skipped: the runner must run as root to give each task its own uid");

const s = useStack("siblings");

const PTRACE = `
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
r = libc.ptrace(16, int(sys.argv[1]), None, None)  # PTRACE_ATTACH
print(r, ctypes.get_errno())
`;

const SNOOP = String.raw`
import { existsSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
const api = process.env.OFFICEOS_RUNTIME_API;
const mine = readFileSync(process.env.OFFICEOS_TASK_TOKEN_FILE, "utf8").trim();
const call = async (token, method, path, body) => {
  const r = await fetch(api + path, { method, headers: { authorization: "Bearer " + token, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json().catch(() => null) };
};
const task = (await call(mine, "GET", "/task")).body;
const { go, ptrace } = task.input;
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 50));
const peer = JSON.parse(readFileSync(go, "utf8"));
const tokens = new Map();
const look = (where, text) => { for (const m of text.matchAll(/[0-9a-f]{64}/g)) { const w = tokens.get(m[0]) ?? []; if (w.length < 5) w.push(where); tokens.set(m[0], w); } };
const readable = { procs: 0, files: 0 };
for (const pid of readdirSync("/proc").filter((p) => /^[0-9]+$/.test(p))) {
  for (const f of ["environ", "cmdline"]) {
    try { look("/proc/" + pid + "/" + f, readFileSync("/proc/" + pid + "/" + f, "latin1")); readable.procs++; } catch {}
  }
}
const walk = (dir, depth, budget) => {
  if (depth < 0 || budget.n <= 0) return;
  let names; try { names = readdirSync(dir); } catch { return; }
  for (const name of names) {
    if (budget.n-- <= 0) return;
    const p = join(dir, name);
    let st; try { st = statSync(p); } catch { continue; }
    if (st.isDirectory()) walk(p, depth - 1, budget);
    else if (st.isFile() && st.size < 1_000_000) { try { look(p, readFileSync(p, "latin1")); readable.files++; } catch {} }
  }
};
walk(peer.dir, 4, { n: 1000 });
walk(join(peer.dir, ".."), 2, { n: 1000 });
walk(process.env.HOME, 2, { n: 100 });
walk("/tmp", 3, { n: 4000 });
const errOf = (f) => { try { f(); return "ok"; } catch (e) { return e.code ?? String(e); } };
const tokenFile = errOf(() => readFileSync(join(peer.dir, ".officeos-task-token")));
const kill0 = errOf(() => process.kill(peer.pid, 0));
const term = errOf(() => process.kill(peer.pid, "SIGTERM"));
const mem = errOf(() => openSync("/proc/" + peer.pid + "/mem", "r"));
const environ = errOf(() => readFileSync("/proc/" + peer.pid + "/environ"));
const pt = spawnSync("/usr/bin/python3", ["-c", ptrace, String(peer.pid)], { encoding: "utf8" });
const [ptraceRet, ptraceErrno] = pt.stdout.trim().split(" ").map(Number);
// Acting as the other: every token found, tried on the runtime API.
const actAs = [];
for (const t of tokens.keys()) {
  if (t === mine) continue;
  const r = await call(t, "GET", "/task");
  actAs.push({ status: r.status, task_id: r.body?.task_id ?? null });
}
const found = [...tokens.entries()].map(([token, where]) => ({ token, where }));
await call(mine, "POST", "/result", { result: { uid: process.getuid(), found, mineSeen: tokens.has(mine), readable, tokenFile, kill0, term, mem, environ, ptraceRet, ptraceErrno, actAs } });
`;

/** Host pids whose real uid is `uid` and whose command line names `script`. */
function pidsOf(uid: number, script: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      if (!new RegExp(`^Uid:\\s+${uid}\\s`, "m").test(readFileSync(`/proc/${p}/status`, "utf8"))) continue;
      if (readFileSync(`/proc/${p}/cmdline`, "latin1").includes(script)) out.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return out;
}

describe.skipIf(!root)("two tasks side by side", () => {
  it("neither finds the other's token, acts as it, signals it or ptraces it", async () => {
    const script = join(s.dir, "sibling-agent.mjs");
    writeFileSync(script, SNOOP, { mode: 0o644 });
    await s.admin("PUT", "/v1/agents/sibling", { retry: { max_attempts: 1 } });
    const runner = startRunner({
      dir: s.dir,
      name: "sib",
      url: s.cp.url,
      key: s.runnerKey,
      agents: { sibling: { command: [process.execPath, script] } },
      extra: { max_concurrent: 2, lease_ttl_ms: 5000 },
    });
    s.runners.push(runner);
    await runner.waitForLog((e: { msg?: string }) => e.msg === "runner ready");

    const names = ["a", "b"] as const;
    const ids: Record<string, string> = {};
    for (const n of names) {
      const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
        agent: "sibling",
        input: { go: join(s.dir, `go-${n}`), ptrace: PTRACE },
      });
      ids[n] = task.id;
    }
    const info: Record<string, { pid: number; dir: string; uid: number; token: string }> = {};
    for (const n of names) {
      const started = (await runner.waitForLog(
        (e: { msg?: string; task_id?: string }) => e.msg === "task started" && e.task_id === ids[n],
      )) as { uid: number; epoch: number };
      const pid = await until(`agent ${n}'s host pid`, () => pidsOf(started.uid, script)[0]);
      const dir = join(runner.config.work_dir as string, `sib-${ids[n]}-${started.epoch}`);
      info[n] = { pid, dir, uid: started.uid, token: readFileSync(join(dir, ".officeos-task-token"), "utf8").trim() };
    }
    const a = info.a as (typeof info)[string];
    const b = info.b as (typeof info)[string];
    expect(a.uid).not.toBe(b.uid);
    writeFileSync(join(s.dir, "go-a"), JSON.stringify({ pid: b.pid, dir: b.dir }));
    writeFileSync(join(s.dir, "go-b"), JSON.stringify({ pid: a.pid, dir: a.dir }));

    for (const [me, other] of [
      ["a", b],
      ["b", a],
    ] as const) {
      const t = await finished(s.submit, ids[me] as string, 90_000);
      expect(t.state).toBe("succeeded");
      const r = t.result;
      expect(r.uid).toBe(info[me]?.uid);
      // The search works (its own token shows up, in its own /proc and task dir) and finds nothing of the other's.
      expect(r.mineSeen).toBe(true);
      expect(r.readable.procs).toBeGreaterThan(0);
      expect(r.found.filter((f: { token: string }) => f.token === other.token)).toEqual([]);
      expect(r.tokenFile).toMatch(/^(EACCES|ENOENT)$/);
      // No token it found opens another task on the runtime API.
      expect(r.actAs.filter((x: { status: number }) => x.status !== 401)).toEqual([]);
      // The other's pid is not even in its pid namespace (ESRCH), or not its to touch (EPERM).
      expect(r.kill0).toMatch(/^(EPERM|ESRCH)$/);
      expect(r.term).toMatch(/^(EPERM|ESRCH)$/);
      expect(r.mem).toMatch(/^(EACCES|ENOENT|EPERM)$/);
      expect(r.environ).toMatch(/^(EACCES|ENOENT|EPERM)$/);
      expect(r.ptraceRet).toBe(-1);
      // EPERM 1, ESRCH 3.
      expect([1, 3]).toContain(r.ptraceErrno);
    }
  });
});
