// The officeos CLI end to end: the real bundle (cli/dist/officeos.mjs) as a
// child process against the Worker under wrangler dev, with a real runner
// running the echo agent and the Python example agent (stdlib HTTP only).
import { spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../scripts/gen-client.mjs";
import { AGENT_PYTHON, skipWithout } from "../../scripts/lib/prereqs.mjs";
import { EXAMPLES, ROOT, startRunner, type RunnerProcess } from "../../scripts/lib/stack.mjs";
import { useStack } from "./helpers.js";

const CLI = join(ROOT, "cli/dist/officeos.mjs");
const PY_AGENT = join(ROOT, "agent-runner/examples/python-agent.py");
// Agents run as "nobody" under a root runner: a python3 on root's own PATH (pyenv shims under
// /root) is out of its reach, the system one is not. The agent needs only the standard library.
const PYTHON = AGENT_PYTHON;
const noPython = skipWithout("python3");
const OPERATOR = "e2e-cli-operator";

// The spec this tree's Worker serves (the first test checks it equals the served one).
const spec = JSON.parse((await generate()).specText) as { paths: Record<string, unknown> };

const s = useStack("cli");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let cfgDir = "";
/** Runs the CLI with no OFFICEOS_* from this process; `env` adds some. */
function cli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OFFICEOS_"))) as Record<
    string,
    string
  >;
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...base, HOME: cfgDir, OFFICEOS_CONFIG: join(cfgDir, "config.json"), ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end(stdin ?? "");
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}
const ok = (r: Run): Run => {
  expect(r.stderr === "" || r.code === 0 ? r.code : `${r.code}: ${r.stderr}`).toBe(0);
  return r;
};

let url = "";
let adminKey = "";
let env: Record<string, string> = {};
let runner: RunnerProcess;

beforeAll(async () => {
  cfgDir = s.dir;
  url = s.cp.url;
  // The tenant comes from the CLI itself, with the operator token.
  const r = ok(await cli(["tenants", "create", "cli-e2e", "--url", url, "--json"], { OFFICEOS_ADMIN_TOKEN: OPERATOR }));
  adminKey = (JSON.parse(r.stdout) as { api_key: string }).api_key;
  env = { OFFICEOS_URL: url, OFFICEOS_KEY: adminKey };
  const runnerKey = (
    JSON.parse(ok(await cli(["keys", "create", "--scopes", "runner", "--json"], env)).stdout) as { key: string }
  ).key;
  runner = startRunner({
    dir: s.dir,
    name: "cli-runner",
    url,
    key: runnerKey,
    agents: {
      echo: { command: [process.execPath, join(EXAMPLES, "echo-agent.mjs")] },
      "py-steps": { command: [PYTHON, PY_AGENT] },
    },
    extra: { lease_ttl_ms: 5000, lease_wait_ms: 5000 },
  });
  s.runners.push(runner);
  await runner.waitForLog((e) => e.msg === "runner ready");
});

