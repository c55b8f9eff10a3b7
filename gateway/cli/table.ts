// Plain-text tables for terminal output: left-aligned columns, two spaces apart.

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

/** "2026-11-22 03:18Z"-style short UTC time, or "-". */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
}

/** "in 2h 05m" / "12m ago" relative to now. */
export function relative(iso: string | null, now: number): string {
  if (!iso) return "";
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const d = Math.floor(h / 24);
  const text = d >= 2 ? `${d}d ${h % 24}h` : h > 0 ? `${h}h ${String(m).padStart(2, "0")}m` : `${Math.max(m, ms > 0 ? 1 : 0)}m`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}
