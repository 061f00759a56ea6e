// The kubectl-style CLI pieces that need no control plane: "did you mean", nouns, output formats,
// attempts rebuilt from events, durations, the new verbs' parsing, and the completion scripts.
import { spawnSync } from "node:child_process";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseCommandLine } from "../../cli/src/args.js";
import { attemptsOf, span } from "../../cli/src/attempts.js";
import { completionScript } from "../../cli/src/completion.js";
import { formatOf } from "../../cli/src/context.js";
import { CliError, EXIT } from "../../cli/src/errors.js";
import { durationArg } from "../../cli/src/input.js";
import { run } from "../../cli/src/main.js";
import { nounOf } from "../../cli/src/nouns.js";
import { Out, type Io } from "../../cli/src/output.js";
import { closest, distance, didYouMean } from "../../cli/src/suggest.js";
import type { TaskEvent } from "../../client/src/index.js";

const usage = (f: () => unknown): CliError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    return e as CliError;
  }
  throw new Error("did not throw");
};

function io(): Io & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = "";
  let e = "";
  stdout.on("data", (d) => (o += d));
  stderr.on("data", (d) => (e += d));
  return {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: { OFFICEOS_CONFIG: "/nonexistent/officeos-config.json" },
    signal: new AbortController().signal,
    out: () => o,
    err: () => e,
  };
}

describe("did you mean", () => {
  it("counts edits, a swap of neighbours as one", () => {
    expect(distance("tasks", "tasks")).toBe(0);
    expect(distance("taks", "tasks")).toBe(1);
    expect(distance("tsaks", "tasks")).toBe(1);
    expect(distance("", "abc")).toBe(3);
  });
  it("suggests only what is close, or the one a prefix names", () => {
    expect(closest("runers", ["tasks", "runners", "agents"])).toBe("runners");
    expect(closest("esc", ["escalations", "approvals"])).toBe("escalations");
    expect(closest("zzzzzz", ["tasks", "runners"])).toBeUndefined();
    expect(didYouMean("subimt", ["submit", "watch"])).toBe(' Did you mean "submit"?');
    expect(didYouMean("qqq", ["submit"])).toBe("");
  });
});

describe("nouns", () => {
  it("answer to plural, singular and short names", () => {
    expect(nounOf("task")).toBe("tasks");
    expect(nounOf("Runners")).toBe("runners");
    expect(nounOf("esc")).toBe("escalations");
  });
  it("a misspelt noun is a usage error with a suggestion; a noun not allowed says which are", () => {
    expect(usage(() => nounOf("runnr")).message).toBe('unknown resource "runnr". Did you mean "runner"?');
    const e = usage(() => nounOf("keys", ["tasks", "runners", "agents"]));
    expect(e.exitCode).toBe(EXIT.usage);
    expect(e.hint).toBe("one of: tasks, runners, agents");
  });
});

describe("output formats", () => {
  it("-o picks table, wide, json or yaml; --json is -o json; anything else is refused with a suggestion", () => {
    expect(formatOf({})).toBe("table");
    expect(formatOf({ json: true })).toBe("json");
    expect(formatOf({ output: "wide" })).toBe("wide");
    expect(formatOf({ output: "yaml", json: true })).toBe("yaml");
    expect(usage(() => formatOf({ output: "yml" })).message).toBe('unknown output format "yml". Did you mean "yaml"?');
  });
  it("yaml prints a document that parses back to the same data", () => {
    const i = io();
    new Out(i, "yaml").data({ task: { id: "t1", attempts: 2, input: { a: [1, "x"] } } });
    expect(parseYaml(i.out())).toEqual({ task: { id: "t1", attempts: 2, input: { a: [1, "x"] } } });
  });
});

describe("attempts from events", () => {
  const ev = (seq: number, type: string, actor: string, details?: Record<string, unknown>): TaskEvent => ({
    seq,
    at: Date.UTC(2026, 0, 1, 0, 0, seq),
    type,
    actor,
    ...(details ? { details } : {}),
  });
  it("one row per lease, with its runner, start and how it ended", () => {
    const a = attemptsOf([
      ev(1, "submitted", "key:k1"),
      ev(2, "leased", "runner:run_a", { attempt: 1 }),
      ev(3, "running", "runner:run_a"),
      ev(5, "attempt_failed", "runner:run_a", { code: "tool_error", attempt: 1 }),
      ev(6, "retry_scheduled", "system"),
      ev(8, "leased", "runner:run_b", { attempt: 2 }),
      ev(9, "running", "runner:run_b"),
    ]);
    expect(a).toEqual([
      {
        attempt: 1,
        runner: "run_a",
        leased_at: "2026-01-01T00:00:02.000Z",
        running_at: "2026-01-01T00:00:03.000Z",
        ended_at: "2026-01-01T00:00:05.000Z",
        outcome: "attempt_failed",
        code: "tool_error",
      },
      { attempt: 2, runner: "run_b", leased_at: "2026-01-01T00:00:08.000Z", running_at: "2026-01-01T00:00:09.000Z" },
    ]);
  });
  it("durations read as people write them", () => {
    expect(span("2026-01-01T00:00:00Z", "2026-01-01T00:00:01.250Z")).toBe("1.3s");
    expect(span("2026-01-01T00:00:00Z", "2026-01-01T00:03:04Z")).toBe("3m04s");
    expect(span("2026-01-01T00:00:00Z", "2026-01-01T02:05:00Z")).toBe("2h05m");
    expect(span(undefined, "2026-01-01T00:00:00Z")).toBe("-");
  });
});

