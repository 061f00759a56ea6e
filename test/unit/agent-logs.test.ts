// The runner's pure cores for captured agent output (docs/logs.md): the scrubber, the per-attempt
// capper and line cutter with its stderr tail, the exit report that carries the tail, and the
// shipper that batches every attempt's lines into few calls.
import { describe, expect, it } from "vitest";
import {
  AttemptLog,
  cutUtf8,
  jsonCost,
  TAIL_BYTES,
  TAIL_LINES,
  type LogLimits,
} from "../../agent-runner/src/log-capture.js";
import { headerValues, REDACTED, Scrubber, secretEnvValues } from "../../agent-runner/src/log-scrub.js";
import { LogShipper, type LogBatch } from "../../agent-runner/src/log-ship.js";
import { exitReport } from "../../agent-runner/src/task-exit.js";

const TOKEN = "a".repeat(20) + "f00d".repeat(11);

describe("Scrubber", () => {
  it("replaces every occurrence of every secret, the longest first", () => {
    const s = new Scrubber([TOKEN, "sk-live-123456", `${TOKEN}-extra`]);
    expect(s.scrub(`token=${TOKEN} and again ${TOKEN}; key sk-live-123456`)).toBe(
      `token=${REDACTED} and again ${REDACTED}; key ${REDACTED}`,
    );
    expect(s.scrub(`${TOKEN}-extra`)).toBe(REDACTED);
    expect(s.scrub("nothing secret here")).toBe("nothing secret here");
  });

  it("ignores empty and very short values (they would mangle ordinary output)", () => {
    const s = new Scrubber(["", undefined, null, "1", "yes"]);
    expect(s.size).toBe(0);
    expect(s.scrub("1 yes")).toBe("1 yes");
  });

  it("finds secret env values by secret_env and by name, and header credentials", () => {
    const env = { API_TOKEN: "tok-abcdefgh", DB_PASSWORD: "hunter2hunter2", MODE: "production", CRM: "crm-secret-1" };
    expect(secretEnvValues(env, ["CRM"]).sort()).toEqual(["crm-secret-1", "hunter2hunter2", "tok-abcdefgh"]);
    expect(headerValues({ authorization: "Bearer sk-tool-999999" }, undefined)).toEqual([
      "Bearer sk-tool-999999",
      "sk-tool-999999",
    ]);
  });
});

const small: LogLimits = { maxLines: 5, maxBytes: 1000, maxLineBytes: 40 };

