// Refused runtime-API requests go to the tenant's audit log as `runtime.denied`,
// in batches: a hostile agent can send thousands of bad requests a second, and
// each must not become a control-plane call. Denials are counted per task and
// flushed at most once per `flushMs` (one event per task that had any, with a
// few samples); a flush in flight holds the next one back, so the calls never
// pile up however fast the agent sends.
import type { Logger } from "pino";

export interface Denial {
  method: string;
  /** The raw target, cut short; kept as a JSON string, never interpreted. */
  target: string;
  status: number;
  code: string;
}

export interface DenialDetails {
  count: number;
  codes: Record<string, number>;
  samples: Denial[];
  unsampled?: number;
}

export type AuditSend = (
  taskId: string | undefined,
  details: DenialDetails,
) => Promise<{ kind: string; message?: string }>;

interface Pending {
  count: number;
  codes: Record<string, number>;
  samples: Denial[];
}

export interface DenialOptions {
  flushMs?: number;
  /** Samples kept per task per flush; the rest are only counted. */
  maxSamples?: number;
  /** Distinct tasks held per flush; denials of further tasks are counted under no task. */
  maxTasks?: number;
  log?: Logger;
}

const TARGET_MAX = 200;
const NO_TASK = "";

export class RuntimeDenials {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private readonly flushMs: number;
  private readonly maxSamples: number;
  private readonly maxTasks: number;
  /** Events sent so far (for tests and metrics). */
  sent = 0;

  constructor(
    private readonly send: AuditSend,
    private readonly opts: DenialOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 1000;
    this.maxSamples = opts.maxSamples ?? 10;
    this.maxTasks = opts.maxTasks ?? 64;
  }

  record(taskId: string | undefined, d: Denial): void {
    let key = taskId ?? NO_TASK;
    if (!this.pending.has(key) && this.pending.size >= this.maxTasks) key = NO_TASK;
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { count: 0, codes: {}, samples: [] }));
    p.count++;
    p.codes[d.code] = (p.codes[d.code] ?? 0) + 1;
    if (p.samples.length < this.maxSamples)
      p.samples.push({
        ...d,
        method: d.method.slice(0, 16),
        target: d.target.length > TARGET_MAX ? `${d.target.slice(0, TARGET_MAX)}…` : d.target,
      });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.inFlight) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inFlight = this.flush().finally(() => {
        this.inFlight = null;
        if (this.pending.size > 0) this.schedule();
      });
    }, this.flushMs);
    this.timer.unref();
  }

  /** Sends what is pending now: one audit event per task. */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const [key, p] of [...batch.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const details: DenialDetails = {
        count: p.count,
        codes: p.codes,
        samples: p.samples,
        ...(p.count > p.samples.length ? { unsampled: p.count - p.samples.length } : {}),
      };
      const r = await this.send(key === NO_TASK ? undefined : key, details).catch((e: unknown) => ({
        kind: "error",
        message: (e as Error).message,
      }));
      this.sent++;
      if (r.kind !== "ok")
        this.opts.log?.error(
          { task_id: key || undefined, err: r.message },
          "could not audit refused runtime-API requests",
        );
    }
  }

  /** Flushes what is left (runner shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
    if (this.pending.size > 0) await this.flush();
  }
}
