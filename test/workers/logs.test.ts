// GET /v1/tasks/{id}/logs and the runner's batches (heartbeat `logs`), stored by the AgentDO of the
// task's instance (docs/logs.md): pages with after/limit, the attempt filter, long-polls that answer
// when a line arrives, 400s naming the parameter, 404, lease-proof of batches, retention.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  call,
  expectError,
  fixture,
  getTask,
  lease,
  leaseTokenOf,
  ok,
  putAgent,
  registerRunner,
  submit,
  tenantIdOf,
  type Fixture,
} from "./helpers.js";

interface Leased {
  runnerId: string;
  id: string;
  epoch: number;
  instance: string;
  attempt: number;
}

async function leased(f: Fixture, retries = 1): Promise<Leased> {
  await putAgent(f, "echo", { retry: { max_attempts: retries + 1, backoff: { initial_ms: 0, max_ms: 0, jitter: 0 } } });
  const runnerId = await registerRunner(f, { name: "r1", capacity: {}, lease_ttl_ms: 30_000 });
  const task = await submit(f, { agent: "echo" });
  const [l] = await lease(f, runnerId);
  return { runnerId, id: task.id, epoch: l.epoch, instance: l.task.instance, attempt: l.task.attempts };
}

const at = (ms = Date.now()) => new Date(ms).toISOString();
const lines = (from: number, n: number, stream: "stdout" | "stderr" = "stdout", when = Date.now()) =>
  Array.from({ length: n }, (_, i) => ({ n: from + i, at: at(when), stream, text: `line ${from + i}` }));

async function ship(f: Fixture, l: Leased, ls: unknown[], token = leaseTokenOf(l.id, l.epoch)) {
  const batch = { task_id: l.id, epoch: l.epoch, instance: l.instance, attempt: l.attempt, lines: ls };
  return ok(
    call("POST", `/v1/runners/${l.runnerId}/heartbeat`, f.runner, {
      leases: [],
      logs: [{ ...batch, ...(token ? { lease_token: token } : {}) }],
    }),
  );
}

const logs = (f: Fixture, id: string, q = "") => call("GET", `/v1/tasks/${id}/logs${q}`, f.read);

