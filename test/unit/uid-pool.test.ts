// The uid pool's pure decisions (agent-runner/src/uid-pool.ts), and its host-wide claims
// (uid-claims.ts) against a scratch directory.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  advance,
  candidates,
  claimVerdict,
  parseClaim,
  releaseVerdict,
  statStartTime,
  statusUids,
  type LocalUid,
} from "../../agent-runner/src/uid-pool.js";
import { HostClaims, procStartTime } from "../../agent-runner/src/uid-claims.js";

const range = { first: 100, last: 104 };

describe("uid pool (pure)", () => {
  it("hands out round-robin from the cursor, skipping held and quarantined uids", () => {
    const local = new Map<number, LocalUid>([
      [101, { kind: "held", task: "t1" }],
      [103, { kind: "quarantined", since: 0, why: "files left" }],
    ]);
    expect(candidates(range, local, 100)).toEqual([100, 102, 104]);
    // From 104 it wraps: the uid just released (100) is tried after the others.
    expect(candidates(range, local, 104)).toEqual([104, 100, 102]);
    expect(candidates(range, local, 7)).toEqual([100, 102, 104]);
    expect(advance(range, 104)).toBe(100);
    expect(advance(range, 102)).toBe(103);
    expect(
      candidates(range, new Map([100, 101, 102, 103, 104].map((u) => [u, { kind: "held", task: "x" }])), 100),
    ).toEqual([]);
  });

  it("takes over a claim only when its holder is dead", () => {
    expect(claimVerdict({ kind: "absent" }, 1)).toBe("create");
    expect(claimVerdict({ kind: "held", pid: 5, alive: true }, 1)).toBe("busy");
    expect(claimVerdict({ kind: "held", pid: 5, alive: false }, 1)).toBe("take_over");
    expect(claimVerdict({ kind: "garbled" }, 1)).toBe("busy");
  });

  it("gives a uid back only when no process and no stray file of it is left", () => {
    expect(releaseVerdict({ processesLeft: 0, filesLeft: [] })).toEqual({ kind: "release" });
    expect(releaseVerdict({ processesLeft: 2, filesLeft: [] })).toMatchObject({
      kind: "quarantine",
      why: expect.stringContaining("2 process"),
    });
    expect(releaseVerdict({ processesLeft: 0, filesLeft: ["/tmp/x"] })).toMatchObject({
      kind: "quarantine",
      why: expect.stringContaining("/tmp/x"),
    });
  });

  it("parses claim lines, /proc/<pid>/stat start times and status uids", () => {
    expect(parseClaim("123 456\n")).toEqual({ pid: 123, startTime: "456" });
    expect(parseClaim("0 1\n")).toBe(null);
    expect(parseClaim("12 ab")).toBe(null);
    // comm may hold spaces and parentheses; start time is field 22.
    const stat = `42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10`;
    expect(statStartTime(stat)).toBe("987654");
    expect(statusUids("Name:\tx\nUid:\t61000\t61000\t61000\t61000\nGid:\t0\t0\t0\t0\n")).toEqual([
      61000, 61000, 61000, 61000,
    ]);
  });
});

describe("host-wide claims", () => {
  it("two claimers never hold one uid; a dead holder's claim is taken over; only our own claim is released", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "officeos-claims-")), "uids");
    const a = new HostClaims(dir);
    await a.init();
    const b = new HostClaims(dir);
    await b.init();
    expect(await a.claim(61000)).toBe(true);
    // Same process here, so "b" sees a live holder (our own pid): busy.
    expect(await b.claim(61000)).toBe(false);
    expect(readFileSync(join(dir, "61000"), "utf8")).toBe(`${process.pid} ${await procStartTime(process.pid)}\n`);
    // A claim by a process that has exited (its pid is gone): taken over.
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    writeFileSync(join(dir, "61001"), `${dead} 1\n`);
    expect(await b.claim(61001)).toBe(true);
    // A garbled claim is never taken blindly.
    writeFileSync(join(dir, "61002"), "not a claim");
    expect(await a.claim(61002)).toBe(false);
    await a.release(61000);
    expect(await b.claim(61000)).toBe(true);
  });
});

describe.skipIf(process.getuid?.() !== 0)("the pool on this host (root)", () => {
  it("gives each acquire its own uid, and at release kills what is left of it and removes its files in /tmp", async () => {
    const { AgentIdentities } = await import("../../agent-runner/src/identity.js");
    const { pino } = await import("pino");
    const { chownSync, existsSync, mkdtempSync: mk } = await import("node:fs");
    const { spawn } = await import("node:child_process");
    const claimsDir = join(mk(join(tmpdir(), "officeos-pool-")), "uids");
    const pool = new AgentIdentities(
      { kind: "pool", range: { first: 62990, last: 62992 }, claimsDir },
      pino({ level: "silent" }),
    );
    await pool.init();
    const a = await pool.acquire("t1");
    const b = await pool.acquire("t2");
    expect(a?.own).toBe(true);
    expect(a?.uid).not.toBe(b?.uid);
    const id = a as NonNullable<typeof a>;
    // A leftover process and a stray file of the uid.
    const stray = join(tmpdir(), `officeos-stray-${id.uid}`);
    writeFileSync(stray, "x");
    chownSync(stray, id.uid, id.gid);
    const p = spawn("setpriv", [`--reuid=${id.uid}`, `--regid=${id.gid}`, "--clear-groups", "--", "sleep", "60"], {
      stdio: "ignore",
    });
    const { processesOf } = await import("../../agent-runner/src/uid-claims.js");
    for (let i = 0; i < 500 && (await processesOf(id.uid)).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await processesOf(id.uid)).length).toBeGreaterThan(0);
    const exited = new Promise((r) => p.once("exit", r));
    await pool.release(id);
    await exited;
    expect(existsSync(stray)).toBe(false);
    expect(existsSync(join(claimsDir, String(id.uid)))).toBe(false);
    await pool.release(b as NonNullable<typeof b>);
  });
});

describe.skipIf(process.getuid?.() !== 0)("stray files of a uid (root)", () => {
  it("are searched in shared sticky directories with lstat only, not in drop boxes, and symlinks are never followed", async () => {
    const { strayFiles } = await import("../../agent-runner/src/uid-claims.js");
    const { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync: mk, symlinkSync } = await import("node:fs");
    const uid = 62995;
    const base = mk(join(tmpdir(), "officeos-strays-"));
    const sticky = join(base, "sticky");
    const drop = join(base, "drop");
    const secret = join(base, "secret");
    for (const [d, m] of [
      [sticky, 0o1777],
      [drop, 0o777],
      [secret, 0o700],
    ] as const)
      mkdirSync(d), chmodSync(d, m);
    chmodSync(base, 0o1777);
    for (const f of [join(sticky, "left"), join(drop, "kept"), join(secret, "target")]) writeFileSync(f, "x");
    chownSync(join(sticky, "left"), uid, uid);
    chownSync(join(drop, "kept"), uid, uid);
    // A link of the uid's pointing at root's file: reported as the link, the target untouched.
    symlinkSync(join(secret, "target"), join(sticky, "link"));
    lchownSync(join(sticky, "link"), uid, uid);
    const found = (await strayFiles(uid, [base])).sort();
    expect(found).toEqual([join(sticky, "left"), join(sticky, "link")]);
  });
});
