// Lifecycle paths, second half (declared in transcript order): expiry, timeouts, cancel, drain, batches.
import { scenario, fire, work, BACKOFF, NO_BACKOFF, ERR, MIN } from "./lifecycle-scenario.js";
import { call, parked, type Reply } from "./helpers.js";

{
  scenario("lease-expiry", { echo: { retry: { max_attempts: 2, backoff: BACKOFF } } }, async (s) => {
    await s.addRunner("lost", { lease_ttl_ms: 2 * MIN });
    await s.addRunner("other", { lease_ttl_ms: 2 * MIN });
    await s.submit("t", { agent: "echo" });
    await s.lease("lost", ["t"]);
    await fire(s, "alarm past the TTL", 2 * MIN, ["t"]);
    await s.onLease("complete with the expired lease", "t", "complete", { result: 1 });
    await s.heartbeat("lost", ["t"], ["t"], "heartbeat the expired lease");
    await s.heartbeat("other", [], [], "heartbeat other (alive)");
    await s.lease("lost", ["t"], {}, "lease lost (avoided)");
    await s.lease("other", ["t"]);
    await s.heartbeat("other", ["t"], ["t"]);
    await s.step(
      "lazy expiry of a running lease on the next request",
      ["t"],
      () => call("GET", `/v1/tasks/${s.id("t")}`, s.f.read),
      undefined,
      2 * MIN,
    );
  });

  scenario(
    "attempt-and-task-timeout",
    { slow: { retry: { max_attempts: 5, backoff: NO_BACKOFF }, timeouts: { attempt_ms: 2 * MIN, task_ms: 3 * MIN } } },
    async (s) => {
      await s.addRunner("r");
      await s.submit("t", { agent: "slow" });
      await s.lease("r", ["t"]);
      await s.heartbeat("r", ["t"], ["t"]);
      await fire(s, "alarm at the attempt limit", 2 * MIN, ["t"]);
      await s.onLease("complete the timed-out attempt", "t", "complete", { result: 1 });
      await s.lease("r", ["t"]);
      await fire(s, "alarm at the task limit", MIN, ["t"]);
    },
  );

  scenario("task-timeout-queued", { slow: { timeouts: { task_ms: 3 * MIN } } }, async (s) => {
    await s.submit("t", { agent: "slow" });
    await fire(s, "alarm at the task limit, never leased", 3 * MIN, ["t"]);
  });

  scenario(
    "task-timeout-retry-wait",
    {
      slow: {
        retry: { max_attempts: 3, backoff: { initial_ms: 8 * MIN, max_ms: 8 * MIN, jitter: 0 } },
        timeouts: { task_ms: 3 * MIN },
      },
    },
    async (s) => {
      await s.addRunner("r");
      await s.submit("t", { agent: "slow" });
      await s.lease("r", ["t"]);
      await s.onLease("fail into a long backoff", "t", "fail", { error: ERR });
      await fire(s, "alarm at the task limit while waiting", 3 * MIN, ["t"]);
    },
  );

  scenario("cancel", { work }, async (s) => {
    await s.addRunner("r");
    await s.submit("queued", { agent: "work", priority: -1 });
    await s.submit("leased", { agent: "work" });
    await s.submit("running", { agent: "work" });
    await s.lease("r", ["leased", "running"], { max_tasks: 2 });
    await s.heartbeat("r", ["running"], ["running"]);
    await s.cancel("cancel queued", "queued");
    await s.cancel("cancel leased", "leased");
    await s.cancel("cancel running", "running");
    await s.cancel("cancel again", "running");
    await s.heartbeat("r", ["leased", "running"], ["leased", "running"], "heartbeat answers cancel");
    await s.onLease("complete cancelled", "running", "complete", { result: 1 });
    await s.onLease("release cancelled", "leased", "release");
    await s.lease("r", ["queued"], {}, "lease after cancels");
  });

  scenario("cancel-retry-wait", { work }, async (s) => {
    await s.addRunner("r");
    await s.submit("t", { agent: "work" });
    await s.lease("r", ["t"]);
    await s.onLease("fail into backoff", "t", "fail", { error: ERR });
    await s.decide("decide ahead while in retry_wait", "t", { decision: "approve", gate: "g" });
    await s.escalation("escalation action while in retry_wait", "t", { action: "retry" });
    await s.heartbeat("r", ["t"], ["t"], "heartbeat while in retry_wait");
    await s.cancel("cancel while in retry_wait", "t");
    await fire(s, "alarm after the backoff", MIN, ["t"]);
  });

  scenario("drain", { work }, async (s) => {
    await s.addRunner("old");
    await s.submit("t", { agent: "work" });
    await s.lease("old", ["t"]);
    await s.heartbeat("old", ["t"], ["t"]);
    await s.step(
      "drain the runner",
      ["t"],
      () => call("DELETE", `/v1/runners/${s.runner("old")}`, s.f.runner),
      (r) => `runner=${r.body.runner.state}`,
    );
    await s.lease("old", ["t"], {}, "lease on a draining runner");
    await s.heartbeat("old", ["t"], ["t"], "heartbeat while draining");
    await s.onLease("release on drain", "t", "release");
    await s.addRunner("new");
    await s.lease("new", ["t"]);
    await s.onLease("complete", "t", "complete", { result: 1 });
  });

  scenario("release", { work: { retry: { max_attempts: 1 } } }, async (s) => {
    await s.addRunner("r");
    await s.submit("t", { agent: "work" });
    await s.lease("r", ["t"]);
    await s.onLease("release", "t", "release");
    await s.onLease("release again", "t", "release");
    await s.lease("r", ["t"]);
    await s.heartbeat("r", ["t"], ["t"]);
    await s.onLease("release running", "t", "release");
    await s.lease("r", ["t"]);
    await s.onLease("complete", "t", "complete", { result: 1 });
  });

  scenario("idempotent-resubmit", { work }, async (s) => {
    await s.addRunner("r");
    await s.submit("t", { agent: "work", input: { n: 1 }, idempotency_key: "k-1" });
    await s.submit("t", { agent: "work", input: { n: 1 }, idempotency_key: "k-1" }, "resubmit the same");
    await s.submit(
      "t",
      { agent: "work", input: { n: 2 }, idempotency_key: "k-1" },
      "resubmit the key with another input",
    );
    await s.lease("r", ["t"]);
    await s.onLease("complete", "t", "complete", { result: 1 });
    await s.submit("t", { agent: "work", input: { n: 1 }, idempotency_key: "k-1" }, "resubmit after it finished");
    await s.step("submit an unknown agent", [], () => call("POST", "/v1/tasks", s.f.submit, { agent: "nope" }));
  });

  scenario("batch-and-report", { work }, async (s) => {
    await s.addRunner("r");
    await s.step(
      "submit a batch",
      [],
      async () => {
        const r = await call("POST", "/v1/tasks/batch", s.f.submit, {
          tasks: [
            { agent: "work", input: 1 },
            { agent: "work", input: 2 },
            { agent: "work", input: 3 },
            { agent: "nope" },
          ],
        });
        (r.body.items as { status: number; task?: { id: string } }[]).forEach((it, i) => {
          if (it.task)
            s.tasks.set(["a", "b", "c"][i] ?? `x${i}`, { id: it.task.id, epoch: null, updated: null, seq: 0 });
        });
        return r;
      },
      (r) => `items=[${(r.body.items as { status: number }[]).map((i) => i.status).join(",")}]`,
    );
    await s.lease("r", ["a", "b", "c"], { max_tasks: 3 });
    await s.step(
      "report complete, fail, release and a stale one",
      ["a", "b", "c"],
      () =>
        call("POST", `/v1/runners/${s.runner("r")}/report`, s.f.runner, {
          reports: [
            { task_id: s.id("a"), epoch: s.epoch("a"), outcome: "complete", result: 1 },
            { task_id: s.id("b"), epoch: s.epoch("b"), outcome: "fail", error: ERR, retryable: false },
            { task_id: s.id("c"), epoch: s.epoch("c"), outcome: "release" },
            { task_id: s.id("a"), epoch: s.epoch("a"), outcome: "complete", result: 2 },
          ],
        }),
      (r) =>
        `items=[${(r.body.items as { status: number; task?: { state: string } }[]).map((i) => `${i.status}${i.task ? `:${i.task.state}` : ""}`).join(",")}]`,
    );
  });

  // Settling a task hands the capacity it frees to a parked long-poll in the same call
  // (issue 17: "settling a task can lease and answer another runner's parked poll").
  scenario("settle-serves-parked-poll", { big: { resources: { cpu: 1000 } } }, async (s) => {
    await s.addRunner("r", { capacity: { cpu: 1000 } });
    await s.submit("first", { agent: "big" });
    await s.submit("second", { agent: "big" });
    await s.lease("r", ["first", "second"]);
    let poll: Promise<Reply> | undefined;
    await s.step(
      "park a long-poll",
      ["second"],
      async () => {
        poll = s.leaseCall("r", { wait_ms: 20_000 });
        await parked(s.f.admin, 1);
        return { status: 202, body: null, headers: new Headers() } as Reply;
      },
      () => "parked",
    );
    await s.onLease("complete first", "first", "complete", { result: 1 });
    await s.step(
      "the parked poll answers",
      ["second"],
      () => poll as Promise<Reply>,
      (r) => s.leased(r),
    );
    await s.step(
      "park again, then report second",
      ["second"],
      async () => {
        poll = s.leaseCall("r", { wait_ms: 200 });
        await parked(s.f.admin, 1);
        return call("POST", `/v1/runners/${s.runner("r")}/report`, s.f.runner, {
          reports: [{ task_id: s.id("second"), epoch: s.epoch("second"), outcome: "complete", result: 2 }],
        });
      },
      (r) => `items=[${(r.body.items as { status: number }[]).map((i) => i.status).join(",")}]`,
    );
    await s.step(
      "the second poll times out empty",
      [],
      () => poll as Promise<Reply>,
      (r) => s.leased(r),
    );
  });

  scenario("stranger-and-stale-heartbeats", { work }, async (s) => {
    await s.addRunner("r");
    await s.addRunner("stranger");
    await s.submit("t", { agent: "work" });
    await s.lease("r", ["t"]);
    await s.heartbeat("stranger", ["t"], ["t"], "a stranger heartbeats the lease");
    await s.heartbeat("r", ["t"], ["t"], "heartbeat a stale epoch", { t: s.epoch("t") + 1 });
    await s.onLease("complete from a stale epoch", "t", "complete", { result: 1 }, s.epoch("t") + 1);
    await s.heartbeat("r", ["t"], ["t"]);
    await s.onLease("complete", "t", "complete", { result: 1 });
  });
}