describe("task logs", () => {
  it("returns shipped lines oldest first with seq, at, attempt and stream; pages with after and limit; a resent line is stored once", async () => {
    const f = await fixture();
    const l = await leased(f);
    await ship(f, l, [...lines(0, 3), ...lines(3, 2, "stderr")]);
    await ship(f, l, lines(3, 4)); // 3 and 4 again (a resend), 5 and 6 new
    const all = await ok(logs(f, l.id));
    expect(all.lines.map((x: any) => x.text)).toEqual([
      "line 0",
      "line 1",
      "line 2",
      "line 3",
      "line 4",
      "line 5",
      "line 6",
    ]);
    expect(all.lines.map((x: any) => x.stream)).toEqual([
      "stdout",
      "stdout",
      "stdout",
      "stderr",
      "stderr",
      "stdout",
      "stdout",
    ]);
    expect(all.lines[0]).toMatchObject({ attempt: 1, at: expect.any(String), seq: expect.any(Number) });
    expect(all.next).toBe(all.lines.at(-1).seq);

    const p1 = await ok(logs(f, l.id, "?limit=3"));
    expect(p1.lines.map((x: any) => x.text)).toEqual(["line 0", "line 1", "line 2"]);
    const p2 = await ok(logs(f, l.id, `?limit=3&after=${p1.next}`));
    expect(p2.lines.map((x: any) => x.text)).toEqual(["line 3", "line 4", "line 5"]);
    const p3 = await ok(logs(f, l.id, `?limit=3&after=${p2.next}`));
    expect(p3.lines.map((x: any) => x.text)).toEqual(["line 6"]);
    const p4 = await ok(logs(f, l.id, `?after=${p3.next}`));
    expect(p4).toEqual({ lines: [], next: p3.next });
  });

  it("filters by attempt; the failed attempt's error keeps details.stderr_tail; next is null once the task is finished", async () => {
    const f = await fixture();
    const a1 = await leased(f, 1);
    await ship(f, a1, lines(0, 2, "stderr"));
    const failed = await ok(
      call("POST", `/v1/tasks/${a1.id}/fail`, f.runner, {
        epoch: a1.epoch,
        error: {
          code: "agent_exited",
          message: "agent exited with code 1",
          details: { stderr_tail: "line 0\nline 1" },
        },
        retryable: true,
      }),
    );
    expect(failed.task.error.details).toEqual({ stderr_tail: "line 0\nline 1" });
    const [l2] = await lease(f, a1.runnerId);
    const a2 = { ...a1, epoch: l2.epoch, attempt: l2.task.attempts };
    expect(a2.attempt).toBe(2);
    await ship(f, a2, lines(0, 3));
    const second = await ok(logs(f, a1.id, "?attempt=2"));
    expect(second.lines).toHaveLength(3);
    expect(second.lines.every((x: any) => x.attempt === 2 && x.stream === "stdout")).toBe(true);
    const first = await ok(logs(f, a1.id, "?attempt=1"));
    expect(first.lines.map((x: any) => [x.attempt, x.stream])).toEqual([
      [1, "stderr"],
      [1, "stderr"],
    ]);
    expect((await ok(logs(f, a1.id))).lines).toHaveLength(5);

    await ok(call("POST", `/v1/tasks/${a1.id}/complete`, f.runner, { epoch: a2.epoch, result: {} }));
    const done = await ok(logs(f, a1.id, "?wait_ms=20000"));
    expect(done.lines).toHaveLength(5);
    expect(done.next).toBeNull();
  });

  it("wait_ms long-polls: the answer comes when a line arrives", async () => {
    const f = await fixture();
    const l = await leased(f);
    await ship(f, l, lines(0, 1));
    const first = await ok(logs(f, l.id));
    const started = Date.now();
    const polled = logs(f, l.id, `?after=${first.next}&wait_ms=25000`);
    let answered = false;
    void polled.then(() => (answered = true));
    // Ship only once the poll is waiting for more than the object's own read: the line must wake it.
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    await ship(f, l, lines(1, 1, "stderr"));
    const r = await ok(polled);
    expect(r.lines.map((x: any) => [x.text, x.stream])).toEqual([["line 1", "stderr"]]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("refuses bad parameters with a 400 naming each, and an unknown task with 404", async () => {
    const f = await fixture();
    const l = await leased(f);
    for (const [q, name] of [
      ["?limit=0", "limit"],
      ["?limit=5000", "limit"],
      ["?limit=abc", "limit"],
      ["?after=-1", "after"],
      ["?attempt=0", "attempt"],
      ["?wait_ms=60000", "wait_ms"],
      ["?wait_ms=1.5", "wait_ms"],
    ] as const) {
      const r = await logs(f, l.id, q);
      expectError(r, 400, "bad_request");
      expect(r.body.error.message).toContain(`query parameter ${name}`);
      expect(r.body.error.details).toEqual({ parameter: name });
    }
    expectError(await logs(f, "no-such-task"), 404, "not_found");
  });

  it("drops a batch its lease token does not prove; a heartbeat with only logs extends nothing", async () => {
    const f = await fixture();
    const l = await leased(f);
    const hb = await ship(f, l, lines(0, 2), "not-a-token");
    expect(hb).toMatchObject({ cancel: [], preempt: [] });
    await ship(f, l, lines(0, 1), "");
    expect((await ok(logs(f, l.id))).lines).toEqual([]);
    expect((await getTask(f, l.id)).state).toBe("leased");
    const bad = await call("POST", `/v1/runners/${l.runnerId}/heartbeat`, f.runner, {
      leases: [],
      logs: [
        {
          task_id: l.id,
          epoch: l.epoch,
          instance: l.instance,
          attempt: 1,
          lines: [{ n: 0, at: "soon", stream: "x", text: "" }],
        },
      ],
    });
    expectError(bad, 400, "bad_request");
  });

  it("keeps lines OFFICEOS_LOG_RETENTION_DAYS (7 by default) after they were written: the object's alarm deletes older ones", async () => {
    const f = await fixture();
    const l = await leased(f);
    const old = Date.now() - 8 * 24 * 3600 * 1000;
    await ship(f, l, [...lines(0, 2, "stdout", old), ...lines(2, 1)]);
    // The first write arms the alarm for the oldest line's expiry, here already past: it may have run by now.
    const agent = env.AGENT.get(env.AGENT.idFromName(`${tenantIdOf(f.admin)}/${l.instance}`));
    await runDurableObjectAlarm(agent);
    expect((await ok(logs(f, l.id))).lines.map((x: any) => x.text)).toEqual(["line 2"]);
    // The fresh line's own expiry is what the alarm waits for next.
    const next = await runInDurableObject(agent, (_o, state: DurableObjectState) => state.storage.getAlarm());
    expect(next).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000);
  });
});
