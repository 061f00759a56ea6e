// Outcomes (complete, fail, release) that arrive within a few milliseconds of
// each other leave in one POST /v1/runners/{id}/report. Each caller still gets
// its own answer, shaped as the single call's (the control plane answers every
// item with the status its single call would have had), so a task run cannot
// tell a batched report from a single one. When the batch call itself is
// refused (an older control plane without the route, a body it will not take,
// a runner it does not know) the reports go one by one, as before.
import type { ReportAnswer, ReportItem, Task, TaskUsage } from "../../src/api/schemas.js";
import type { CallResult, ControlPlane } from "./control.js";

type Answer = CallResult<{ task: Task }>;

/** How a task run reports its outcome; ControlPlane's single calls have the same shape. */
export interface Outcomes {
  complete(taskId: string, epoch: number, result: unknown, usage?: TaskUsage): Promise<Answer>;
  fail(
    taskId: string,
    epoch: number,
    error: { code: string; message: string },
    retryable: boolean,
    usage?: TaskUsage,
  ): Promise<Answer>;
  release(taskId: string, epoch: number): Promise<Answer>;
}

interface Pending {
  item: ReportItem;
  resolve: (a: Answer) => void;
}

export interface BatcherOptions {
  /** How long the first outcome waits for others to join it. */
  windowMs?: number;
  /** A batch leaves at once when it has this many. */
  maxItems?: number;
}

export class OutcomeBatcher implements Outcomes {
  private pending: Pending[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The control plane has no report route: single calls from now on. */
  private unsupported = false;
  private readonly windowMs: number;
  private readonly maxItems: number;
  /** Report calls made and outcomes carried, for the runner's logs and the bench. */
  readonly stats = { calls: 0, items: 0, fallbacks: 0 };

  constructor(
    private readonly cp: ControlPlane,
    private readonly runnerId: () => string,
    opts: BatcherOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? 2;
    this.maxItems = opts.maxItems ?? 100;
  }

  complete(taskId: string, epoch: number, result: unknown, usage?: TaskUsage): Promise<Answer> {
    return this.add({
      task_id: taskId,
      epoch,
      outcome: "complete",
      result: (result ?? null) as Extract<ReportItem, { outcome: "complete" }>["result"],
      ...(usage ? { usage } : {}),
    });
  }

  fail(
    taskId: string,
    epoch: number,
    error: { code: string; message: string },
    retryable: boolean,
    usage?: TaskUsage,
  ): Promise<Answer> {
    return this.add({ task_id: taskId, epoch, outcome: "fail", error, retryable, ...(usage ? { usage } : {}) });
  }

  release(taskId: string, epoch: number): Promise<Answer> {
    return this.add({ task_id: taskId, epoch, outcome: "release" });
  }

  /** Sends what is waiting now (a drain does not wait out the window). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) void this.send(batch);
  }

  private add(item: ReportItem): Promise<Answer> {
    if (this.unsupported || !this.runnerId()) return this.single(item);
    return new Promise((resolve) => {
      this.pending.push({ item, resolve });
      if (this.pending.length >= this.maxItems) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private async send(batch: Pending[]): Promise<void> {
    // One outcome alone goes as the single call: same cost, and any control plane takes it.
    if (batch.length === 1) return void batch[0]?.resolve(await this.single(batch[0].item));
    this.stats.calls++;
    this.stats.items += batch.length;
    const r = await this.cp.report(
      this.runnerId(),
      batch.map((p) => p.item),
    );
    if (r.kind === "ok" && r.value.items.length === batch.length) {
      for (const [i, p] of batch.entries()) p.resolve(answerOf(r.value.items[i] as ReportAnswer["items"][number]));
      return;
    }
    if (r.kind === "network" || (r.kind === "http" && (r.status === 401 || r.status === 403 || r.status >= 500))) {
      for (const p of batch) p.resolve(r);
      return;
    }
    // 404 (no such route, or this runner is unknown there), 400/413 (a body it will not take), 405,
    // or an answer that does not match: every report on its own, as the single calls.
    if (r.kind === "http" && r.status === 404 && r.message === "no such route") this.unsupported = true;
    this.stats.fallbacks++;
    await Promise.all(batch.map(async (p) => p.resolve(await this.single(p.item))));
  }

  private single(item: ReportItem): Promise<Answer> {
    switch (item.outcome) {
      case "complete":
        return this.cp.complete(item.task_id, item.epoch, item.result, item.usage);
      case "fail":
        return this.cp.fail(item.task_id, item.epoch, item.error, item.retryable ?? true, item.usage);
      case "release":
        return this.cp.release(item.task_id, item.epoch);
    }
  }
}

function answerOf(a: ReportAnswer["items"][number]): Answer {
  if (a.status === 200 && a.task) return { kind: "ok", value: { task: a.task } };
  return {
    kind: "http",
    status: a.status,
    code: a.error?.code ?? "unknown",
    message: a.error?.message ?? `status ${a.status}`,
  };
}