describe("officeos CLI", () => {
  it("the committed client types come from the spec the Worker serves", async () => {
    const served = await (await fetch(`${url}/openapi.json`)).json();
    expect(served).toEqual(spec);
    expect(JSON.parse(readFileSync(join(ROOT, "client/openapi.json"), "utf8"))).toEqual(served);
  });

  it("apply: created, then unchanged, then updated; --json parses", async () => {
    const file = join(s.dir, "agents.yaml");
    const agents = (weight: number) =>
      [
        "kind: Agent\nname: echo\nspec:\n  resources: {cpu: 100, memory_mb: 64}",
        `- kind: Agent\n  name: py-steps\n  spec:\n    resources: {cpu: 200, memory_mb: 64}\n    weight: ${weight}\n    retry: {max_attempts: 1}`,
      ].join("\n---\n");
    writeFileSync(file, agents(1));
    expect(ok(await cli(["apply", "-f", file], env)).stdout).toBe("agent/echo created\nagent/py-steps created\n");
    expect(ok(await cli(["apply", "-f", file], env)).stdout).toBe("agent/echo unchanged\nagent/py-steps unchanged\n");
    writeFileSync(file, agents(2));
    expect(ok(await cli(["apply", "-f", file, "--dry-run"], env)).stdout).toBe(
      "agent/echo unchanged (dry run)\nagent/py-steps updated (weight) (dry run)\n",
    );
    const r = JSON.parse(ok(await cli(["apply", "-f", file, "--json"], env)).stdout);
    expect(r).toEqual({
      dry_run: false,
      results: [
        { name: "echo", action: "unchanged" },
        { name: "py-steps", action: "updated", fields: ["weight"] },
      ],
    });
    const got = JSON.parse(ok(await cli(["agents", "get", "py-steps", "--json"], env)).stdout);
    expect(got).toMatchObject({
      name: "py-steps",
      weight: 2,
      retry: { max_attempts: 1 },
      resources: { cpu: 200, memory_mb: 64 },
    });
    const list = JSON.parse(ok(await cli(["agents", "list", "--json"], env)).stdout) as { agents: { name: string }[] };
    expect(list.agents.map((a) => a.name).sort()).toEqual(["echo", "py-steps"]);
  });

  it("apply refuses an invalid file before calling the API (exit 2)", async () => {
    const file = join(s.dir, "bad.yaml");
    writeFileSync(file, "kind: Agent\nname: bad\nspec: {weight: -1}\n");
    const r = await cli(["apply", "-f", file], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml \(agent "bad"\) is not a valid agent/);
  });

  it("submit, a runner runs it, tasks get shows the result", async () => {
    const id = ok(await cli(["submit", "echo", "--input", '{"n": 1}'], env)).stdout.trim();
    expect(id).toMatch(/^task_/);
    const done = JSON.parse(
      ok(await cli(["submit", "echo", "--input", "@-", "--wait", "--json"], env, '{"n": 2}')).stdout,
    ) as { task: { state: string; result: unknown } };
    expect(done.task).toMatchObject({ state: "succeeded", result: { echo: { n: 2 } } });
    const first = JSON.parse(ok(await cli(["tasks", "get", id, "--json"], env)).stdout) as {
      task: { id: string; agent: string };
    };
    expect(first.task).toMatchObject({ id, agent: "echo" });
    const listed = JSON.parse(ok(await cli(["tasks", "list", "--agent", "echo", "--json"], env)).stdout) as {
      tasks: { id: string }[];
    };
    expect(listed.tasks.map((t) => t.id)).toContain(id);
  });

  it.skipIf(noPython)(
    "the Python agent speaks the runtime API with plain HTTP: checkpoints each step and returns its result",
    async () => {
      const r = await cli(["submit", "py-steps", "--input", '{"steps": 3, "word": "py"}', "--wait", "--json"], env);
      const { task } = JSON.parse(ok(r).stdout) as {
        task: { state: string; result: unknown; checkpoint_seq?: number };
      };
      expect(task.state).toBe("succeeded");
      expect(task.result).toEqual({ steps: 3, words: ["py-0", "py-1", "py-2"], resumed_from: 0 });
      expect(task.checkpoint_seq).toBe(3);
    },
  );

  it("submit --wait exits 1 when the task does not succeed", async () => {
    const r = await cli(["submit", "py-steps", "--input", '{"fail": true}', "--wait", "--json"], env);
    expect(r.code).toBe(1);
    const { task } = JSON.parse(r.stdout) as { task: { state: string; error?: { code: string } } };
    expect(["failed", "escalated"]).toContain(task.state);
    expect(task.error?.code).toBe("asked_to_fail");
  });

  it("runners list and scheduler show the running runner", async () => {
    const { runners } = JSON.parse(ok(await cli(["runners", "list", "--json"], env)).stdout) as {
      runners: { name: string; state: string }[];
    };
    expect(runners).toEqual([expect.objectContaining({ name: "cli-runner", state: "ready" })]);
    const view = JSON.parse(ok(await cli(["scheduler", "--json"], env)).stdout) as { agents: { agent: string }[] };
    expect(view.agents.map((a) => a.agent)).toContain("py-steps");
    expect(ok(await cli(["runners", "list"], env)).stdout).toMatch(
      /^ID\s+NAME\s+STATE.*\nrun_\S+\s+cli-runner\s+ready/,
    );
  });

  it("errors say what went wrong, with the API's code and message, and the documented exit code", async () => {
    const badKey = await cli(["agents", "list", "--json"], {
      OFFICEOS_URL: url,
      OFFICEOS_KEY: `${adminKey.slice(0, -4)}0000`,
    });
    expect(badKey.code).toBe(4);
    expect(badKey.stderr).toMatch(/^error: invalid API key \(HTTP 401 unauthorized\)\nhint: check the key/);
    expect(JSON.parse(badKey.stdout)).toEqual({
      error: { code: "unauthorized", message: "invalid API key", status: 401 },
    });

    const unknown = await cli(["submit", "nope", "--input", "{}"], env);
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toMatch(
      /^error: agent "nope" is not registered \(HTTP 404 not_found\)\nhint: `officeos agents list`/,
    );

    const noTask = await cli(["tasks", "get", "task_0000"], env);
    expect(noTask.code).toBe(5);
    expect(noTask.stderr).toMatch(/task "task_0000" not found/);

    const badInput = await cli(["submit", "echo", "--input", "{nope"], env);
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toMatch(/--input is not valid JSON/);

    const badPriority = await cli(["submit", "echo", "--priority", "5000"], env);
    expect(badPriority.code).toBe(2);

    const scope = await cli(["keys", "create", "--scopes", "read", "--json"], env);
    const readKey = (JSON.parse(ok(scope).stdout) as { key: string }).key;
    const forbidden = await cli(["submit", "echo"], { OFFICEOS_URL: url, OFFICEOS_KEY: readKey });
    expect(forbidden.code).toBe(4);
    expect(forbidden.stderr).toMatch(/lacks the scope.*\(HTTP 403 forbidden\)/);

    const noKey = await cli(["agents", "list"], { OFFICEOS_URL: url });
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toMatch(/no API key/);

    const down = await cli(["agents", "list", "--url", "http://127.0.0.1:9", "--key", adminKey]);
    expect(down.code).toBe(7);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9.*\nhint: is the control plane running/);

    const usage = await cli(["tasks", "list", "--bogus"], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--bogus/);
  });

  it("login saves a profile (mode 0600) that later commands use without flags or environment", async () => {
    const r = ok(await cli(["login", "--url", url, "--key", adminKey, "--profile", "e2e"]));
    expect(r.stdout).toMatch(/profile "e2e" saved/);
    const path = join(cfgDir, "config.json");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({
      current: "e2e",
      profiles: { e2e: { url, key: adminKey } },
    });
    const list = JSON.parse(ok(await cli(["agents", "list", "--json"])).stdout) as { agents: unknown[] };
    expect(list.agents.length).toBe(2);
  });
});

