// Issue #18, acceptance 3, with a real runner and a real agent: an agent that writes to stdout and
// stderr, prints its own task token and exits 1. Its lines come back through GET /v1/tasks/{id}/logs
// and through the built CLI (`officeos logs`) with their streams and attempts, the token is
// scrubbed (the raw token appears nowhere: not in /logs, not in the CLI's output, not in the task's
// error, not in the runner's own log), and the failed attempt's error has details.stderr_tail.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, startRunner } from "../../scripts/lib/stack.mjs";
import { finished, until, useStack } from "./helpers.js";

const CLI = join(ROOT, "cli/dist/officeos.mjs");
const s = useStack("logs");

afterAll(async () => {
  await Promise.all(s.runners.splice(0).map((r) => r.stop()));
});

// Prints to both streams (its token among them), keeps its token where the test can read it, exits 1. Its
// error is one a retry may cure (not a missing module: src/task/deterministic.ts would end the retries).
const LOUD = String.raw`
import { readFileSync, writeFileSync } from "node:fs";
const token = readFileSync(process.env.OFFICEOS_TASK_TOKEN_FILE, "utf8").trim();
const task = await (await fetch(process.env.OFFICEOS_RUNTIME_API + "/task", { headers: { authorization: "Bearer " + token } })).json();
writeFileSync(task.input.dir + "/token-" + task.attempt, token, { mode: 0o666 });
console.log("hello from stdout, attempt " + task.attempt);
console.log("my token is " + token);
console.error("Error: the CRM answered 502");
console.error("    at attempt " + task.attempt + " token=" + token);
process.exitCode = 1;
`;

// Prints a line, waits for the test's go file, prints another and succeeds.
const PATIENT = String.raw`
import { existsSync, readFileSync } from "node:fs";
const token = readFileSync(process.env.OFFICEOS_TASK_TOKEN_FILE, "utf8").trim();
const call = (method, path, body) => fetch(process.env.OFFICEOS_RUNTIME_API + path, { method, headers: { authorization: "Bearer " + token, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
const task = await (await call("GET", "/task")).json();
console.log("waiting for " + task.input.go);
while (!existsSync(task.input.go)) { await new Promise((r) => setTimeout(r, 50)); await call("POST", "/progress", {}); }
console.error("go seen");
await call("POST", "/result", { result: { ok: true } });
`;

