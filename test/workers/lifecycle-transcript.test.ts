// The golden transcript of the task lifecycle (issue 17, acceptance 1): every
// path a task can take, driven through the public HTTP API only, one line per
// step, compared whole with test/workers/lifecycle-transcript.golden.txt.
//
// It is the safety net of the TenantDO refactoring: the transcript is committed
// before the first refactoring commit and may change after it only where a
// divergence was decided (each such change is named in the commit that makes it).
//
// Regenerate (only for a decided change, and say so in the commit):
//   npx vitest run -c vitest.workers.config.ts test/workers/lifecycle-transcript.test.ts -u
//
// Each line: scenario | step | HTTP answer [what it said] | label: state att=attempts/max ep<epoch: =first, +change, - none>
// then only the fields the task view has: err=<error code> esc=<escalation reason> gate=<pending gate> not_before
// deadline_at appr=<decisions> res=<result> ckpt=<checkpoint seq> runner=<label>; upd=<updated_at moved, same, new>
// | ev=[task events appended since the task's previous line: type@actor-kind>state(details)].
// Ids and times never appear.
//
// Time: the tenant's clock is set (with helpers.advance, which may move it back) at the start
// of each step to the scenario's own clock, which moves 1 s per step plus what the step says,
// so the wall time a loaded machine takes between steps never reaches a deadline: every
// deadline here is a minute or more, far above the real time one step takes. Because the
// clock moves before each step, "upd=moved" means the step wrote updated_at, "upd=same" not.
import { describe, expect, it } from "vitest";
import {
  advance,
  call,
  fireAlarm,
  fixture,
  parked,
  putAgent,
  registerRunner,
  type Fixture,
  type Reply,
} from "./helpers.js";

const TTL = 600_000; // leases outlive every clock jump unless a scenario sets its own
const STEP_MS = 1000;
const MIN = 60_000;
const BACKOFF = { initial_ms: MIN, max_ms: 8 * MIN, multiplier: 2, jitter: 0 };
const NO_BACKOFF = { initial_ms: 0, max_ms: 0, jitter: 0 };
const ERR = { code: "tool_error", message: "the CRM answered 502" };

type Seen = { id: string; epoch: number | null; updated: string | null; seq: number };

/** One scenario's recorder: a fresh tenant, the tasks it follows by label, and the lines written so far. */
class Scenario {
  readonly tasks = new Map<string, Seen>();
  readonly runners = new Map<string, string>();
  readonly epochs = new Map<string, number>();
  private checkpoints = 0;
  /** The scenario's clock: the tenant's time at the last step's start. */
  private clock: number | null = null;
  /** How far advance() has moved the tenant's clock from the wall clock (a new tenant starts at 0). */
  private offset = 0;

  constructor(
    readonly name: string,
    readonly f: Fixture,
    private readonly out: string[],
  ) {}

  id(label: string): string {
    const t = this.tasks.get(label);
    if (!t) throw new Error(`no task "${label}" in ${this.name}`);
    return t.id;
  }

  runner(name: string): string {
    const r = this.runners.get(name);
    if (!r) throw new Error(`no runner "${name}" in ${this.name}`);
    return r;
  }

  /** The epoch the label's task was last leased with (as the lease or approval answer said). */
  epoch(label: string): number {
    const e = this.epochs.get(label);
    if (e === undefined) throw new Error(`task "${label}" was never leased in ${this.name}`);
    return e;
  }

  async addRunner(name: string, body: Record<string, unknown> = {}): Promise<string> {
    const id = await registerRunner(this.f, { name, capacity: {}, lease_ttl_ms: TTL, ...body });
    this.runners.set(name, id);
    return id;
  }

  /** Names ids in an answer by their labels (tasks and runners), so that no id reaches the transcript. */
  label(id: string): string {
    for (const [l, t] of this.tasks) if (t.id === id) return l;
    for (const [l, r] of this.runners) if (r === id) return l;
    return "?";
  }

  /** Sets the tenant's clock to the scenario's, moved on by 1 s and `ms`. */
  async tick(ms = 0): Promise<void> {
    // Only through helpers.advance(), the clock the other suites move too.
    this.clock = (this.clock ?? Date.now()) + STEP_MS + ms;
    const by = this.clock - (Date.now() + this.offset);
    await advance(this.f.admin, by);
    this.offset += by;
  }

  /** Runs one step (after moving the clock on, by `ms` more than a step) and records the answer and each named task. */
  async step(
    step: string,
    labels: string[],
    run: () => Promise<Reply>,
    note?: (r: Reply) => string,
    ms = 0,
  ): Promise<Reply> {
    await this.tick(ms);
    const r = await run();
    const answer =
      r.status >= 300 ? `${r.status} ${r.body?.error?.code ?? "?"}` : `${r.status}${note ? ` ${note(r)}` : ""}`;
    for (const l of labels) this.out.push(`${this.name} | ${step} | ${answer} | ${await this.describe(l)}`);
    if (labels.length === 0) this.out.push(`${this.name} | ${step} | ${answer}`);
    return r;
  }

