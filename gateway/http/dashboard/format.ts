// Text forms of numbers and times on the dashboard. The countdown format is mirrored by the page's
// script (assets.ts), which keeps ticking what the server rendered.

/** "3d 4h", "2h 05m", "41m 12s", "12s". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(sec)}s`;
  return `${sec}s`;
}

/** "in 41m 12s", or "now" once the time has come. */
export function countdown(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  return ms > 0 ? `in ${duration(ms)}` : "now";
}

/** "2025-06-30 19:27 UTC". */
export function utc(iso: string | number): string {
  const s = typeof iso === "number" ? new Date(iso).toISOString() : iso;
  return `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}

/** "19:27:05" (UTC) for today's rows, "06-29 19:27" for older ones. */
export function shortTime(iso: string, now: number): string {
  const today = new Date(now).toISOString().slice(0, 10);
  return iso.slice(0, 10) === today ? iso.slice(11, 19) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

export function usd(n: number, digits = 2): string {
  const sign = n < 0 ? "-" : "";
  return `${sign}$${Math.abs(n).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** Per-request costs are often fractions of a cent. */
export function smallUsd(n: number): string {
  return n !== 0 && Math.abs(n) < 0.01 ? usd(n, 4) : usd(n);
}

export function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** 1234 -> "1.2k", 2500000 -> "2.5M". */
export function compact(n: number): string {
  if (Math.abs(n) >= 1e6) return `${trim1(n / 1e6)}M`;
  if (Math.abs(n) >= 1e4) return `${Math.round(n / 1e3)}k`;
  if (Math.abs(n) >= 1e3) return `${trim1(n / 1e3)}k`;
  return String(Math.round(n));
}

export function millis(n: number | null): string {
  if (n === null) return "–";
  return n >= 10_000 ? `${trim1(n / 1000)} s` : `${int(n)} ms`;
}

export function percent(share: number | null, digits = 1): string {
  return share === null ? "–" : `${(share * 100).toFixed(digits)}%`;
}

function trim1(n: number): string {
  return n.toFixed(1).replace(/\.0$/, "");
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
