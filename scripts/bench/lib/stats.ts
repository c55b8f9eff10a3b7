// Small helpers the benchmark scripts share: quantiles, the machine line, table printing.

import os from "node:os";

/** Nearest-rank quantile (p in 0..1) of a list of milliseconds. */
export function quantile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(p * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export const median = (values: number[]) => quantile(values, 0.5);

export function ms(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** Signed difference, e.g. "+0.41" or "-0.02". */
export function plus(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return "n/a";
  return (value >= 0 ? "+" : "") + value.toFixed(digits);
}

export function machineLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? "unknown cpu";
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  return `${date}; ${cpus.length} cores (${model}); ${Math.round(os.totalmem() / 2 ** 30)} GiB; Linux ${os.release()}; Node ${process.version}`;
}

/**
 * The machine's load average. This machine is shared with other sessions' test runs; a run whose
 * load was high (above ~0.5 before it started) measured them as much as the gateway.
 */
export function loadLine(when: string): string {
  const [a, b, c] = os.loadavg().map((x) => x.toFixed(2));
  return `Load average ${when} (1/5/15 min): ${a} / ${b} / ${c}`;
}

/** A Markdown table, so the output can be pasted into the README as it is. */
export function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Reads integer flags like `--rounds 20` from argv, with defaults. */
export function intFlags<T extends Record<string, number>>(defaults: T, argv = process.argv.slice(2)): T {
  const out: Record<string, number> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new Error(`unexpected argument ${argv[i]}`);
    const key = m[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`unknown flag --${m[1]} (known: ${Object.keys(defaults).join(", ")})`);
    const raw = m[2] ?? argv[++i];
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${m[1]} wants a whole number, got ${raw}`);
    out[key] = n;
  }
  return out as T;
}
