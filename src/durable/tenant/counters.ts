// Metric counters and histograms of a tenant, persisted in its SQLite so they
// survive eviction and restarts (a scrape never sees a counter go backwards).
import { histogramSamples, type Sample } from "../../metrics/prometheus.js";

/** Seconds; schedule-to-start and checkpoint latency share them. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const;
export const BYTES_BUCKETS = [1024, 16_384, 131_072, 1_048_576, 8_388_608] as const;

type Row = { name: string; labels: string; value: number };

export class Counters {
  constructor(private readonly sql: SqlStorage) {}

  /** Increments summed in memory inside batch(), by name and label set. */
  private pending: Map<string, Row> | null = null;

  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    const key = labelKey(labels);
    if (this.pending) {
      const k = `${name}\u0000${key}`;
      const p = this.pending.get(k);
      if (p) p.value += by;
      else this.pending.set(k, { name, labels: key, value: by });
      return;
    }
    this.write(name, key, by);
  }

  /**
   * Runs `fn` with its increments summed in memory and written once per counter at its end: a batch
   * of 500 tasks writes each counter once rather than 500 times. The writes land in the same
   * synchronous stretch as `fn`'s own, so storage commits them together.
   */
  batch<T>(fn: () => T): T {
    if (this.pending) return fn();
    this.pending = new Map();
    try {
      return fn();
    } finally {
      const rows = this.pending;
      this.pending = null;
      for (const r of rows.values()) this.write(r.name, r.labels, r.value);
    }
  }

  private write(name: string, labels: string, by: number): void {
    this.sql.exec(
      "INSERT INTO counters (name, labels, value) VALUES (?, ?, ?) ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
      name,
      labels,
      by,
    );
  }

  /** One observation: its bucket (by index, `bounds.length` for +Inf), the sum and nothing else are stored. */
  observe(name: string, bounds: readonly number[], value: number, labels: Record<string, string> = {}): void {
    let i = bounds.findIndex((b) => value <= b);
    if (i < 0) i = bounds.length;
    this.inc(`${name}:bucket:${i}`, labels);
    this.inc(`${name}:sum`, labels, value);
  }

  /** Counter samples of `name`, one per label set. */
  samples(name: string): Sample[] {
    return this.sql
      .exec<Row>("SELECT name, labels, value FROM counters WHERE name = ? ORDER BY labels", name)
      .toArray()
      .map((r) => ({ labels: JSON.parse(r.labels) as Record<string, string>, value: r.value }));
  }

  histogram(name: string, bounds: readonly number[]): Sample[] {
    const rows = this.sql
      .exec<Row>(
        "SELECT name, labels, value FROM counters WHERE name >= ? AND name < ? ORDER BY labels",
        `${name}:`,
        `${name};`,
      )
      .toArray();
    const byLabels = new Map<string, { counts: number[]; sum: number }>();
    for (const r of rows) {
      const h = byLabels.get(r.labels) ?? { counts: new Array<number>(bounds.length + 1).fill(0), sum: 0 };
      byLabels.set(r.labels, h);
      const rest = r.name.slice(name.length + 1);
      if (rest === "sum") h.sum = r.value;
      else if (rest.startsWith("bucket:")) h.counts[Number(rest.slice(7))] = r.value;
    }
    if (byLabels.size === 0) return histogramSamples(bounds, [], 0);
    return [...byLabels].flatMap(([labels, h]) =>
      histogramSamples(bounds, h.counts, h.sum, JSON.parse(labels) as Record<string, string>),
    );
  }
}

function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(labels)
        .sort()
        .map((k) => [k, labels[k]]),
    ),
  );
}
