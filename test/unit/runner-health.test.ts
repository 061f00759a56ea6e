// The runner's self-check: what makes it not ready for work.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkHealth, resolveCommand } from "../../agent-runner/src/health.js";

const dir = mkdtempSync(join(tmpdir(), "officeos-health-"));
const script = join(dir, "agent.sh");
writeFileSync(script, "#!/bin/sh\n");
chmodSync(script, 0o755);
const notExec = join(dir, "plain.txt");
writeFileSync(notExec, "x");

describe("runner self-check", () => {
  it("finds commands by path or on PATH, and not files that cannot run", async () => {
    expect(await resolveCommand(script)).toBe(script);
    expect(await resolveCommand("agent.sh", dir)).toBe(script);
    expect(await resolveCommand(notExec)).toBeNull();
    expect(await resolveCommand("no-such-agent-binary", dir)).toBeNull();
  });

  it("is ready when every agent command exists and the work dir is writable", async () => {
    const h = await checkHealth({ agents: { a: { command: [script], env: {} } }, work_dir: join(dir, "work") });
    expect(h.ready).toBe(true);
    expect(h.checks.map((c) => [c.name, c.ok])).toEqual([
      ["agent_commands", true],
      ["work_dir", true],
    ]);
  });

  it("names what is missing and is not ready; extra checks count too", async () => {
    const h = await checkHealth(
      {
        agents: { a: { command: [script], env: {} }, b: { command: ["no-such-agent-binary"], env: {} } },
        work_dir: join(dir, "work"),
      },
      [
        async () => ({ name: "gpus", ok: false, message: "capacity promises 2 GPUs, 0 seen" }),
        async () => {
          throw new Error("probe crashed");
        },
      ],
    );
    expect(h.ready).toBe(false);
    expect(h.checks[0]).toMatchObject({
      name: "agent_commands",
      ok: false,
      message: expect.stringContaining("b: no-such-agent-binary"),
    });
    expect(h.checks.slice(2)).toEqual([
      { name: "gpus", ok: false, message: "capacity promises 2 GPUs, 0 seen" },
      { name: "check", ok: false, message: "probe crashed" },
    ]);
  });
});
