// The CLI's argument parsing, target resolution and error explanations.
import { describe, expect, it } from "vitest";
import { COMMANDS, parseCommandLine } from "../../cli/src/args.js";
import { resolveTarget, tenantOfKey, type ProfileFile } from "../../cli/src/config.js";
import { CliError, EXIT, explain } from "../../cli/src/errors.js";
import { OfficeOSError, OfficeOSUnreachable } from "../../client/src/index.js";
import { endsTask } from "../../cli/src/watch.js";

const run = (argv: string) => {
  const p = parseCommandLine(argv.split(" ").filter(Boolean));
  if (p.kind !== "run") throw new Error(`expected a command, got ${p.kind}`);
  return { words: p.command.words.join(" "), args: p.args, values: p.values };
};
const usageError = (argv: string): CliError => {
  try {
    parseCommandLine(argv.split(" ").filter(Boolean));
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).exitCode).toBe(EXIT.usage);
    return e as CliError;
  }
  throw new Error(`"${argv}" parsed`);
};

describe("parseCommandLine", () => {
  it("finds two-word commands, their positionals and options anywhere on the line", () => {
    expect(run("escalations retry t1 --input {} --json")).toEqual({
      words: "escalations retry",
      args: { task_id: "t1" },
      values: { input: "{}", json: true },
    });
    expect(run("--url http://x submit echo --wait --priority 5")).toMatchObject({
      words: "submit",
      args: { agent: "echo" },
      values: { url: "http://x", wait: true, priority: "5" },
    });
  });

  it("collects a repeated -f", () => {
    expect(run("apply -f a.yaml -f b.json").values.file).toEqual(["a.yaml", "b.json"]);
  });

  it("refuses an option the command does not take, naming it", () => {
    expect(usageError("tasks list --wait").message).toMatch(/--wait/);
    expect(usageError("agents list --colour").message).toMatch(/--colour/);
  });

  it("refuses missing and extra positionals", () => {
    expect(usageError("watch").message).toBe("missing <task_id>");
    expect(usageError("tasks get a b").message).toBe('unexpected argument "b"');
  });

  it("names the subcommands of a known group with an unknown verb", () => {
    expect(usageError("tasks delete x").message).toBe('unknown command "tasks delete"; tasks takes: list, get, cancel');
    expect(usageError("frobnicate").message).toBe('unknown command "frobnicate"');
  });

  it("answers help for no command, a group, and a command", () => {
    expect(parseCommandLine([])).toEqual({ kind: "help" });
    expect(parseCommandLine(["approvals", "--help"])).toEqual({ kind: "help", topic: "approvals" });
    expect(parseCommandLine(["watch", "-h"])).toMatchObject({ kind: "help", command: { words: ["watch"] } });
  });

  it("has one command per word path and no option defined twice with different types", () => {
    const paths = COMMANDS.map((c) => c.words.join(" "));
    expect(new Set(paths).size).toBe(paths.length);
    const types = new Map<string, string>();
    for (const c of COMMANDS)
      for (const [k, o] of Object.entries(c.options)) {
        expect(types.get(k) ?? o.type, `--${k}`).toBe(o.type);
        types.set(k, o.type);
      }
  });
});

describe("resolveTarget", () => {
  const file: ProfileFile = {
    current: "prod",
    profiles: { prod: { url: "https://prod.example", key: "kp" }, dev: { url: "http://127.0.0.1:8787", key: "kd" } },
  };

  it("prefers flags to the environment to the profile", () => {
    expect(resolveTarget({}, {}, file)).toMatchObject({ url: "https://prod.example", key: "kp", profile: "prod" });
    expect(resolveTarget({}, { OFFICEOS_URL: "http://env", OFFICEOS_KEY: "ke" }, file)).toMatchObject({
      url: "http://env",
      key: "ke",
    });
    expect(resolveTarget({ url: "http://flag" }, { OFFICEOS_URL: "http://env" }, file)).toMatchObject({
      url: "http://flag",
      key: "kp",
    });
    expect(resolveTarget({ profile: "dev" }, { OFFICEOS_PROFILE: "prod" }, file)).toMatchObject({
      url: "http://127.0.0.1:8787",
      key: "kd",
    });
  });

  it("treats an empty environment variable as unset", () => {
    expect(resolveTarget({}, { OFFICEOS_KEY: "" }, file).key).toBe("kp");
  });

  it("fails on a named profile that does not exist, listing the known ones", () => {
    expect(() => resolveTarget({ profile: "staging" }, {}, file)).toThrow(/no profile "staging"/);
    // login creates it.
    expect(resolveTarget({ profile: "staging", url: "http://s", key: "ks" }, {}, file, true)).toEqual({
      url: "http://s",
      key: "ks",
      profile: "staging",
    });
  });

  it("reads the tenant out of a key", () => {
    expect(tenantOfKey("oos.8b39.f485.secret")).toBe("8b39");
    expect(tenantOfKey("not-a-key")).toBeUndefined();
  });
});

describe("explain", () => {
  it("maps API errors to exit codes and hints", () => {
    const unauth = explain(new OfficeOSError(401, "unauthorized", "invalid API key"), "http://cp");
    expect(unauth).toMatchObject({
      exitCode: EXIT.auth,
      message: "invalid API key (HTTP 401 unauthorized)",
      json: { error: { code: "unauthorized", status: 401 } },
    });
    expect(unauth.hint).toMatch(/OFFICEOS_KEY/);
    const agent = explain(new OfficeOSError(404, "not_found", 'agent "x" is not registered'), "http://cp");
    expect(agent.exitCode).toBe(EXIT.notFound);
    expect(agent.hint).toMatch(/agents list/);
    expect(explain(new OfficeOSError(404, "not_found", "no such route"), "http://cp").hint).toMatch(
      /does not serve this route/,
    );
    expect(explain(new OfficeOSError(409, "conflict", "task is already succeeded"), "http://cp").exitCode).toBe(
      EXIT.api,
    );
    expect(explain(new OfficeOSUnreachable("http://cp", new Error("x")), "http://cp").exitCode).toBe(EXIT.unreachable);
  });

  it("lists zod issues from details under the message", () => {
    const x = explain(
      new OfficeOSError(400, "bad_request", "request failed validation", [{ path: ["priority"], message: "Too big" }]),
      undefined,
    );
    expect(x.message).toBe("request failed validation (HTTP 400 bad_request)\n  priority: Too big");
  });
});

describe("endsTask", () => {
  it("ends on final event types and final states, not on an attempt failing or waiting for approval", () => {
    expect(endsTask({ type: "succeeded" })).toBe(true);
    expect(endsTask({ type: "escalated" })).toBe(true);
    expect(endsTask({ type: "resolved" })).toBe(true);
    expect(endsTask({ type: "cancelled", state: "cancelled" })).toBe(true);
    expect(endsTask({ type: "attempt_failed", state: "retry_wait" })).toBe(false);
    expect(endsTask({ type: "approval_requested", state: "awaiting_approval" })).toBe(false);
    expect(endsTask({ type: "custom", state: "failed" })).toBe(true);
  });
});