  /** Submits a task under a label and records it. */
  async submit(label: string, body: Record<string, unknown>, step = `submit ${label}`): Promise<Reply> {
    await this.tick();
    const r = await call("POST", "/v1/tasks", this.f.submit, body);
    if (r.status === 201 && !this.tasks.has(label))
      this.tasks.set(label, { id: r.body.task.id, epoch: null, updated: null, seq: 0 });
    const answer =
      r.status >= 300 ? `${r.status} ${r.body?.error?.code ?? "?"}` : `${r.status} task=${this.label(r.body.task.id)}`;
    this.out.push(
      `${this.name} | ${step} | ${answer}${this.tasks.has(label) ? ` | ${await this.describe(label)}` : ""}`,
    );
    return r;
  }

  /** A long-poll for work; remembers the epochs handed out. */
  lease(
    runner: string,
    labels: string[],
    body: Record<string, unknown> = {},
    step = `lease ${runner}`,
  ): Promise<Reply> {
    return this.step(
      step,
      labels,
      () => this.leaseCall(runner, body),
      (r) => this.leased(r),
    );
  }

  leaseCall(runner: string, body: Record<string, unknown> = {}): Promise<Reply> {
    return call("POST", `/v1/runners/${this.runner(runner)}/lease`, this.f.runner, {
      max_tasks: 1,
      wait_ms: 0,
      ...body,
    });
  }

  leased(r: Reply): string {
    const got = (r.body.leases as { epoch: number; task: { id: string } }[]).map((l) => {
      this.epochs.set(this.label(l.task.id), l.epoch);
      return this.label(l.task.id);
    });
    return `got=[${got.join(",")}]`;
  }

  heartbeat(
    runner: string,
    held: string[],
    labels: string[],
    step = `heartbeat ${runner}`,
    epochs: Record<string, number> = {},
  ): Promise<Reply> {
    return this.step(
      step,
      labels,
      () =>
        call("POST", `/v1/runners/${this.runner(runner)}/heartbeat`, this.f.runner, {
          leases: held.map((l) => ({ task_id: this.id(l), epoch: epochs[l] ?? this.epoch(l) })),
        }),
      (r) =>
        `cancel=[${(r.body.cancel as string[]).map((id) => this.label(id)).join(",")}] preempt=[${(r.body.preempt as string[]).map((id) => this.label(id)).join(",")}]`,
    );
  }

  /** A call under the label's lease (complete, fail, release, approval), with the epoch it was leased with unless given. */
  onLease(
    step: string,
    label: string,
    verb: string,
    body: Record<string, unknown> = {},
    epoch?: number,
    note?: (r: Reply) => string,
  ): Promise<Reply> {
    return this.step(
      step,
      [label],
      () =>
        call("POST", `/v1/tasks/${this.id(label)}/${verb}`, this.f.runner, {
          epoch: epoch ?? this.epoch(label),
          ...body,
        }),
      note,
    );
  }

  checkpoint(step: string, label: string, epoch?: number): Promise<Reply> {
    return this.step(
      step,
      [label],
      () =>
        call("PUT", `/v1/tasks/${this.id(label)}/checkpoint`, this.f.runner, {
          epoch: epoch ?? this.epoch(label),
          state: { cursor: { step: ++this.checkpoints } },
        }),
      (r) => `seq=${r.body.seq}`,
    );
  }

  askApproval(step: string, label: string, gate = "send-email"): Promise<Reply> {
    return this.onLease(
      step,
      label,
      "approval",
      { gate, message: "Send 3 emails?" },
      undefined,
      (r) => `answer=${r.body.state}${r.body.decision ? `:${r.body.decision.decision}` : ""}`,
    );
  }

  cancel(step: string, label: string): Promise<Reply> {
    return this.step(step, [label], () => call("POST", `/v1/tasks/${this.id(label)}/cancel`, this.f.submit));
  }

  escalation(step: string, label: string, body: Record<string, unknown>): Promise<Reply> {
    return this.step(step, [label], () => call("POST", `/v1/escalations/${this.id(label)}`, this.f.admin, body));
  }

  decide(step: string, label: string, body: Record<string, unknown>): Promise<Reply> {
    return this.step(step, [label], () => call("POST", `/v1/approvals/${this.id(label)}`, this.f.admin, body));
  }

