// Issue #15, acceptance 5, under a real root runner:
//   - an agent that posts its result and keeps running, ignoring SIGTERM, is killed after the
//     grace period; its token is refused (401) from the moment the result is accepted; the
//     runner's slot frees only once the process is gone (a second task, max_concurrent 1,
//     starts only then);
//   - a runner SIGKILLed with a running task, restarted with the same config, removes the
//     cgroup its predecessor left (and kills what still ran in it) and its task dir.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startRunner, type RunnerProcess } from "../../scripts/lib/stack.mjs";
import { detectCgroups } from "../../agent-runner/src/cgroup.js";
import { finished, until, useStack } from "./helpers.js";

const root = process.getuid?.() === 0;
const setup = root ? await detectCgroups({ mode: "auto", root: "/sys/fs/cgroup", name: "officeos" }) : null;
const why = !root ? "not root" : setup?.mode === "rlimit" ? `no usable cgroup hierarchy: ${setup.reason}` : "";
if (why) console.warn(`lifetime e2e tests skipped: ${why}`);

const s = useStack("lifetime");
const TIMING = { lease_ttl_ms: 3000, heartbeat_interval_ms: 500, lease_wait_ms: 5_000, drain_timeout_ms: 5_000 };

afterEach(async () => {
  await Promise.all(s.runners.splice(0).map((r) => r.stop()));
});

// Waits for a go file, posts its result, calls the runtime API again at once and writes the
// status it got, then stays: SIGTERM ignored, stdin's end ignored (the hostile case).
const STUBBORN = String.raw`
import { existsSync, writeFileSync } from "node:fs";
process.on("SIGTERM", () => {});
process.stdin.on("data", () => {}); process.stdin.on("end", () => {}); process.stdin.resume();
const api = process.env.OFFICEOS_RUNTIME_API;
const token = (await import("node:fs")).readFileSync(process.env.OFFICEOS_TASK_TOKEN_FILE, "utf8").trim();
const call = (method, path, body) => fetch(api + path, { method, headers: { authorization: "Bearer " + token, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
const task = await (await call("GET", "/task")).json();
const { go, out } = task.input;
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 50));
const res = await call("POST", "/result", { result: { done: true } });
const after = await call("GET", "/task");
const again = await call("POST", "/progress", {});
writeFileSync(out, JSON.stringify({ result: res.status, after: after.status, again: again.status }), { mode: 0o666 });
setInterval(() => {}, 1000);
`;

/** Host pids whose real uid is `uid` and whose command line names `script`. */
function pidsOf(uid: number, script: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      if (!new RegExp(`^Uid:\\s+${uid}\\s`, "m").test(status)) continue;
      if (readFileSync(`/proc/${p}/cmdline`, "latin1").includes(script)) out.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return out;
}

function cgroupsNamed(prefix: string): string[] {
  if (!setup || setup.mode === "rlimit") return [];
  const parents = setup.mode === "cgroup-v2" ? [setup.parent] : [...new Set(Object.values(setup.parents))];
  return parents.flatMap((p) =>
    existsSync(p)
      ? readdirSync(p)
          .filter((n) => n.startsWith(prefix))
          .map((n) => join(p, n))
      : [],
  );
}

