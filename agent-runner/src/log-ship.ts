// Ships every running attempt's captured output (log-capture.ts) to the control plane in batches:
// all attempts' waiting lines in one call (the heartbeat route's `logs`), at most `flushMs` after a
// line arrives (so a line is readable through GET /v1/tasks/{id}/logs within about a second), never
// one call per line. One send at a time; lines of a send that fails go back and leave with the next.
// At an attempt's exit its lines are flushed before the outcome is reported (flushAttempt).
import { jsonCost, type AttemptLog, type LogLine } from "./log-capture.js";

export interface LogBatch {
  task_id: string;
  epoch: number;
  instance: string;
  attempt: number;
  lines: { n: number; at: string; stream: "stdout" | "stderr"; text: string }[];
}

/** Sends batches; true when the control plane took them (or refused them for good: they are not resent). */
export type LogSend = (batches: LogBatch[]) => Promise<"ok" | "retry" | "refused">;

export interface ShipOptions {
  flushMs: number;
  /** Per call: lines, and bytes of JSON (jsonCost), well under the API's 1 MiB body limit. */
  maxLines?: number;
  maxBytes?: number;
}

interface Entry {
  taskId: string;
  epoch: number;
  instance: string;
  attempt: number;
  log: AttemptLog;
}

const MAX_LINES = 2_000;
const MAX_BYTES = 512 * 1024;

export class LogShipper {
  private readonly entries = new Map<string, Entry>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<void> | null = null;
  /** Calls made and lines carried (tests, metrics). */
  readonly stats = { calls: 0, lines: 0, failures: 0 };

  constructor(
    private readonly send: LogSend,
    private readonly opts: ShipOptions,
  ) {}

  /** An attempt starts: its log is shipped from now on. */
  add(taskId: string, epoch: number, instance: string, attempt: number, log: AttemptLog): void {
    this.entries.set(`${taskId}:${epoch}`, { taskId, epoch, instance, attempt, log });
  }

  /** Lines were pushed into an attempt's log: a send within flushMs. */
  poke(): void {
    if (this.timer || this.inFlight) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.opts.flushMs);
    this.timer.unref?.();
  }

  private waiting(): boolean {
    for (const e of this.entries.values()) if (e.log.waiting > 0) return true;
    return false;
  }

  /** Sends what waits now (one call; more while lines remain and sends succeed). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.inFlight) return this.inFlight.then(() => this.flush());
    this.inFlight = this.sendAll().finally(() => {
      this.inFlight = null;
      if (this.waiting()) this.poke();
    });
    return this.inFlight;
  }

  /** The attempt ended: its lines leave now (a few tries), then it is forgotten. */
  async flushAttempt(taskId: string, epoch: number, tries = 3): Promise<void> {
    const e = this.entries.get(`${taskId}:${epoch}`);
    if (!e) return;
    for (let i = 0; i < tries && e.log.waiting > 0; i++) await this.flush();
    this.entries.delete(`${taskId}:${epoch}`);
  }

  private async sendAll(): Promise<void> {
    for (let round = 0; round < 100 && this.waiting(); round++) {
      const taken = this.take();
      const r = await this.send(taken.map((t) => t.batch)).catch(() => "retry" as const);
      this.stats.calls++;
      if (r === "retry") {
        this.stats.failures++;
        for (const t of taken) t.entry.log.putBack(t.lines);
        return;
      }
      this.stats.lines += taken.reduce((s, t) => s + t.lines.length, 0);
    }
  }

  private take(): { entry: Entry; lines: LogLine[]; batch: LogBatch }[] {
    let lines = this.opts.maxLines ?? MAX_LINES;
    let bytes = this.opts.maxBytes ?? MAX_BYTES;
    const out: { entry: Entry; lines: LogLine[]; batch: LogBatch }[] = [];
    for (const entry of this.entries.values()) {
      if (lines <= 0 || bytes <= 0) break;
      if (entry.log.waiting === 0) continue;
      const got = entry.log.take(lines, bytes);
      lines -= got.length;
      for (const l of got) bytes -= jsonCost(l.text);
      out.push({
        entry,
        lines: got,
        batch: {
          task_id: entry.taskId,
          epoch: entry.epoch,
          instance: entry.instance,
          attempt: entry.attempt,
          lines: got.map((l) => ({ n: l.n, at: new Date(l.at).toISOString(), stream: l.stream, text: l.text })),
        },
      });
    }
    return out;
  }

  /** The runner stops: what waits goes out once more. */
  async close(): Promise<void> {
    await this.flush();
  }
}
