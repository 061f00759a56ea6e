// Local layout, runner side: a config others can read is refused when agents run as other
// users; the runner's state dir is 0700 and its pid file 0600; a live runner of the same
// name is detected, a dead one is not.
import { chmodSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configFileCheck } from "../../agent-runner/src/agent-user.js";
import { ensureDir, readPredecessor, runnerPaths, writePidFile } from "../../agent-runner/src/runner-state.js";

describe("runner config file mode", () => {
  const dir = mkdtempSync(join(tmpdir(), "officeos-layout-"));
  const file = join(dir, "runner.json");
  writeFileSync(file, "{}");

  it("refuses a group- or world-readable config when agents run as other users, warns otherwise", () => {
    chmodSync(file, 0o644);
    expect(configFileCheck(file, true)).toMatchObject({ kind: "error", message: expect.stringContaining("mode 644") });
    expect(configFileCheck(file, false)).toMatchObject({ kind: "warn" });
    chmodSync(file, 0o640);
    expect(configFileCheck(file, true).kind).toBe("error");
    chmodSync(file, 0o600);
    expect(configFileCheck(file, true)).toEqual({ kind: "ok" });
    expect(configFileCheck(undefined, true)).toEqual({ kind: "ok" });
  });
});

describe("runner state dir", () => {
  it("is 0700 with a 0600 pid file; a live holder is seen as alive, a dead one as dead", async () => {
    const work = mkdtempSync(join(tmpdir(), "officeos-layout-work-"));
    const p = runnerPaths(work, "r1");
    await ensureDir(join(work, ".state"), 0o700);
    await ensureDir(p.stateDir, 0o700);
    await writePidFile(p.pidFile);
    expect(statSync(p.stateDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(work, ".state")).mode & 0o777).toBe(0o700);
    expect(statSync(p.pidFile).mode & 0o777).toBe(0o600);
    // Our own pid file reads as "dead" to ourselves (a restart in the same pid); another live pid is alive.
    expect(await readPredecessor(p.pidFile)).toEqual({ kind: "dead", pid: process.pid });
    const ppid = process.ppid;
    const start = (await import("../../agent-runner/src/uid-claims.js")).procStartTime;
    writeFileSync(p.pidFile, `${ppid} ${await start(ppid)}\n`);
    expect(await readPredecessor(p.pidFile)).toEqual({ kind: "alive", pid: ppid });
    // Same pid, another start time: the pid was reused, the holder is dead.
    writeFileSync(p.pidFile, `${ppid} 1\n`);
    expect(await readPredecessor(p.pidFile)).toEqual({ kind: "dead", pid: ppid });
    expect(await readPredecessor(join(work, "nope"))).toEqual({ kind: "none" });
  });
});

describe("agent_user plans", () => {
  it("root: a uid range by default; a fixed user warns that siblings share it; a range over real accounts is refused", async () => {
    const { resolveAgentUser, usersIn } = await import("../../agent-runner/src/agent-user.js");
    const dir = mkdtempSync(join(tmpdir(), "officeos-passwd-"));
    const passwd = join(dir, "passwd");
    writeFileSync(passwd, "root:x:0:0::/root:/bin/sh\nalice:x:61005:61005::/home/alice:/bin/sh\n");
    expect(usersIn(61000, 61999, passwd)).toEqual(["alice(61005)"]);
    expect(usersIn(62000, 62999, passwd)).toEqual([]);
    const def = resolveAgentUser(undefined, 0);
    if (usersIn(61000, 61999).length === 0)
      expect(def).toMatchObject({
        kind: "ok",
        plan: { kind: "pool", range: { first: 61000, last: 61999 } },
        warnings: [],
      });
    expect(resolveAgentUser({ uid: 4242, gid: 4242 }, 0)).toMatchObject({
      kind: "ok",
      plan: { kind: "fixed", uid: 4242 },
      warnings: [expect.stringContaining("SIBLING TASKS SHARE ONE UID")],
    });
    expect(resolveAgentUser({ uid_range: [1, 0x7fffffff] }, 0)).toMatchObject({
      kind: "error",
      message: expect.stringContaining("existing users"),
    });
    expect(resolveAgentUser(undefined, 1000)).toMatchObject({ kind: "ok", plan: { kind: "self" } });
  });
});
