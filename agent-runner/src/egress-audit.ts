// Egress decisions for the tenant's audit log, batched: connections are counted per task and
// host:port and sent at most once per flush interval (the runner's heartbeat interval) as one
// `egress.allowed` and one `egress.denied` event per task that had any — never one control-plane
// call per connection. Caps: 64 tasks and 32 host:port entries per task per flush (the rest are
// counted under `other`). Retention is the audit log's.
import type { Logger } from "pino";
import type { EgressEvent } from "./egress-proxy.js";

export interface EgressEntry {
  host: string;
  port: number;
  count: number;
  bytes_up: number;
  bytes_down: number;
  codes?: Record<string, number>;
}

export type EgressSend = (
  type: "egress.allowed" | "egress.denied",
  taskId: string,
  details: { entries: EgressEntry[]; other?: number },
) => Promise<{ kind: string; message?: string }>;

const MAX_TASKS = 64;
const MAX_ENTRIES = 32;

type PerTask = { allowed: Map<string, EgressEntry>; denied: Map<string, EgressEntry>; other: [number, number] };

export class EgressAudit {
  private pending = new Map<string, PerTask>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  /** Events sent so far (tests, metrics). */
  sent = 0;

  constructor(
    private readonly send: EgressSend,
    private readonly flushMs: number,
    private readonly log?: Logger,
  ) {}

  readonly record = (taskId: string, e: EgressEvent): void => {
    let t = this.pending.get(taskId);
    if (!t) {
      if (this.pending.size >= MAX_TASKS) return void this.log?.warn({ task_id: taskId }, "egress audit batch full");
      this.pending.set(taskId, (t = { allowed: new Map(), denied: new Map(), other: [0, 0] }));
    }
    const m = e.allowed ? t.allowed : t.denied;
    const key = `${e.host}:${e.port}`;
    let x = m.get(key);
    if (!x) {
      if (m.size >= MAX_ENTRIES) {
        t.other[e.allowed ? 0 : 1]++;
        this.schedule();
        return;
      }
      m.set(key, (x = { host: e.host, port: e.port, count: 0, bytes_up: 0, bytes_down: 0 }));
    }
    x.count++;
    x.bytes_up += e.bytesUp;
    x.bytes_down += e.bytesDown;
    if (e.code) x.codes = { ...x.codes, [e.code]: (x.codes?.[e.code] ?? 0) + 1 };
    this.schedule();
  };

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

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const [task, t] of [...batch.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      for (const [type, m, other] of [
        ["egress.allowed", t.allowed, t.other[0]],
        ["egress.denied", t.denied, t.other[1]],
      ] as const) {
        if (m.size === 0 && other === 0) continue;
        const entries = [...m.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.port - b.port));
        const r = await this.send(type, task, { entries, ...(other ? { other } : {}) }).catch((e: Error) => ({
          kind: "error",
          message: e.message,
        }));
        this.sent++;
        if (r.kind !== "ok") this.log?.error({ task_id: task, err: r.message }, "could not audit egress");
      }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
    if (this.pending.size > 0) await this.flush();
  }
}
