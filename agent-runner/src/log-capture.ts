// One attempt's captured output (pure): lines of the agent's stdout and stderr, scrubbed of
// secrets (log-scrub.ts), each cut to `maxLineBytes` with a marker, the attempt capped at
// `maxLines` lines and `maxBytes` bytes (then one marker line, and nothing more), numbered
// 0, 1, 2 … so the control plane stores each line once however often a batch is resent. The
// lines wait here until the shipper (log-ship.ts) takes them; the last stderr lines are kept
// for the failure report's `stderr_tail`.
import type { Scrubber } from "./log-scrub.js";

export type LogStream = "stdout" | "stderr";
export interface LogLine {
  /** The line's number in its attempt, from 0. */
  n: number;
  /** When the runner read it, epoch ms. */
  at: number;
  stream: LogStream;
  text: string;
}

export interface LogLimits {
  maxLines: number;
  maxBytes: number;
  maxLineBytes: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxLines: 10_000, maxBytes: 1024 * 1024, maxLineBytes: 8 * 1024 };
/** `error.details.stderr_tail`: at most this many of the last stderr lines, and this many bytes. */
export const TAIL_LINES = 20;
export const TAIL_BYTES = 4 * 1024;

const bytes = (s: string): number => Buffer.byteLength(s, "utf8");
/** What a line costs in a batch's JSON body: its text escaped (control characters grow sixfold) and its fields. */
export const jsonCost = (text: string): number => Buffer.byteLength(JSON.stringify(text), "utf8") + 64;

/** `text` cut to at most `max` UTF-8 bytes, never inside a character. */
export function cutUtf8(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  const b = Buffer.from(text, "utf8").subarray(0, max);
  // A partial character at the end decodes to U+FFFD: drop it.
  return b.toString("utf8").replace(/\uFFFD$/, "");
}

export class AttemptLog {
  private pending: LogLine[] = [];
  private next = 0;
  private bytes = 0;
  private cut = false;
  private readonly tail: string[] = [];
  /** Lines dropped after the cap (not counting the marker). */
  dropped = 0;

  constructor(
    private readonly scrubber: Scrubber,
    private readonly limits: LogLimits = DEFAULT_LOG_LIMITS,
  ) {}

  /** One line as the agent wrote it (without its newline). */
  push(stream: LogStream, raw: string, at: number): void {
    if (this.cut && stream === "stdout") {
      this.dropped++;
      return;
    }
    let text = this.scrubber.scrub(raw);
    const size = bytes(text);
    if (size > this.limits.maxLineBytes) {
      const marker = ` … [line cut: ${size} bytes, kept ${this.limits.maxLineBytes}]`;
      text = cutUtf8(text, this.limits.maxLineBytes) + marker;
    }
    // The tail follows stderr to the end, past the cap: the last lines are the ones that explain a failure.
    if (stream === "stderr") this.keepTail(text);
    if (this.cut) {
      this.dropped++;
      return;
    }
    const cost = bytes(text);
    if (this.next >= this.limits.maxLines || this.bytes + cost > this.limits.maxBytes) {
      this.cut = true;
      this.dropped++;
      this.add(stream, `[officeos: output cut at ${this.next} lines / ${this.bytes} bytes for this attempt]`, at);
      return;
    }
    this.bytes += cost;
    this.add(stream, text, at);
  }

  private add(stream: LogStream, text: string, at: number): void {
    this.pending.push({ n: this.next++, at, stream, text });
  }

  private keepTail(text: string): void {
    this.tail.push(text);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }

  /** The last stderr lines (scrubbed), newest last, at most TAIL_LINES lines and TAIL_BYTES bytes; "" when none. */
  stderrTail(): string {
    const out: string[] = [];
    let size = 0;
    for (let i = this.tail.length - 1; i >= 0; i--) {
      const line = this.tail[i] as string;
      const cost = bytes(line) + (out.length > 0 ? 1 : 0);
      if (size + cost > TAIL_BYTES) {
        if (out.length === 0) out.unshift(cutUtf8(line, TAIL_BYTES));
        break;
      }
      out.unshift(line);
      size += cost;
    }
    return out.join("\n");
  }

  get waiting(): number {
    return this.pending.length;
  }

  /** Takes up to `maxLines` lines and at most `maxBytes` of JSON (jsonCost; at least one line when any wait). */
  take(maxLines: number, maxBytes: number): LogLine[] {
    let i = 0;
    let size = 0;
    while (i < this.pending.length && i < maxLines) {
      const cost = jsonCost((this.pending[i] as LogLine).text);
      if (i > 0 && size + cost > maxBytes) break;
      size += cost;
      i++;
    }
    return this.pending.splice(0, i);
  }

  /** Lines a failed send took go back in front, in order. */
  putBack(lines: LogLine[]): void {
    this.pending.unshift(...lines);
  }
}