describe("durations", () => {
  it("30s, 5m, 1h, 250ms and bare seconds; nonsense is a usage error naming the flag", () => {
    expect(durationArg("timeout", "30s")).toBe(30_000);
    expect(durationArg("timeout", "5m")).toBe(300_000);
    expect(durationArg("timeout", "1h")).toBe(3_600_000);
    expect(durationArg("timeout", "250ms")).toBe(250);
    expect(durationArg("timeout", "2")).toBe(2000);
    expect(durationArg("timeout", undefined)).toBeUndefined();
    expect(usage(() => durationArg("timeout", "soon")).message).toMatch(/^--timeout must be a duration/);
    expect(usage(() => durationArg("timeout", "0s")).exitCode).toBe(EXIT.usage);
  });
});

describe("the verbs parse", () => {
  const cmd = (argv: string) => {
    const p = parseCommandLine(argv.split(" "));
    if (p.kind !== "run") throw new Error(p.kind);
    return { words: p.command.words.join(" "), args: p.args, values: p.values };
  };
  it("get with and without a name, -o, pagination flags", () => {
    expect(cmd("get tasks --limit 5 --cursor c1 -o wide")).toEqual({
      words: "get",
      args: { noun: "tasks" },
      values: { limit: "5", cursor: "c1", output: "wide" },
    });
    expect(cmd("get task t1 -o yaml").args).toEqual({ noun: "task", name: "t1" });
    expect(cmd("describe task t1").args).toEqual({ noun: "task", name: "t1" });
    expect(cmd("drain runner run_1").args).toEqual({ noun: "runner", id: "run_1" });
    expect(cmd("keys revoke k1").words).toBe("keys revoke");
    expect(cmd("submit echo --wait --timeout 5m").values).toEqual({ wait: true, timeout: "5m" });
  });
  it("misspelt commands get a suggestion", () => {
    expect(usage(() => parseCommandLine(["subimt", "echo"])).message).toBe(
      'unknown command "subimt"; did you mean "submit"?',
    );
    expect(usage(() => parseCommandLine(["keys", "revokee", "k"])).message).toMatch(
      /^unknown command "keys revokee"; did you mean "revoke"\? keys takes: create, revoke$/,
    );
  });
});

describe("completion", () => {
  it("bash: the script is valid bash and completes commands, nouns, flags and -o values", () => {
    const script = completionScript("bash");
    const complete = (line: string): string[] => {
      const words = line.split(" ");
      const r = spawnSync(
        "bash",
        [
          "-c",
          `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _officeos; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: "utf8" },
      );
      expect(r.stderr).toBe("");
      return r.stdout.split("\n").filter(Boolean);
    };
    expect(complete("officeos des")).toEqual(["describe"]);
    expect(complete("officeos get ru")).toEqual(["runners"]);
    expect(complete("officeos submit echo --ti")).toEqual(["--timeout"]);
    expect(complete("officeos get tasks -o y")).toEqual(["yaml"]);
    expect(complete("officeos keys r")).toEqual(["revoke"]);
  });
  it("zsh: the script parses (zsh -n) when zsh is installed", () => {
    const zsh = spawnSync("zsh", ["-n"], { input: completionScript("zsh"), encoding: "utf8" });
    if (zsh.error) return; // no zsh on this machine: the bash test above covers the generator
    expect(zsh.status, zsh.stderr).toBe(0);
  });
  it("officeos completion bash prints it and exits 0; an unknown shell exits 2 with a suggestion", async () => {
    const ok = io();
    expect(await run(["completion", "bash"], ok)).toBe(0);
    expect(ok.out()).toContain("complete -F _officeos officeos");
    const bad = io();
    expect(await run(["completion", "bsh"], bad)).toBe(EXIT.usage);
    expect(bad.err()).toMatch(/^error: no completion for "bsh". Did you mean "bash"\?/);
  });
});