describe.skipIf(why !== "")("lifetime of an agent process", () => {
  it("an agent that reports and keeps running is killed after the grace; its token is refused at once; the slot frees only then", async () => {
    const script = join(s.dir, "stubborn-agent.mjs");
    writeFileSync(script, STUBBORN, { mode: 0o644 });
    const runner = startRunner({
      dir: s.dir,
      name: "life",
      url: s.cp.url,
      key: s.runnerKey,
      agents: { stubborn: { command: [process.execPath, script] } },
      extra: { ...TIMING, max_concurrent: 1, kill_grace_ms: 1500 },
    });
    s.runners.push(runner);
    await s.admin("PUT", "/v1/agents/stubborn", { retry: { max_attempts: 1 } });
    await runner.waitForLog((e: { msg?: string }) => e.msg === "runner ready");
    const go = join(s.dir, "life-go");
    const out = join(s.dir, "life-out.json");
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "stubborn",
      input: { go, out },
    });
    const started = (await runner.waitForLog(
      (e: { msg?: string; task_id?: string }) => e.msg === "task started" && e.task_id === task.id,
    )) as { uid: number };
    const pid = await until("the agent's host pid", () => pidsOf(started.uid, script)[0]);
    // A second task queued behind it: with one slot it may start only once the first tree is gone.
    const second = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "stubborn",
      input: { go, out: join(s.dir, "life-out-2.json") },
    });
    writeFileSync(go, "go");

    expect((await finished(s.submit, task.id)).state).toBe("succeeded");
    const seen = JSON.parse(await until("the agent's record", () => existsSync(out) && readFileSync(out, "utf8")));
    // Accepted, and from that moment the token opens nothing.
    expect(seen).toEqual({ result: 200, after: 401, again: 401 });

    // It ignores SIGTERM, so only the SIGKILL after the grace ends it.
    await until("the stubborn agent is gone", () => !existsSync(`/proc/${pid}`), 30_000);
    const term = runner.lines.find(
      (e: { msg?: string; task_id?: string }) => e.msg === "killing the agent's process tree" && e.task_id === task.id,
    );
    expect(term).toBeDefined();
    const freed = await runner.waitForLog(
      (e: { msg?: string; task_id?: string }) => e.msg === "slot freed" && e.task_id === task.id,
    );
    expect(freed.outcome).toBe("reported");
    // The second task started after the slot was freed, and by then the first agent was dead.
    const next = await runner.waitForLog(
      (e: { msg?: string; task_id?: string }) => e.msg === "task started" && e.task_id === second.task.id,
    );
    expect(runner.lines.indexOf(next)).toBeGreaterThan(runner.lines.indexOf(freed));
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect((await finished(s.submit, second.task.id)).state).toBe("succeeded");
  });

  it("a restarted runner removes the cgroups its SIGKILLed predecessor left, and what ran in them", async () => {
    const script = join(s.dir, "sleeper-agent.mjs");
    // Hostile: ignores SIGTERM and the end of stdin (which normally tells an agent its runner died).
    writeFileSync(
      script,
      `process.on("SIGTERM", () => {}); process.stdin.on("data", () => {}); process.stdin.on("end", () => {}); process.stdin.resume(); setInterval(() => {}, 1000);\n`,
      { mode: 0o644 },
    );
    const opts = {
      dir: s.dir,
      name: "phoenix",
      url: s.cp.url,
      key: s.runnerKey,
      agents: { sleeper: { command: [process.execPath, script] } },
      extra: { ...TIMING },
    };
    await s.admin("PUT", "/v1/agents/sleeper", {});
    const first: RunnerProcess = startRunner(opts);
    s.runners.push(first);
    await first.waitForLog((e: { msg?: string }) => e.msg === "runner ready");
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "sleeper", input: {} });
    const started = (await first.waitForLog(
      (e: { msg?: string; task_id?: string }) => e.msg === "task started" && e.task_id === task.id,
    )) as { uid: number; epoch: number };
    const pid = await until("the sleeper's host pid", () => pidsOf(started.uid, script)[0]);
    expect(existsSync(join(first.config.work_dir as string, `phoenix-${task.id}-${started.epoch}`))).toBe(true);
    const left = cgroupsNamed(`phoenix-${task.id}-`);
    expect(left.length).toBeGreaterThan(0);

    const exited = new Promise((r) => first.child.once("exit", r));
    first.child.kill("SIGKILL");
    await exited;
    const iso = (await first.waitForLog((e: { msg?: string }) => e.msg === "agent isolation")) as { level: string };
    if (iso.level === "bwrap")
      // bwrap's --die-with-parent (issue #16): the sandbox goes with its runner; its cgroup is left to sweep.
      await until("the sandboxed agent dies with its runner", () => !existsSync(`/proc/${pid}`), 30_000);
    // Otherwise the orphan lives on in its cgroup: nobody cleaned up.
    else expect(existsSync(`/proc/${pid}`)).toBe(true);
    expect(cgroupsNamed(`phoenix-${task.id}-`)).toEqual(left);

    const second = startRunner(opts);
    s.runners.push(second);
    const swept = await second.waitForLog((e: { msg?: string }) => e.msg === "compute limits through cgroups");
    expect(swept.stale_cgroups_removed).toBeGreaterThanOrEqual(1);
    expect(cgroupsNamed(`phoenix-${task.id}-${started.epoch}`)).toEqual([]);
    // Its task dir too (swept before the new runner registers).
    await second.waitForLog((e: { msg?: string }) => e.msg === "runner ready");
    expect(existsSync(join(first.config.work_dir as string, `phoenix-${task.id}-${started.epoch}`))).toBe(false);
    await until("the orphan is gone", () => !existsSync(`/proc/${pid}`), 30_000);
    await s.submit("POST", `/v1/tasks/${task.id}/cancel`);
  });
});
