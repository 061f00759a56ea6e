import { advance, call, fireAlarm, registerRunner, type Fixture, type Reply } from "./helpers.js";

export const TTL = 600_000; // leases outlive every clock jump unless a scenario sets its own
export const STEP_MS = 1000;
export const MIN = 60_000;
export const BACKOFF = { initial_ms: MIN, max_ms: 8 * MIN, multiplier: 2, jitter: 0 };
export const NO_BACKOFF = { initial_ms: 0, max_ms: 0, jitter: 0 };
export const ERR = { code: "tool_error", message: "the CRM answered 502" };

export type Seen = { id: string; epoch: number | null; updated: string | null; seq: number };

/** One scenario's recorder: a fresh tenant, the tasks it follows by label, and the lines written so far. */
export class Scenario {
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

export function actorKind(actor: string): string {
  if (actor.startsWith("key:")) return "key";
  if (actor.startsWith("runner:")) return "runner";
  return actor; // "system", "system:timeout"
}

export function eventNote(d: Record<string, unknown> | undefined): string {
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

export type Definition = {
  name: string;
  agents: Record<string, Record<string, unknown>>;
  body: (s: Scenario) => Promise<void>;
};
export const definitions: Definition[] = [];

/** Declares a scenario: a fresh tenant with these agents, then the steps. Each runs as its own test, in order. */
export function scenario(
  name: string,
  agents: Record<string, Record<string, unknown>>,
  body: (s: Scenario) => Promise<void>,
): void {
  definitions.push({ name, agents, body });
}

/** Moves the clock `ms` further than a step and runs the tenant's alarm if one is set (whether one was is not recorded: how alarms are scheduled may change). */
export const fire = (s: Scenario, step: string, ms: number, labels: string[]) =>
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

export const work = { retry: { max_attempts: 3, backoff: BACKOFF } };
