// officeos logs: its parsing, its place in the verb table (completion, did-you-mean), and how a line
// is printed for a person (docs/cli.md).
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../cli/src/args.js";
import { formatLine } from "../../cli/src/commands/logs.js";
import { completionScript } from "../../cli/src/completion.js";
import { CliError } from "../../cli/src/errors.js";

const line = (attempt: number, stream: "stdout" | "stderr", text: string) => ({
  seq: 1,
  at: "2026-12-04T00:00:00.000Z",
  attempt,
  stream,
  text,
});

describe("officeos logs", () => {
  it("parses the task, -f and --attempt", () => {
    const p = parseCommandLine(["logs", "task_1", "-f", "--attempt", "2"]);
    expect(p.kind === "run" && { words: p.command.words, args: p.args, values: p.values }).toEqual({
      words: ["logs"],
      args: { task_id: "task_1" },
      values: { follow: true, attempt: "2" },
    });
  });

  it("is in the verb table: completion offers it, a misspelling gets it suggested", () => {
    expect(completionScript("bash")).toMatch(/\blogs\b/);
    let err: unknown;
    try {
      parseCommandLine(["log", "task_1"]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toContain('did you mean "logs"?');
  });

  it("prints stdout as written, stderr prefixed, and an attempt header where an attempt begins when there are several", () => {
    expect(formatLine(line(1, "stdout", "hello"), null, false)).toEqual(["hello"]);
    expect(formatLine(line(1, "stderr", "boom"), null, false)).toEqual(["stderr| boom"]);
    expect(formatLine(line(1, "stdout", "a"), null, true)).toEqual(["--- attempt 1 ---", "a"]);
    expect(formatLine(line(1, "stdout", "b"), 1, true)).toEqual(["b"]);
    expect(formatLine(line(2, "stderr", "c"), 1, true)).toEqual(["--- attempt 2 ---", "stderr| c"]);
  });
});