describe("officeos watch (task events, issue #6)", () => {
  it("prints each event until the task succeeds, then exits 0", async () => {
    const id = ok(await cli(["submit", "py-steps", "--input", '{"steps": 2}'], env)).stdout.trim();
    const r = ok(await cli(["watch", id], env));
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/ submitted /);
    expect(r.stdout).toMatch(/ leased /);
    expect(r.stdout).toMatch(/ succeeded /);
    expect(lines.at(-1)).toBe(`task ${id} succeeded result {"steps":2,"words":["step-0","step-1"],"resumed_from":0}`);
  });

  it("--json prints one event per line, in sequence order, then the task", async () => {
    const id = ok(await cli(["submit", "echo", "--input", "{}"], env)).stdout.trim();
    const lines = ok(await cli(["watch", id, "--json"], env))
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { seq?: number; type?: string; task?: { state: string } });
    const events = lines.slice(0, -1);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["submitted", "succeeded"]));
    const seqs = events.map((e) => e.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(lines.at(-1)?.task?.state).toBe("succeeded");
  });

  it("exits 1 when the task fails", async () => {
    const id = ok(await cli(["submit", "py-steps", "--input", '{"fail": true}'], env)).stdout.trim();
    const r = await cli(["watch", id], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/asked_to_fail/);
  });
});

describe("officeos escalations (issue #6)", () => {
  it("lists an escalated task and resolves it with a result", async () => {
    // py-steps allows one attempt: a retryable failure exhausts its retry policy.
    const r = await cli(
      ["submit", "py-steps", "--input", '{"fail": true, "retryable": true}', "--wait", "--json"],
      env,
    );
    const { task } = JSON.parse(r.stdout) as { task: { id: string; state: string } };
    expect(task.state).toBe("escalated");
    const { escalations } = JSON.parse(ok(await cli(["escalations", "list", "--json"], env)).stdout) as {
      escalations: { task: { id: string } }[];
    };
    expect(escalations.map((e) => e.task.id)).toContain(task.id);
    const resolved = JSON.parse(
      ok(
        await cli(
          ["escalations", "resolve", task.id, "--result", '{"by": "a person"}', "--comment", "done by hand", "--json"],
          env,
        ),
      ).stdout,
    ) as { task: { state: string; result: unknown } };
    expect(resolved.task.result).toEqual({ by: "a person" });
    expect(resolved.task.state).not.toBe("escalated");
  });
});