describe("AttemptLog", () => {
  it("numbers lines from 0 per attempt, scrubbed, with their stream", () => {
    const log = new AttemptLog(new Scrubber([TOKEN]));
    log.push("stdout", "hello", 1);
    log.push("stderr", `my token is ${TOKEN}`, 2);
    expect(log.take(10, 10_000)).toEqual([
      { n: 0, at: 1, stream: "stdout", text: "hello" },
      { n: 1, at: 2, stream: "stderr", text: `my token is ${REDACTED}` },
    ]);
    expect(log.waiting).toBe(0);
  });

  it("cuts a long line with a marker, never inside a character", () => {
    const log = new AttemptLog(new Scrubber([]), small);
    log.push("stdout", "é".repeat(100), 0);
    const [line] = log.take(1, 10_000);
    expect(line?.text.startsWith("é".repeat(20))).toBe(true);
    expect(line?.text).toContain("[line cut: 200 bytes, kept 40]");
    expect(cutUtf8("aé", 2)).toBe("a");
  });

  it("caps an attempt's lines: one marker line, then nothing", () => {
    const log = new AttemptLog(new Scrubber([]), small);
    for (let i = 0; i < 20; i++) log.push("stdout", `line ${i}`, i);
    const lines = log.take(100, 100_000);
    expect(lines).toHaveLength(6);
    expect(lines.slice(0, 5).map((l) => l.text)).toEqual(["line 0", "line 1", "line 2", "line 3", "line 4"]);
    expect(lines[5]?.text).toMatch(/^\[officeos: output cut at 5 lines/);
    expect(log.dropped).toBe(15);
    // stderr past the cap is not stored, but the tail still follows it.
    log.push("stderr", "the real error", 99);
    expect(log.waiting).toBe(0);
    expect(log.stderrTail()).toBe("the real error");
  });

  it("caps an attempt's bytes", () => {
    const log = new AttemptLog(new Scrubber([]), { maxLines: 1000, maxBytes: 25, maxLineBytes: 100 });
    for (let i = 0; i < 5; i++) log.push("stdout", "0123456789", i);
    const texts = log.take(100, 100_000).map((l) => l.text);
    expect(texts.slice(0, 2)).toEqual(["0123456789", "0123456789"]);
    expect(texts[2]).toMatch(/output cut at 2 lines \/ 20 bytes/);
    expect(texts).toHaveLength(3);
  });

  it("keeps the last stderr lines for the tail, scrubbed, within its line and byte bounds", () => {
    const log = new AttemptLog(new Scrubber([TOKEN]));
    expect(log.stderrTail()).toBe("");
    for (let i = 0; i < 30; i++) log.push(i % 2 ? "stderr" : "stdout", `e${i} ${TOKEN}`, i);
    const tail = log.stderrTail().split("\n");
    expect(tail).toHaveLength(Math.min(15, TAIL_LINES));
    expect(tail.at(-1)).toBe(`e29 ${REDACTED}`);
    expect(tail.join("\n")).not.toContain(TOKEN);
    const big = new AttemptLog(new Scrubber([]), { maxLines: 100, maxBytes: 1e6, maxLineBytes: 3000 });
    for (let i = 0; i < 10; i++) big.push("stderr", String(i).repeat(1000), i);
    expect(Buffer.byteLength(big.stderrTail())).toBeLessThanOrEqual(TAIL_BYTES);
    expect(big.stderrTail().endsWith("9".repeat(1000))).toBe(true);
  });

  it("takes within a byte budget and puts back lines a failed send took", () => {
    const log = new AttemptLog(new Scrubber([]));
    for (let i = 0; i < 10; i++) log.push("stdout", "x".repeat(100), i);
    const first = log.take(100, 400);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(10);
    log.putBack(first);
    expect(log.take(100, 1e6).map((l) => l.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The budget is the JSON the line becomes: control characters escape to six bytes each.
    const ctl = new AttemptLog(new Scrubber([]));
    for (let i = 0; i < 10; i++) ctl.push("stdout", "\u0001".repeat(1000), i);
    expect(jsonCost("\u0001".repeat(1000))).toBe(6002 + 64);
    expect(ctl.take(100, 20_000)).toHaveLength(3);
  });
});

describe("exitReport", () => {
  const facts = {
    reason: null,
    code: 1,
    signal: null,
    oom: false,
    memoryMb: undefined,
    stallMs: null,
    diskFull: false,
    diskMb: undefined,
  };
  it("a failed exit carries the stderr tail in error.details", () => {
    const r = exitReport({ ...facts, stderrTail: "Error: Cannot find module 'x'" });
    expect(r.kind === "fail" && r.error.details).toEqual({ stderr_tail: "Error: Cannot find module 'x'" });
  });
  it("no tail, no details; a release never has one", () => {
    const r = exitReport({ ...facts, stderrTail: "" });
    expect(r.kind === "fail" && "details" in r.error).toBe(false);
    expect(exitReport({ ...facts, reason: "drain", stderrTail: "x" })).toEqual({ kind: "release" });
  });
});

describe("LogShipper", () => {
  const until = async (f: () => boolean, ms = 5_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!f()) {
      if (Date.now() > end) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it("sends every attempt's waiting lines in one call after flushMs, not one call per line", async () => {
    const calls: LogBatch[][] = [];
    const ship = new LogShipper(async (b) => (calls.push(b), "ok"), { flushMs: 30 });
    const a = new AttemptLog(new Scrubber([]));
    const b = new AttemptLog(new Scrubber([]));
    ship.add("t1", 3, "inst-1", 1, a);
    ship.add("t2", 4, "inst-2", 2, b);
    for (let i = 0; i < 50; i++) {
      a.push("stdout", `a${i}`, Date.now());
      b.push("stderr", `b${i}`, Date.now());
      ship.poke();
    }
    await until(() => calls.length > 0);
    expect(calls).toHaveLength(1);
    const [ba, bb] = calls[0] as LogBatch[];
    expect(ba).toMatchObject({ task_id: "t1", epoch: 3, instance: "inst-1", attempt: 1 });
    expect(ba?.lines).toHaveLength(50);
    expect(bb).toMatchObject({ task_id: "t2", attempt: 2 });
    expect(bb?.lines[0]).toMatchObject({ n: 0, stream: "stderr", text: "b0" });
    expect(typeof bb?.lines[0]?.at).toBe("string");
    expect(ship.stats).toMatchObject({ calls: 1, lines: 100 });
  });

  it("splits a large backlog into calls within the line budget", async () => {
    const sizes: number[] = [];
    const ship = new LogShipper(async (b) => (sizes.push(b.reduce((s, x) => s + x.lines.length, 0)), "ok"), {
      flushMs: 10,
      maxLines: 100,
    });
    const a = new AttemptLog(new Scrubber([]));
    ship.add("t", 1, "i", 1, a);
    for (let i = 0; i < 250; i++) a.push("stdout", `l${i}`, 0);
    await ship.flush();
    expect(sizes).toEqual([100, 100, 50]);
  });

  it("keeps the lines of a failed send and sends them again, in order; an ended attempt is flushed and forgotten", async () => {
    let fail = true;
    const got: number[] = [];
    const ship = new LogShipper(
      async (b) => {
        if (fail) return "retry";
        for (const x of b) got.push(...x.lines.map((l) => l.n));
        return "ok";
      },
      { flushMs: 10_000 },
    );
    const a = new AttemptLog(new Scrubber([]));
    ship.add("t", 1, "i", 1, a);
    for (let i = 0; i < 3; i++) a.push("stdout", `l${i}`, 0);
    await ship.flush();
    expect(got).toEqual([]);
    expect(a.waiting).toBe(3);
    fail = false;
    a.push("stdout", "l3", 0);
    await ship.flushAttempt("t", 1);
    expect(got).toEqual([0, 1, 2, 3]);
    a.push("stdout", "after the end", 0);
    await ship.flush();
    expect(got).toEqual([0, 1, 2, 3]);
  });
});