interface Line {
  seq: number;
  at: string;
  attempt: number;
  stream: "stdout" | "stderr";
  text: string;
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OFFICEOS_")));
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      ...base,
      HOME: s.dir,
      OFFICEOS_CONFIG: join(s.dir, "cli.json"),
      OFFICEOS_URL: s.cp.url,
      OFFICEOS_KEY: s.adminKey,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("an agent's own output", () => {
  it("comes back through /logs and officeos logs with streams and attempts, its token scrubbed, the stderr tail in the error", async () => {
    const script = join(s.dir, "loud-agent.mjs");
    writeFileSync(script, LOUD, { mode: 0o644 });
    const runner = startRunner({
      dir: s.dir,
      name: "loud",
      url: s.cp.url,
      key: s.runnerKey,
      agents: { loud: { command: [process.execPath, script] } },
      extra: { lease_ttl_ms: 5000, heartbeat_interval_ms: 500, lease_wait_ms: 2000, drain_timeout_ms: 3000 },
    });
    s.runners.push(runner);
    await s.admin("PUT", "/v1/agents/loud", {
      retry: { max_attempts: 2, on_exhausted: "fail", backoff: { initial_ms: 0, max_ms: 0, jitter: 0 } },
    });
    await runner.waitForLog((e: { msg?: string }) => e.msg === "runner ready");
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "loud",
      input: { dir: s.dir },
    });
    const done = await finished(s.submit, task.id, 120_000);
    expect(done.state).toBe("failed");
    expect(done.attempts).toBe(2);
    const tokens = [1, 2].map((a) => readFileSync(join(s.dir, `token-${a}`), "utf8").trim());
    expect(tokens.every((t) => t.length >= 32)).toBe(true);
    expect(existsSync(join(s.dir, "token-3"))).toBe(false);

    // The failed attempt's error carries its last stderr lines, scrubbed.
    expect(done.error.code).toBe("agent_exited");
    const tail: string = done.error.details.stderr_tail;
    expect(tail).toBe("Error: the CRM answered 502\n    at attempt 2 token=[redacted]");

    // GET /logs: both attempts, both streams, in order, nothing more to follow.
    const page = await s.submit<{ lines: Line[]; next: number | null }>("GET", `/v1/tasks/${task.id}/logs`);
    // Within a stream the order is the agent's; stdout and stderr are separate pipes, so not across them.
    for (const a of [1, 2]) {
      const of = (stream: string) =>
        page.lines.filter((l) => l.attempt === a && l.stream === stream).map((l) => l.text);
      expect(of("stdout")).toEqual([`hello from stdout, attempt ${a}`, "my token is [redacted]"]);
      expect(of("stderr")).toEqual(["Error: the CRM answered 502", `    at attempt ${a} token=[redacted]`]);
    }
    expect(page.lines).toHaveLength(8);
    expect(page.lines.map((l) => l.seq)).toEqual([...page.lines.map((l) => l.seq)].sort((x, y) => x - y));
    expect(page.next).toBeNull();
    const only2 = await s.submit<{ lines: Line[] }>("GET", `/v1/tasks/${task.id}/logs?attempt=2`);
    expect(only2.lines.map((l) => l.attempt)).toEqual([2, 2, 2, 2]);

    // The CLI: stdout lines as written, stderr lines prefixed, an attempt header per attempt; -f ends with the task.
    const out = await cli(["logs", task.id]);
    expect(out.code).toBe(0);
    const printed = out.stdout.trimEnd().split("\n");
    expect(printed).toContain("--- attempt 1 ---");
    expect(printed).toContain("--- attempt 2 ---");
    expect(printed).toContain("hello from stdout, attempt 2");
    expect(printed).toContain("my token is [redacted]");
    expect(printed).toContain("stderr| Error: the CRM answered 502");
    expect(printed).toContain("stderr|     at attempt 1 token=[redacted]");
    const followed = await cli(["logs", task.id, "-f", "--attempt", "2"]);
    expect(followed.code).toBe(0);
    // One attempt asked for: no attempt headers.
    expect(followed.stdout).not.toContain("--- attempt");
    expect(followed.stdout).toContain("stderr|     at attempt 2 token=[redacted]");
    expect(followed.stdout).not.toContain("attempt 1");
    const json = await cli(["logs", task.id, "--json"]);
    const records = json.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);
    expect(records).toHaveLength(page.lines.length);
    expect(new Set(records.map((r) => r.stream))).toEqual(new Set(["stdout", "stderr"]));

    // The raw tokens appear nowhere.
    const everything = [
      JSON.stringify(page),
      JSON.stringify(done),
      out.stdout,
      out.stderr,
      followed.stdout,
      json.stdout,
      JSON.stringify(runner.lines),
    ].join("\n");
    for (const t of tokens) expect(everything.includes(t)).toBe(false);
    // The runner's own log still shows the agent's output (scrubbed).
    await until("the runner logged the agent's output", () =>
      runner.lines.some(
        (e: { msg?: string; line?: string }) => e.msg === "agent output" && e.line === "my token is [redacted]",
      ),
    );
  });

  it("streams while the agent runs: a line is readable before the task ends, and officeos logs -f follows it to the end", async () => {
    const script = join(s.dir, "patient-agent.mjs");
    writeFileSync(script, PATIENT, { mode: 0o644 });
    const runner = startRunner({
      dir: s.dir,
      name: "patient",
      url: s.cp.url,
      key: s.runnerKey,
      agents: { patient: { command: [process.execPath, script] } },
      extra: { lease_ttl_ms: 5000, heartbeat_interval_ms: 500, lease_wait_ms: 2000, drain_timeout_ms: 3000 },
    });
    s.runners.push(runner);
    await s.admin("PUT", "/v1/agents/patient", { retry: { max_attempts: 1 } });
    await runner.waitForLog((e: { msg?: string }) => e.msg === "runner ready");
    const go = join(s.dir, "patient-go");
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "patient", input: { go } });
    const following = cli(["logs", task.id, "-f"]);
    // The first line arrives while the agent still waits: shipped as it runs, not at its end.
    const first = await until(
      "the agent's first line in /logs",
      async () => (await s.submit<{ lines: Line[] }>("GET", `/v1/tasks/${task.id}/logs?wait_ms=5000`)).lines[0],
      60_000,
    );
    expect(first).toMatchObject({ attempt: 1, stream: "stdout", text: `waiting for ${go}` });
    // Not ended (leased until its first heartbeat, then running).
    expect(["leased", "running"]).toContain(
      (await s.submit<{ task: { state: string } }>("GET", `/v1/tasks/${task.id}`)).task.state,
    );
    writeFileSync(go, "go");
    const out = await following;
    expect(out.code).toBe(0);
    // What the agent wrote before its result; whatever its tree prints while it is stopped after that (a wrapper's
    // "Terminated") may or may not be stored by the time the follower sees the task end.
    expect(out.stdout.trimEnd().split("\n").slice(0, 2)).toEqual([`waiting for ${go}`, "stderr| go seen"]);
    expect((await finished(s.submit, task.id)).state).toBe("succeeded");
  });
});
