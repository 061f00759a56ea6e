// Lifecycle paths, first half (declared in transcript order): success, retries, escalations, approvals.
import { type Scenario, scenario, fire, work, NO_BACKOFF, ERR, MIN } from "./lifecycle-scenario.js";
import { call } from "./helpers.js";

{
  scenario("happy-heartbeat", { work }, async (s) => {
    await s.addRunner("r");
    await s.submit("t", { agent: "work", input: { n: 1 } });
    await s.lease("r", ["t"]);
    await s.heartbeat("r", ["t"], ["t"], "heartbeat (leased->running)");
    await s.heartbeat("r", ["t"], ["t"], "heartbeat (running)");
    await s.checkpoint("checkpoint (running)", "t");
    await s.onLease("complete", "t", "complete", { result: { ok: true } });
    await s.onLease("complete again", "t", "complete", { result: { ok: 2 } });
    await s.onLease("fail after complete", "t", "fail", { error: ERR });
    await s.cancel("cancel succeeded", "t");
    await s.decide("decide ahead on succeeded", "t", { decision: "approve", gate: "g" });
    await s.escalation("escalation action on succeeded", "t", { action: "retry" });
    await s.heartbeat("r", ["t"], ["t"], "heartbeat finished task");
    await s.checkpoint("checkpoint finished task", "t");
  });

  scenario("happy-checkpoint-first", { work }, async (s) => {
    await s.addRunner("r");
    await s.submit("t", { agent: "work" });
    await s.lease("r", ["t"]);
    await s.checkpoint("checkpoint (leased->running)", "t");
    await s.heartbeat("r", ["t"], ["t"], "heartbeat (running)");
    await s.checkpoint("checkpoint with a newer epoch", "t", s.epoch("t") + 1);
    await s.onLease("complete", "t", "complete", { result: 7 });
  });

  scenario("retry-backoff", { work }, async (s) => {
    await s.addRunner("r");
    await s.submit("t", { agent: "work" });
    await s.lease("r", ["t"]);
    await s.onLease("fail retryable", "t", "fail", { error: ERR, retryable: true });
    await s.lease("r", ["t"], {}, "lease during backoff");
    await s.onLease("complete with the old epoch", "t", "complete", { result: 1 });
    await fire(s, "alarm after backoff", MIN, ["t"]);
    await s.lease("r", ["t"]);
    // Another message: the same error twice in a row would end the retries (src/task/deterministic.ts).
    await s.onLease("fail retryable again", "t", "fail", { error: { ...ERR, message: "the CRM answered 503" } });
    await s.step(
      "lease lazily after doubled backoff",
      ["t"],
      () => s.leaseCall("r"),
      (r) => s.leased(r),
      2 * MIN,
    );
    await s.onLease("complete", "t", "complete", { result: "done" });
  });

  scenario("retry-immediate", { work: { retry: { max_attempts: 3, backoff: NO_BACKOFF } } }, async (s) => {
    await s.addRunner("r");
    await s.submit("t", { agent: "work" });
    await s.lease("r", ["t"]);
    await s.onLease("fail retryable, no backoff", "t", "fail", { error: ERR });
    await s.lease("r", ["t"]);
    await s.onLease("complete", "t", "complete", { result: 1 });
  });

  scenario("fail-not-retryable", { work }, async (s) => {
    await s.addRunner("r");
    await s.submit("t", { agent: "work" });
    await s.lease("r", ["t"]);
    await s.onLease("fail retryable=false", "t", "fail", { error: ERR, retryable: false });
    await s.cancel("cancel failed", "t");
    await s.lease("r", ["t"], {}, "lease after failure");
  });

  scenario(
    "retry-on-codes",
    {
      work: {
        retry: { max_attempts: 5, backoff: NO_BACKOFF, retry_on: ["rate_limited"], escalate_on: ["needs_human"] },
      },
    },
    async (s) => {
      await s.addRunner("r");
      await s.submit("a", { agent: "work" });
      await s.lease("r", ["a"]);
      await s.onLease("fail rate_limited (in retry_on)", "a", "fail", {
        error: { code: "rate_limited", message: "429" },
      });
      await s.lease("r", ["a"]);
      await s.onLease("fail tool_error (not in retry_on)", "a", "fail", { error: ERR });
      await s.submit("b", { agent: "work" });
      await s.lease("r", ["b"]);
      await s.onLease("fail needs_human (escalate_on)", "b", "fail", {
        error: { code: "needs_human", message: "?" },
        retryable: false,
      });
    },
  );

  scenario("on-exhausted-fail", { work: { retry: { max_attempts: 1, on_exhausted: "fail" } } }, async (s) => {
    await s.addRunner("r");
    await s.submit("t", { agent: "work" });
    await s.lease("r", ["t"]);
    await s.onLease("fail on the last attempt", "t", "fail", { error: ERR });
  });

  scenario(
    "invalid-output",
    {
      work: { retry: { max_attempts: 2, backoff: NO_BACKOFF }, output_schema: { type: "object", required: ["total"] } },
    },
    async (s) => {
      await s.addRunner("r");
      await s.submit("t", { agent: "work" });
      await s.lease("r", ["t"]);
      await s.onLease("complete breaking the output schema", "t", "complete", { result: { nope: 1 } });
      await s.lease("r", ["t"]);
      await s.onLease("complete conforming", "t", "complete", { result: { total: 3 } });
    },
  );

  const exhaust = async (s: Scenario, label = "t"): Promise<void> => {
    await s.addRunner("r");
    await s.submit(label, { agent: "crm", input: { account: 1 } });
    for (let i = 1; i <= 2; i++) {
      await s.lease("r", [label], {}, `lease attempt ${i}`);
      await s.onLease(`fail attempt ${i}`, label, "fail", { error: ERR });
    }
  };
  const crm = { crm: { retry: { max_attempts: 2, backoff: NO_BACKOFF } } };

  scenario("escalated-retry", crm, async (s) => {
    await exhaust(s);
    await s.decide("decide on escalated (no gate)", "t", { decision: "approve" });
    await s.escalation("escalation retry with edited input and state", "t", {
      action: "retry",
      input: { account: 2 },
      state: { cursor: { step: 4 } },
      comment: "CRM is back",
    });
    await s.escalation("escalation action on queued", "t", { action: "resolve", result: 1 });
    await s.lease("r", ["t"]);
    await s.step(
      "read the edited checkpoint",
      ["t"],
      () => call("GET", `/v1/tasks/${s.id("t")}/checkpoint`, s.f.runner),
      (r) => `seq=${r.body.seq} cursor=${JSON.stringify(r.body.state.cursor)}`,
    );
    await s.onLease("complete", "t", "complete", { result: { account: 2 } });
  });

  scenario("escalated-retry-plain", crm, async (s) => {
    await exhaust(s);
    await s.escalation("escalation retry", "t", { action: "retry" });
    await s.lease("r", ["t"]);
    await s.onLease("fail again", "t", "fail", { error: ERR });
    await s.lease("r", ["t"]);
    await s.onLease("fail the last of the new round", "t", "fail", { error: ERR });
  });

  scenario("escalated-resolve", crm, async (s) => {
    await exhaust(s);
    await s.escalation("escalation resolve", "t", {
      action: "resolve",
      result: { refunded: true },
      comment: "done by hand",
    });
    await s.escalation("escalation cancel after resolve", "t", { action: "cancel" });
  });

  scenario("escalated-cancel-action", crm, async (s) => {
    await exhaust(s);
    await s.escalation("cancel by the escalation action", "t", { action: "cancel" });
    await s.cancel("cancel route after", "t");
  });

  scenario("escalated-cancel-route", crm, async (s) => {
    await exhaust(s);
    await s.cancel("cancel by POST /cancel", "t");
    await s.escalation("escalation action after", "t", { action: "cancel" });
  });

  scenario(
    "escalation-timeout-fail",
    { crm: { retry: { max_attempts: 1 }, escalation: { timeout_ms: 2 * MIN, on_timeout: "fail" } } },
    async (s) => {
      await s.addRunner("r");
      await s.submit("t", { agent: "crm" });
      await s.lease("r", ["t"]);
      await s.onLease("fail the only attempt", "t", "fail", { error: ERR });
      await fire(s, "alarm at the escalation deadline", 2 * MIN, ["t"]);
    },
  );

  scenario(
    "escalation-timeout-cancel",
    { crm: { retry: { max_attempts: 1 }, escalation: { timeout_ms: 2 * MIN, on_timeout: "cancel" } } },
    async (s) => {
      await s.addRunner("r");
      await s.submit("t", { agent: "crm" });
      await s.lease("r", ["t"]);
      await s.onLease("fail the only attempt", "t", "fail", { error: ERR });
      await fire(s, "alarm at the escalation deadline", 2 * MIN, ["t"]);
    },
  );

  const mailer = (approvals?: Record<string, unknown>) => ({
    mailer: {
      resources: { cpu: 1000 },
      retry: { max_attempts: 2, backoff: NO_BACKOFF },
      ...(approvals ? { approvals } : {}),
    },
  });
  const gateRunners = async (s: Scenario): Promise<void> => {
    await s.addRunner("a", { capacity: { cpu: 1000 } });
    await s.addRunner("b", { capacity: { cpu: 1000 } });
  };

  scenario("approval-approved", mailer(), async (s) => {
    await gateRunners(s);
    await s.submit("t", { agent: "mailer" });
    await s.lease("a", ["t"]);
    await s.heartbeat("a", ["t"], ["t"]);
    await s.askApproval("ask approval", "t");
    await s.onLease("complete with the gated epoch", "t", "complete", { result: 1 });
    await s.heartbeat("a", ["t"], ["t"], "heartbeat the gated lease");
    await s.askApproval("ask again while waiting", "t");
    await s.decide("approve the wrong gate", "t", { decision: "approve", gate: "other" });
    await s.decide("approve", "t", { decision: "approve", comment: "fine" });
    await s.decide("approve again", "t", { decision: "approve" });
    await s.lease("b", ["t"]);
    await s.askApproval("reach the decided gate", "t");
    await s.onLease("complete", "t", "complete", { result: { sent: 3 } });
  });

  scenario("approval-rejected", mailer(), async (s) => {
    await gateRunners(s);
    await s.submit("t", { agent: "mailer" });
    await s.lease("a", ["t"]);
    await s.askApproval("ask approval", "t");
    await s.decide("reject", "t", { decision: "reject", comment: "no" });
    await s.lease("a", ["t"]);
    await s.askApproval("reach the rejected gate", "t");
    await s.onLease("fail as rejected", "t", "fail", {
      error: { code: "rejected", message: "a person said no" },
      retryable: false,
    });
  });

  scenario("approval-decided-ahead", mailer(), async (s) => {
    await gateRunners(s);
    await s.submit("t", { agent: "mailer" });
    await s.decide("decide ahead without a gate", "t", { decision: "approve" });
    await s.decide("reject ahead", "t", { decision: "reject", gate: "wire-money", comment: "no" });
    await s.decide("decide the same gate ahead again", "t", { decision: "approve", gate: "wire-money" });
    await s.lease("a", ["t"]);
    await s.decide("approve ahead while leased", "t", { decision: "approve", gate: "send-email" });
    await s.askApproval("reach the rejected gate", "t", "wire-money");
    await s.askApproval("reach the approved gate", "t", "send-email");
    await s.onLease("complete", "t", "complete", { result: 1 });
  });

  for (const onTimeout of ["approve", "reject", "cancel", "escalate"]) {
    scenario(`approval-timeout-${onTimeout}`, mailer({ timeout_ms: 2 * MIN, on_timeout: onTimeout }), async (s) => {
      await gateRunners(s);
      await s.submit("t", { agent: "mailer" });
      await s.lease("a", ["t"]);
      await s.askApproval("ask approval", "t");
      await fire(s, "alarm at the gate deadline", 2 * MIN, ["t"]);
      if (onTimeout === "escalate") await s.escalation("escalation retry", "t", { action: "retry" });
    });
  }

  scenario(
    "task-timeout-awaiting-approval",
    { mailer: { retry: { max_attempts: 2 }, timeouts: { task_ms: 3 * MIN } } },
    async (s) => {
      await s.addRunner("a");
      await s.submit("t", { agent: "mailer" });
      await s.lease("a", ["t"]);
      await s.askApproval("ask approval", "t");
      await s.escalation("escalation action while awaiting approval", "t", { action: "resolve", result: 1 });
      await fire(s, "alarm past the task limit while awaiting approval", 3 * MIN, ["t"]);
      await s.decide("approve after the task limit", "t", { decision: "approve" });
      await s.lease("a", ["t"], {}, "lease after the approval");
    },
  );

  scenario("approval-cancelled", mailer(), async (s) => {
    await gateRunners(s);
    await s.submit("t", { agent: "mailer" });
    await s.lease("a", ["t"]);
    await s.askApproval("ask approval", "t");
    await s.cancel("cancel while awaiting approval", "t");
    await s.decide("approve after cancel", "t", { decision: "approve" });
  });

  scenario(
    "preemption",
    { batch: { resources: { cpu: 1000 }, retry: { max_attempts: 1 } }, vip: { resources: { cpu: 1000 } } },
    async (s) => {
      await s.addRunner("r", { capacity: { cpu: 1000 } });
      await s.submit("low", { agent: "batch", priority: 0 });
      await s.lease("r", ["low"]);
      await s.heartbeat("r", ["low"], ["low"]);
      await s.submit("vip", { agent: "vip", priority: 10 });
      await s.heartbeat("r", ["low"], ["low", "vip"], "heartbeat asks to preempt");
      await s.checkpoint("checkpoint before release", "low");
      await s.onLease("release the preempted lease", "low", "release");
      await s.lease("r", ["vip", "low"], { max_tasks: 2 }, "lease after release");
      await s.onLease("complete vip", "vip", "complete", { result: 1 });
      await s.lease("r", ["low"]);
      await s.onLease("complete low", "low", "complete", { result: 2 });
    },
  );
}
