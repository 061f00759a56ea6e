// `officeos dev <file>` (issue #19, acceptance 2): a TypeScript agent (importing @officeos/sdk by name,
// bundled by the command) and the standard-library Python agent run to completion on the local runner
// the command starts, once as root (sandboxed, the agent under an unprivileged uid) and once as an
// ordinary user (nobody, via setpriv: the "not contained" banner, the agent as that user). Each run
// leaves nothing behind in its TMPDIR (the runner's config and work dir go with the runner it stopped).
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipWithout } from "../../scripts/lib/prereqs.mjs";
import { ROOT } from "../../scripts/lib/stack.mjs";
import { useStack } from "./helpers.js";

const CLI = join(ROOT, "cli/dist/officeos.mjs");
const PY_AGENT = join(ROOT, "agent-runner/examples/python-agent.py");
const noPython = skipWithout("python3");
const s = useStack("dev");
let scratch = "";

const TS_AGENT = `import { runAgent } from "@officeos/sdk";

interface Input { name: string }

void runAgent<Input>(async (ctx) => {
  console.log("working for " + ctx.input.name);
  await ctx.checkpoint({ cursor: { step: 1 } });
  return { hello: ctx.input.name, uid: process.getuid?.() ?? -1 };
});
`;
const FAILING = `import { AgentError, runAgent } from "@officeos/sdk";
void runAgent(async () => {
  throw new AgentError("no_luck", "this agent always fails", false);
});
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `officeos dev ...` as root or, with `as: "nobody"`, through setpriv as that user. */
function dev(args: string[], as: "root" | "nobody"): Promise<Run> {
  const home = mkdtempSync(join(scratch, `home-${as}-`));
  // Short: the runner's Unix sockets live below TMPDIR (at most 107 bytes a path).
  const tmp = mkdtempSync("/tmp/odv-");
  chmodSync(home, 0o777);
  chmodSync(tmp, 0o777);
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OFFICEOS_")));
  const env = {
    ...base,
    HOME: home,
    TMPDIR: tmp,
    OFFICEOS_URL: s.cp.url,
    OFFICEOS_KEY: s.adminKey,
  } as Record<string, string>;
  const argv = [process.execPath, CLI, "dev", ...args];
  const [cmd, ...rest] =
    as === "root" ? argv : ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", ...argv];
  const child = spawn(cmd!, rest, { env, cwd: scratch, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((res) =>
    child.on("close", (code) => {
      // Nothing left behind: the command removed its directory once its runner had stopped.
      const left = readdirSync(tmp);
      rmSync(tmp, { recursive: true, force: true });
      expect(left, `${stdout}\n${stderr}`).toEqual([]);
      res({ code, stdout, stderr });
    }),
  );
}

const resultOf = (r: Run) => {
  const line = r.stdout.split("\n").find((l) => / succeeded result /.test(l));
  expect(line, `${r.stdout}\n${r.stderr}`).toBeDefined();
  return JSON.parse(line!.replace(/^.* succeeded result /, ""));
};

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "officeos-dev-e2e-"));
  chmodSync(scratch, 0o755);
  writeFileSync(join(scratch, "hello.ts"), TS_AGENT, { mode: 0o644 });
  writeFileSync(join(scratch, "unlucky.ts"), FAILING, { mode: 0o644 });
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.each(["root", "nobody"] as const)("officeos dev as %s", (as) => {
  it("runs a TypeScript agent to completion, printing its output and events", async () => {
    const r = await dev(["hello.ts", "--name", `hello-${as}`, "--input", `{"name":"${as}"}`], as);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const result = resultOf(r);
    expect(result.hello).toBe(as);
    // As root the agent runs as an unprivileged uid of the runner's pool; as nobody, as nobody.
    if (as === "root") expect(result.uid).toBeGreaterThan(0);
    else expect(result.uid).toBe(65534);
    expect(r.stderr).toContain(`hello-${as}| working for ${as}`);
    expect(r.stdout).toMatch(/submitted|leased/);
    // Its bundle needs nothing beside it: no warning about what the sandbox hides.
    expect(r.stderr).not.toContain("lies where the sandbox hides");
    if (as === "root") expect(r.stderr).not.toContain("not contained");
    else expect(r.stderr).toContain("not contained: development mode");
    // The runner it started is stopped and forgotten: no task of this agent waits on it afterwards.
    const { runners } = await s.admin<{ runners: { name: string }[] }>("GET", "/v1/runners");
    expect(runners.filter((x) => x.name.startsWith("dev-"))).toEqual([]);
  });

  it.skipIf(noPython)("runs the standard-library Python agent to completion", async () => {
    const r = await dev([PY_AGENT, "--name", `py-${as}`, "--input", '{"steps": 2, "word": "dev"}'], as);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(resultOf(r)).toMatchObject({ steps: 2 });
  });

  it("exits non-zero when the agent fails, naming its error", async () => {
    const r = await dev(["unlucky.ts", "--name", `unlucky-${as}`], as);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/failed no_luck: this agent always fails/);
  });
});
