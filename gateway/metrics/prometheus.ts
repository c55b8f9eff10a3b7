// A small writer of the Prometheus text exposition format (version 0.0.4): families with HELP
// and TYPE, escaped label values, histogram buckets. Only what /metrics needs.

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Record<string, string>;
export type MetricType = "counter" | "gauge" | "histogram";

export interface Sample {
  /** Suffix added to the family name (`_bucket`, `_sum`, `_count`), or "". */
  suffix?: string;
  labels: Labels;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

export function render(families: Family[]): string {
  let out = "";
  for (const f of families) {
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) out += `${f.name}${s.suffix ?? ""}${labelText(s.labels)} ${formatValue(s.value)}\n`;
  }
  return out;
}

/** Cumulative histogram samples (`_bucket` per bound and +Inf, `_sum`, `_count`) for one label set. */
export function histogramSamples(labels: Labels, bounds: readonly number[], counts: readonly number[], sum: number, count: number): Sample[] {
  const out: Sample[] = [];
  let acc = 0;
  bounds.forEach((le, i) => {
    acc += counts[i] ?? 0;
    out.push({ suffix: "_bucket", labels: { ...labels, le: formatValue(le) }, value: acc });
  });
  out.push({ suffix: "_bucket", labels: { ...labels, le: "+Inf" }, value: count });
  out.push({ suffix: "_sum", labels, value: sum });
  out.push({ suffix: "_count", labels, value: count });
  return out;
}