describe("officeos approvals (issue #6)", () => {
  it("lists approvals as a table and as JSON", async () => {
    const r = JSON.parse(ok(await cli(["approvals", "list", "--json"], env)).stdout) as { approvals: unknown[] };
    expect(Array.isArray(r.approvals)).toBe(true);
  });
});

describe("officeos get, describe and the verbs (issue #19)", () => {
  /** An agent no runner offers: its tasks stay queued. */
  const IDLE = "no-runner-agent";
  beforeAll(async () => {
    const file = join(s.dir, "idle.yaml");
    writeFileSync(file, `kind: Agent\nname: ${IDLE}\nspec:\n  resources: {cpu: 100, memory_mb: 64}\n`);
    ok(await cli(["apply", "-f", file], env));
  });

  it("get prints one table per noun, more columns with -o wide, the API's answer with -o json and yaml", async () => {
    const id = ok(await cli(["submit", "echo", "--input", '{"x": 1}', "--wait"], env)).stdout.split("\n")[0] ?? "";
    const taskId = /^task (\S+)/.exec(id)?.[1] ?? "";
    expect(taskId).toMatch(/^task_/);
    const table = ok(await cli(["get", "task", taskId], env)).stdout;
    expect(table).toMatch(
      new RegExp(`^ID\\s+AGENT\\s+STATE\\s+ATTEMPTS\\s+CREATED\\n${taskId}\\s+echo\\s+succeeded\\s+1/`),
    );
    expect(ok(await cli(["get", "task", taskId, "-o", "wide"], env)).stdout).toMatch(
      /^ID.*PRIORITY\s+INSTANCE\s+RUNNER/,
    );
    const api = (await (
      await fetch(`${url}/v1/tasks/${taskId}`, { headers: { authorization: `Bearer ${adminKey}` } })
    ).json()) as {
      task: { id: string; state: string };
    };
    const asJson = JSON.parse(ok(await cli(["get", "tasks", taskId, "-o", "json"], env)).stdout);
    expect(asJson).toEqual(api);
    const { parse } = await import("yaml");
    expect(parse(ok(await cli(["get", "t", taskId, "-o", "yaml"], env)).stdout)).toEqual(api);
    // The older forms print the same table.
    expect(ok(await cli(["tasks", "get", taskId], env)).stdout).toBe(table);
    expect(ok(await cli(["get", "agents"], env)).stdout).toMatch(/^NAME\s+WEIGHT\s+RESOURCES/);
    expect(ok(await cli(["get", "runners"], env)).stdout).toMatch(/\bcli-runner\s+ready\b/);
  });

  it("describe task shows its attempts with runner and outcome, and its events", async () => {
    const r = ok(await cli(["submit", "py-steps", "--input", '{"steps": 2}', "--wait"], env)).stdout;
    const taskId = /^task (\S+)/.exec(r)?.[1] ?? "";
    const out = ok(await cli(["describe", "task", taskId], env)).stdout;
    expect(out).toMatch(new RegExp(`^task ${taskId}\\n  agent: +py-steps\\n  state: +succeeded\\n`));
    expect(out).toMatch(
      /\nattempts:\n#\s+RUNNER\s+LEASED\s+STARTED AFTER\s+RAN\s+OUTCOME\n1\s+run_\S+\s+\S+\s+\S+\s+\S+\s+succeeded\n/,
    );
    expect(out).toMatch(/\nevents:\nSEQ\s+AT\s+TYPE[^\n]*\n1\s+\S+\s+submitted/);
    const data = JSON.parse(ok(await cli(["describe", "task", taskId, "--json"], env)).stdout) as {
      attempts: { attempt: number; outcome: string }[];
    };
    expect(data.attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: "succeeded" })]);
  });

  it("pages through tasks with --limit and --cursor, or all of them with --all", async () => {
    for (let i = 0; i < 3; i++) ok(await cli(["submit", IDLE, "--input", `{"i": ${i}}`], env));
    const page = async (args: string[]) =>
      JSON.parse(ok(await cli(["get", "tasks", "--agent", IDLE, "-o", "json", ...args], env)).stdout) as {
        tasks: { id: string }[];
        next_cursor?: string;
      };
    const first = await page(["--limit", "2"]);
    expect(first.tasks).toHaveLength(2);
    expect(first.next_cursor).toBeTruthy();
    const second = await page(["--limit", "2", "--cursor", first.next_cursor ?? ""]);
    const all = await page(["--limit", "2", "--all"]);
    expect(all.tasks.map((t) => t.id)).toEqual([...first.tasks, ...second.tasks].map((t) => t.id));
    expect(all.tasks.length).toBeGreaterThanOrEqual(3);
    expect(all.next_cursor).toBeUndefined();
    const table = await cli(["get", "tasks", "--agent", IDLE, "--limit", "1"], env);
    expect(table.stderr).toMatch(/^more: officeos get tasks --cursor \S+ --limit 1 \(or --all\)/);
  });

  it("submit --wait --timeout gives up with exit 8 and the task goes on; cancel ends it", async () => {
    const r = await cli(["submit", IDLE, "--wait", "--timeout", "1s"], env);
    expect(r.code, r.stderr).toBe(8);
    expect(r.stderr).toMatch(
      /^submitted (\S+); waiting for it to end\n(?:waiting: .*\n)*error: task \S+ had not ended after 1s \(queued\); it goes on\n/,
    );
    const taskId = /^submitted (\S+);/.exec(r.stderr)?.[1] ?? "";
    expect(ok(await cli(["cancel", taskId], env)).stdout).toBe(`task ${taskId} cancelled\n`);
    const retry = await cli(["retry", taskId], env);
    expect(retry.code).toBe(6);
    expect(retry.stderr).toMatch(/only an escalated task can be retried\nhint: submit it again/);
  });

  it("retry sends an escalated task back to work", async () => {
    const r = await cli(
      ["submit", "py-steps", "--input", '{"fail": true, "retryable": true}', "--wait", "--json"],
      env,
    );
    const { task } = JSON.parse(r.stdout) as { task: { id: string; state: string } };
    expect(task.state).toBe("escalated");
    const after = JSON.parse(ok(await cli(["retry", task.id, "--comment", "once more", "-o", "json"], env)).stdout) as {
      task: { state: string };
    };
    expect(after.task.state).not.toBe("escalated");
  });

  it("drain runner stops new leases; keys create --name, get keys and keys revoke", async () => {
    const runnerKey = (
      JSON.parse(ok(await cli(["keys", "create", "--scopes", "runner", "--json"], env)).stdout) as { key: string }
    ).key;
    const reg = (await (
      await fetch(`${url}/v1/runners`, {
        method: "POST",
        headers: { authorization: `Bearer ${runnerKey}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "to-drain", capacity: { cpu: 1000, memory_mb: 512 } }),
      })
    ).json()) as { runner: { id: string } };
    expect(ok(await cli(["drain", "runner", reg.runner.id], env)).stdout).toMatch(
      /^runner run_\S+ \(to-drain\) draining:/,
    );
    expect((await cli(["drain", "task", reg.runner.id], env)).code).toBe(2);

    const made = JSON.parse(
      ok(await cli(["keys", "create", "--scopes", "read", "--name", "ci-reader", "--json"], env)).stdout,
    ) as {
      key: string;
      id: string;
    };
    expect(ok(await cli(["get", "keys"], env)).stdout).toMatch(
      new RegExp(`\\n${made.id}\\s+ci-reader\\s+read\\s+active`),
    );
    ok(await cli(["keys", "revoke", made.id], env));
    const refused = await cli(["get", "agents"], { OFFICEOS_URL: url, OFFICEOS_KEY: made.key });
    expect(refused.code).toBe(4);
    expect(ok(await cli(["get", "keys", "-o", "json"], env)).stdout).toMatch(/"state": "revoked"/);
  });

  it("misspelt nouns and agents get a suggestion", async () => {
    const noun = await cli(["get", "runnrs"], env);
    expect(noun.code).toBe(2);
    expect(noun.stderr).toMatch(/^error: unknown resource "runnrs". Did you mean "runners"\?/);
    const agent = await cli(["submit", "ehco"], env);
    expect(agent.code).toBe(5);
    expect(agent.stderr).toMatch(/\nhint: Did you mean "echo"\? `officeos agents list`/);
  });
});
