// `officeos dev`'s pure parts (cli/src/dev/plan.ts) and its command line: the agent's name and kind
// from the file, its argv, the runner config it starts (sandbox off only when not root, the task
// pinned to that runner by a label), and the usage errors that need no control plane.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { RunnerConfigSchema } from "../../agent-runner/src/config.js";
import { parseCommandLine } from "../../cli/src/args.js";
import { agentCommand, DEV_LABEL, devRunnerConfig, kindOf, nameFromFile, planAgent } from "../../cli/src/dev/plan.js";
import { CliError, EXIT } from "../../cli/src/errors.js";
import { run } from "../../cli/src/main.js";
import type { Io } from "../../cli/src/output.js";

function io(): Io & { err: () => string } {
  const stderr = new PassThrough();
  let e = "";
  stderr.on("data", (d) => (e += d));
  return {
    stdout: new PassThrough(),
    stderr,
    stdin: new PassThrough(),
    env: {
      OFFICEOS_CONFIG: "/nonexistent/officeos-config.json",
      OFFICEOS_URL: "http://127.0.0.1:9",
      OFFICEOS_KEY: "k",
    },
    signal: new AbortController().signal,
    err: () => e,
  };
}

describe("officeos dev: the plan", () => {
  it("names the agent after its file, or --name", () => {
    expect(nameFromFile("/x/my agent.ts")).toBe("my-agent");
    expect(nameFromFile("/x/_triage.py")).toBe("triage");
    expect(nameFromFile("/usr/bin/true")).toBe("true");
    expect(planAgent("/x/a.ts", [], "other").name).toBe("other");
    expect(() => planAgent("/x/a.ts", [], "-bad")).toThrow(CliError);
  });

  it("tells TypeScript, JavaScript, Python and other executables apart, and builds their argv", () => {
    expect(["a.ts", "a.mts", "a.js", "a.py", "a.sh", "agent"].map(kindOf)).toEqual([
      "typescript",
      "typescript",
      "javascript",
      "python",
      "executable",
      "executable",
    ]);
    const tools = { node: "/usr/bin/node", python: "/usr/bin/python3" };
    expect(agentCommand(planAgent("/x/a.ts", ["--v"], undefined), "/t/agent.mjs", tools)).toEqual([
      "/usr/bin/node",
      "/t/agent.mjs",
      "--v",
    ]);
    expect(agentCommand(planAgent("/x/a.py", [], undefined), "/t/a.py", tools)).toEqual([
      "/usr/bin/python3",
      "/t/a.py",
    ]);
    expect(agentCommand(planAgent("my-tool", ["1"], undefined), "my-tool", tools)).toEqual(["my-tool", "1"]);
  });

  it("starts a runner the runner accepts: sandboxed as root, sandbox off otherwise, pinned by its label", () => {
    const spec = {
      url: "http://127.0.0.1:8787",
      key: "oos_k",
      session: "ab12cd34",
      agent: "hello",
      command: ["/usr/bin/node", "/t/agent.mjs"],
      workDir: "/tmp/w",
      cpu: 100,
      memoryMb: 256,
    };
    const asRoot = RunnerConfigSchema.parse(devRunnerConfig({ ...spec, root: true }));
    const asUser = RunnerConfigSchema.parse(devRunnerConfig({ ...spec, root: false }));
    expect(asRoot.sandbox.mode).toBe("auto");
    expect(asUser.sandbox.mode).toBe("off");
    expect(asRoot.labels).toEqual({ [DEV_LABEL]: "ab12cd34" });
    expect(Object.keys(asRoot.agents)).toEqual(["hello"]);
    expect(asRoot.capacity.memory_mb).toBeGreaterThanOrEqual(256);
    expect(devRunnerConfig({ ...spec, root: true, memoryMb: 4096 }).capacity?.memory_mb).toBe(4096);
  });
});

describe("officeos dev: the command line", () => {
  it("takes a file and passes what follows it (after --) to the agent", () => {
    const p = parseCommandLine(["dev", "--name", "x", "--", "./tool", "--flag", "2"]);
    if (p.kind !== "run") throw new Error(p.kind);
    expect(p.args.file).toBe("./tool");
    expect(p.values.args).toEqual(["--flag", "2"]);
    expect(p.values.name).toBe("x");
    const q = parseCommandLine(["dev", "agent.ts", "--input", "{}"]);
    if (q.kind !== "run") throw new Error(q.kind);
    expect(q.values.args).toEqual([]);
  });

  it("exits 2 naming the problem: no file, a missing file, both inputs, a bad name", async () => {
    const cases: [string[], RegExp][] = [
      [["dev"], /missing <file>/],
      [["dev", "./nope.ts"], /nope\.ts: no such file/],
      [["dev", "/tmp", "--input", "{}"], /is a directory/],
      [["dev", "true", "--input", "{}", "--input-file", "x.json"], /--input or --input-file, not both/],
      [["dev", "true", "--name", "no way"], /not an agent name/],
    ];
    for (const [argv, re] of cases) {
      const x = io();
      expect(await run(argv, x), argv.join(" ")).toBe(EXIT.usage);
      expect(x.err()).toMatch(re);
    }
  });
});
