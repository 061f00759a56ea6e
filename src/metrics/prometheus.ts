// Prometheus text exposition format 0.0.4, written from plain values. Pure: the
// TenantDO gathers the numbers, this only spells them. (prom-client needs
// Node's runtime; a Worker renders from its own storage on each scrape.)
export type MetricType = "counter" | "gauge" | "histogram";

export interface Sample {
  labels?: Record<string, string>;
  value: number;
  /** Appended to the family name: `_bucket`, `_sum`, `_count`, `_total`. */
  suffix?: string;
}

export interface Family {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

export function render(families: readonly Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) out.push(`${f.name}${s.suffix ?? ""}${labelText(s.labels)} ${number(s.value)}`);
  }
  return `${out.join("\n")}\n`;
}

function labelText(labels: Record<string, string> | undefined): string {
  if (!labels) return "";
  const keys = Object.keys(labels).sort((a, b) => (a === "le" ? 1 : b === "le" ? -1 : a.localeCompare(b)));
  if (keys.length === 0) return "";
  return `{${keys.map((k) => `${k}="${escapeValue(labels[k] ?? "")}"`).join(",")}}`;
}

const escapeValue = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const escapeHelp = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function number(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Cumulative histogram samples from per-bucket counts (bucket i counts values ≤ bounds[i], not ≤ bounds[i−1]). */
export function histogramSamples(
  bounds: readonly number[],
  counts: readonly number[],
  sum: number,
  labels: Record<string, string> = {},
): Sample[] {
  const samples: Sample[] = [];
  let acc = 0;
  bounds.forEach((b, i) => {
    acc += counts[i] ?? 0;
    samples.push({ labels: { ...labels, le: String(b) }, value: acc, suffix: "_bucket" });
  });
  acc += counts[bounds.length] ?? 0;
  samples.push({ labels: { ...labels, le: "+Inf" }, value: acc, suffix: "_bucket" });
  samples.push({ labels, value: sum, suffix: "_sum" });
  samples.push({ labels, value: acc, suffix: "_count" });
  return samples;
}
