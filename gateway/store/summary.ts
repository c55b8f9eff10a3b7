// Per-lane summary of the request log over a time range, fast on millions of rows: sums come from
// the hourly rollup (raw rows only for the partial hours at the ends), latency percentiles from
// the daily latency histogram (raw, exact latencies for the partial days at the ends). So a range
// inside one UTC day has exact percentiles; longer ones are within ~1.6% (see latency.ts).

import type Database from "better-sqlite3";
import { bucketValue } from "./latency";
import { laneOrder } from "./timeline";
import { checkTime, DAY_MS, dayKey, HOUR_MS, hourKey, iso, splitRange } from "./time";
import type { LaneSummary, Summary } from "./types";

type Totals = Omit<LaneSummary, "lane" | "p50LatencyMs" | "p95LatencyMs">;

const SUM_COLUMNS = ["requests", "errors", "cancelled", "inputTokens", "cachedInputTokens", "outputTokens", "reasoningTokens", "apiCostUsd"] as const;

const emptyTotals = (): Totals => ({
  requests: 0,
  errors: 0,
  cancelled: 0,
  inputTokens: 0,
  cachedInputTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  apiCostUsd: 0,
});

/** [latency ms, how many requests had it] */
type Weighted = [number, number];

/**
 * Nearest-rank percentile: the smallest value with at least p% of the requests at or below it.
 * E.g. latencies 1..10: p50 = 5, p95 = 10.
 */
export function percentile(values: Weighted[], p: number): number | null {
  const total = values.reduce((n, [, w]) => n + w, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  const sorted = [...values].sort((a, b) => a[0] - b[0]);
  let seen = 0;
  for (const [v, w] of sorted) {
    seen += w;
    if (seen >= rank) return v;
  }
  return sorted[sorted.length - 1]![0];
}

export function createSummary(db: Database.Database) {
  const sums = `count(*), sum(status = 'error'), sum(status = 'cancelled'), sum(input_tokens), sum(cached_input_tokens),
    sum(output_tokens), sum(reasoning_tokens), sum(api_cost_usd)`;
  const rawSums = db
    .prepare(`SELECT coalesce(lane, ''), ${sums} FROM requests WHERE created_at >= ? AND created_at < ? GROUP BY 1`)
    .raw();
  const rolledSums = db
    .prepare(
      `SELECT lane, sum(requests), sum(errors), sum(cancelled), sum(input_tokens), sum(cached_input_tokens),
         sum(output_tokens), sum(reasoning_tokens), sum(api_cost_usd)
       FROM request_hourly WHERE hour >= ? AND hour < ? GROUP BY lane`,
    )
    .raw();
  const rawLatencies = db
    .prepare(`SELECT coalesce(lane, ''), latency_ms FROM requests WHERE created_at >= ? AND created_at < ?`)
    .raw();
  const histogram = db
    .prepare(`SELECT lane, bucket, sum(requests) FROM request_latency_daily WHERE day >= ? AND day < ? GROUP BY lane, bucket`)
    .raw();

  function addSums(into: Map<string, Totals>, rows: unknown[][]): void {
    for (const [lane, ...nums] of rows) {
      const t = into.get(lane as string) ?? emptyTotals();
      SUM_COLUMNS.forEach((col, i) => (t[col] += Number(nums[i] ?? 0)));
      into.set(lane as string, t);
    }
  }

  function latencies(since: number, until: number): Map<string, Weighted[]> {
    const out = new Map<string, Weighted[]>();
    const push = (lane: string, v: Weighted) => {
      const list = out.get(lane) ?? [];
      list.push(v);
      out.set(lane, list);
    };
    const { whole, edges } = splitRange(since, until, DAY_MS);
    if (whole) {
      for (const [lane, bucket, n] of histogram.all(dayKey(whole[0]), dayKey(whole[1])) as [string, number, number][]) {
        push(lane, [bucketValue(bucket), n]);
      }
    }
    for (const [a, b] of edges) {
      for (const [lane, ms] of rawLatencies.all(iso(a), iso(b)) as [string, number][]) push(lane, [ms, 1]);
    }
    return out;
  }

  return function summary(range: { since: number; until: number }): Summary {
    const since = checkTime("since", range.since);
    const until = checkTime("until", range.until);
    const byLane = new Map<string, Totals>();
    const { whole, edges } = splitRange(since, until, HOUR_MS);
    if (whole) addSums(byLane, rolledSums.all(hourKey(whole[0]), hourKey(whole[1])) as unknown[][]);
    for (const [a, b] of edges) addSums(byLane, rawSums.all(iso(a), iso(b)) as unknown[][]);
    for (const [lane, t] of byLane) if (t.requests <= 0) byLane.delete(lane);

    const lat = latencies(since, until);
    const lanes: LaneSummary[] = [...byLane.keys()]
      .sort((a, b) => laneOrder(a || null, b || null))
      .map((lane) => {
        const l = lat.get(lane) ?? [];
        return { lane: lane === "" ? null : lane, ...byLane.get(lane)!, p50LatencyMs: percentile(l, 50), p95LatencyMs: percentile(l, 95) };
      });

    const total = emptyTotals();
    for (const t of byLane.values()) for (const col of SUM_COLUMNS) total[col] += t[col];
    const all = [...lat.values()].flat();
    return { since, until, lanes, total: { ...total, p50LatencyMs: percentile(all, 50), p95LatencyMs: percentile(all, 95) } };
  };
}
