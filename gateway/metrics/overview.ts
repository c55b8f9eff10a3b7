// The one summary of the gateway that the dashboard renders as HTML and `codex-lanes stats` as
// text or JSON: lanes, traffic over the last 24 hours and 7 days, and this month's savings ledger.
// Built from the store's rollups, so it stays fast on millions of log rows.

import { savingsLedger, type Ledger } from "../calc/ledger";
import type { Config } from "../config/types";
import type { LaneView } from "../dispatch/views";
import type { RequestsApi, Summary, TimelinePoint } from "../store";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface TrafficPeriod {
  /** "24h", "7d", or the span asked for ("90m"). */
  label: string;
  /** Epoch ms: the summary covers [since, until). */
  since: number;
  until: number;
  summary: Summary;
  /** Chart buckets: `buckets` of `bucketMs` each, the last one holding `until`. */
  bucketMs: number;
  buckets: number;
  /** Start of the first bucket (epoch ms, aligned to bucketMs). */
  firstBucket: number;
  timeline: TimelinePoint[];
}

export interface Overview {
  /** ISO 8601 UTC. */
  generatedAt: string;
  lanes: LaneView[];
  traffic: TrafficPeriod[];
  ledger: Ledger;
}

export interface PeriodSpec {
  label: string;
  spanMs: number;
  bucketMs: number;
}

/** The dashboard's two periods: 24 hourly bars, 28 six-hour bars. */
export const DEFAULT_PERIODS: readonly PeriodSpec[] = [
  { label: "24h", spanMs: DAY, bucketMs: HOUR },
  { label: "7d", spanMs: 7 * DAY, bucketMs: 6 * HOUR },
];

/** A period for `stats --since`: about 24-48 bars of a whole number of hours (or minutes when short). */
export function periodFor(label: string, spanMs: number): PeriodSpec {
  const unit = spanMs >= 2 * DAY ? HOUR : 60_000;
  const bucketMs = Math.max(unit, Math.ceil(spanMs / 24 / unit) * unit);
  return { label, spanMs, bucketMs };
}

export function trafficPeriod(requests: Pick<RequestsApi, "summary" | "timeline">, spec: PeriodSpec, now: number): TrafficPeriod {
  // The log starts at the epoch at the earliest: a huge span ("--since 99999d") means "everything".
  const since = Math.max(0, now - spec.spanMs);
  const buckets = Math.ceil((now - since) / spec.bucketMs) || 1;
  const firstBucket = Math.max(0, Math.floor(now / spec.bucketMs) * spec.bucketMs - (buckets - 1) * spec.bucketMs);
  return {
    label: spec.label,
    since,
    until: now,
    summary: requests.summary({ since, until: now }),
    bucketMs: spec.bucketMs,
    buckets,
    firstBucket,
    // +1 ms: the bucket holding `now` is whole only once it ends; include `now` itself.
    timeline: requests.timeline({ since: firstBucket, until: now + 1, bucketMs: spec.bucketMs }),
  };
}

export interface OverviewInput {
  config: Pick<Config, "lanes" | "calc">;
  requests: Pick<RequestsApi, "summary" | "timeline" | "monthSpend">;
  lanes: LaneView[];
  now: number;
  periods?: readonly PeriodSpec[];
}

export function buildOverview(input: OverviewInput): Overview {
  const { now } = input;
  return {
    generatedAt: new Date(now).toISOString(),
    lanes: input.lanes,
    traffic: (input.periods ?? DEFAULT_PERIODS).map((p) => trafficPeriod(input.requests, p, now)),
    // The plan each account reports (LaneView.plan) wins over the lane's configured plan.
    ledger: savingsLedger(input.config, input.requests, now, Object.fromEntries(input.lanes.map((l) => [l.name, l.plan]))),
  };
}

/** Error share of a summary line, 0..1, or null without requests. */
export function errorRate(s: { requests: number; errors: number }): number | null {
  return s.requests === 0 ? null : s.errors / s.requests;
}