  /** The task as the API shows it now, normalised, and what changed since it was last described. */
  async describe(label: string): Promise<string> {
    const seen = this.tasks.get(label);
    if (!seen) throw new Error(`no task "${label}"`);
    const t = (await call("GET", `/v1/tasks/${seen.id}`, this.f.read)).body.task;
    const events = (await call("GET", `/v1/tasks/${seen.id}/events?after=${seen.seq}&limit=100`, this.f.read)).body
      .events as {
      seq: number;
      type: string;
      actor: string;
      state?: string;
      details?: Record<string, unknown>;
    }[];
    // The task view does not show the epoch: the last lease event says it.
    let epoch = seen.epoch;
    for (const e of events) if (e.type === "leased" && typeof e.details?.epoch === "number") epoch = e.details.epoch;
    const epochNote = epoch === null ? "ep-" : seen.epoch === null ? `ep=${epoch}` : `ep+${epoch - seen.epoch}`;
    const upd = seen.updated === null ? "new" : seen.updated === t.updated_at ? "same" : "moved";
    const decisions = Object.entries((t.approvals ?? {}) as Record<string, { decision: string; by: string }>)
      .map(([g, d]) => `${g}:${d.decision}@${actorKind(d.by)}`)
      .join(",");
    // Fields that are absent are left out (a field that appears or goes is the change to see).
    const fields = [
      `${label}: ${t.state}`,
      `att=${t.attempts}/${t.max_attempts}`,
      epochNote,
      t.error ? `err=${t.error.code}` : "",
      t.escalation ? `esc=${t.escalation.reason.code}${t.escalation.deadline_at ? "+deadline" : ""}` : "",
      t.gate ? `gate=${t.gate.gate}${t.gate.deadline_at ? "+deadline" : ""}` : "",
      t.not_before ? "not_before" : "",
      t.deadline_at ? "deadline_at" : "",
      decisions ? `appr=${decisions}` : "",
      t.result !== undefined ? `res=${JSON.stringify(t.result)}` : "",
      t.checkpoint_seq !== undefined ? `ckpt=${t.checkpoint_seq}` : "",
      t.runner_id ? `runner=${this.label(t.runner_id)}` : "",
      t.waiting ? `waiting=${t.waiting.reason}` : "",
      `upd=${upd}`,
    ].filter((x) => x !== "");
    const ev = events.map(
      (e) => `${e.type}@${actorKind(e.actor)}${e.state ? `>${e.state}` : ""}${eventNote(e.details)}`,
    );
    this.tasks.set(label, {
      id: seen.id,
      epoch,
      updated: t.updated_at,
      seq: events.length > 0 ? (events[events.length - 1]?.seq ?? seen.seq) : seen.seq,
    });
    return `${fields.join(" ")} | ev=[${ev.join(" ")}]`;
  }
}

function actorKind(actor: string): string {
  if (actor.startsWith("key:")) return "key";
  if (actor.startsWith("runner:")) return "runner";
  return actor; // "system", "system:timeout"
}

function eventNote(d: Record<string, unknown> | undefined): string {
  if (!d) return "";
  const parts: string[] = [];
  if (typeof d.code === "string") parts.push(d.code);
  if (typeof d.gate === "string") parts.push(`gate:${d.gate}`);
  if (d.ahead === true) parts.push("ahead");
  if (typeof d.attempt === "number") parts.push(`attempt:${d.attempt}`);
  if (d.input_edited === true) parts.push("input_edited");
  if (d.state_edited === true) parts.push("state_edited");
  if (typeof d.comment === "string") parts.push("comment");
  return parts.length > 0 ? `(${parts.join(",")})` : "";
}

type Definition = {
  name: string;
  agents: Record<string, Record<string, unknown>>;
  body: (s: Scenario) => Promise<void>;
};
const definitions: Definition[] = [];

/** Declares a scenario: a fresh tenant with these agents, then the steps. Each runs as its own test, in order. */
function scenario(
  name: string,
  agents: Record<string, Record<string, unknown>>,
  body: (s: Scenario) => Promise<void>,
): void {
  definitions.push({ name, agents, body });
}

/** Moves the clock `ms` further than a step and runs the tenant's alarm if one is set (whether one was is not recorded: how alarms are scheduled may change). */
const fire = (s: Scenario, step: string, ms: number, labels: string[]) =>
  s.step(
    step,
    labels,
    async () => {
      await fireAlarm(s.f.admin);
      return { status: 200, body: null, headers: new Headers() };
    },
    () => "alarm",
    ms,
  );

const work = { retry: { max_attempts: 3, backoff: BACKOFF } };

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
    await s.onLease("fail retryable again", "t", "fail", { error: ERR });
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

describe("the task lifecycle, step by step", () => {
  const transcripts = new Map<string, string[]>();
  for (const d of definitions)
    it(d.name, async () => {
      const f = await fixture();
      for (const [agent, spec] of Object.entries(d.agents)) await putAgent(f, agent, spec);
      const out: string[] = [];
      transcripts.set(d.name, out);
      await d.body(new Scenario(d.name, f, out));
    }, 240_000);

  it("matches the golden transcript (test/workers/lifecycle-transcript.golden.txt)", async () => {
    const text = definitions
      .map((d) => `${(transcripts.get(d.name) ?? [`${d.name} | DID NOT RUN`]).join("\n")}\n`)
      .join("\n");
    // On a mismatch: if the change is a decided one, rerun with -u and name the decision in the commit.
    await expect(text).toMatchFileSnapshot("./lifecycle-transcript.golden.txt");
  });
});
