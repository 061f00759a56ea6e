// What the CLI prints: tables for people, JSON for scripts, and a spinner with
// the elapsed time on long waits, on stderr and only when stderr is a terminal.
import type { Writable } from "node:stream";
import { stringify as toYaml } from "yaml";

export interface Io {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C: long waits stop and the CLI exits 130. */
  signal: AbortSignal;
}

/** `-o`: tables for people (`wide` adds columns), JSON or YAML for scripts. */
export const FORMATS = ["table", "wide", "json", "yaml"] as const;
export type Format = (typeof FORMATS)[number];

export class Out {
  constructor(
    readonly io: Io,
    readonly format: Format,
  ) {}
  /** JSON or YAML: data, not tables. */
  get json(): boolean {
    return this.format === "json" || this.format === "yaml";
  }
  line(s = ""): void {
    this.io.stdout.write(`${s}\n`);
  }
  /** Pretty JSON under `-o json` (or --json), a YAML document under `-o yaml`. */
  data(v: unknown): void {
    this.io.stdout.write(this.format === "yaml" ? toYaml(v) : `${JSON.stringify(v, null, 2)}\n`);
  }
  /** One JSON value per line (NDJSON), for streams such as watch; under `-o yaml`, one document each. */
  record(v: unknown): void {
    this.io.stdout.write(this.format === "yaml" ? `---\n${toYaml(v)}` : `${JSON.stringify(v)}\n`);
  }
  note(s: string): void {
    this.io.stderr.write(`${s}\n`);
  }
  table(headers: string[], rows: (string | number | undefined | null)[][]): void {
    if (rows.length === 0) {
      this.line("(none)");
      return;
    }
    const cells = [headers, ...rows.map((r) => r.map((c) => (c === undefined || c === null ? "-" : String(c))))];
    const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
    for (const r of cells)
      this.line(
        r
          .map((c, i) => (i === r.length - 1 ? c : (c ?? "").padEnd(widths[i] ?? 0)))
          .join("  ")
          .trimEnd(),
      );
  }
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A one-line spinner on stderr; a no-op when stderr is not a TTY (pipes, CI, files). */
export class Progress {
  private timer: ReturnType<typeof setInterval> | undefined;
  private frame = 0;
  private label = "";
  private readonly started = Date.now();
  readonly enabled: boolean;

  constructor(private readonly stderr: Writable & { isTTY?: boolean }) {
    this.enabled = stderr.isTTY === true;
  }
  set(label: string): void {
    this.label = label;
    if (!this.enabled) return;
    this.timer ??= setInterval(() => this.draw(), 100);
    this.draw();
  }
  /** Clears the line so normal output can follow; set() shows it again. */
  clear(): void {
    if (this.enabled && this.timer) this.stderr.write("\r\x1b[2K");
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }
  private draw(): void {
    const s = Math.floor((Date.now() - this.started) / 1000);
    const elapsed = s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
    this.stderr.write(`\r\x1b[2K${FRAMES[this.frame++ % FRAMES.length]} ${this.label} · ${elapsed}`);
  }
}

export const shortTime = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

/** A value in one line, cut to `max` characters. */
export function brief(v: unknown, max = 80): string {
  if (v === undefined) return "";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
