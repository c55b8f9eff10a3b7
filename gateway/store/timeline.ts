// Requests and errors per time bucket and lane, for the dashboard's chart. Buckets that are whole
// hours read the hourly rollup (raw rows only at the ragged ends); finer buckets read raw rows,
// so the number of buckets is capped to keep a query bounded.

import type Database from "better-sqlite3";
import { InvalidQueryError } from "./errors";
import { checkTime, floorTo, HOUR_MS, hourKey, hourStart, iso, splitRange } from "./time";
import type { TimelinePoint } from "./types";

export const MAX_TIMELINE_BUCKETS = 10_000;
const MIN_BUCKET_MS = 1_000;

/** By name, the null lane (none served) last: the same order as summary(). */
export const laneOrder = (a: string | null, b: string | null): number =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;

export function createTimeline(db: Database.Database) {
  const raw = db
    .prepare(
      // JS numbers bind as REAL: cast, or the division would not truncate to the bucket.
      `SELECT (CAST(round(unixepoch(created_at, 'subsec') * 1000) AS INTEGER) / CAST(@bucket AS INTEGER)) * CAST(@bucket AS INTEGER) AS b,
         coalesce(lane, ''), count(*), sum(status = 'error')
       FROM requests WHERE created_at >= @since AND created_at < @until GROUP BY b, 2`,
    )
    .raw();
  const hourly = db
    .prepare(`SELECT hour, lane, requests, errors FROM request_hourly WHERE hour >= ? AND hour < ? AND requests > 0`)
    .raw();

  function check(bucketMs: unknown, since: number, until: number): number {
    if (typeof bucketMs !== "number" || !Number.isInteger(bucketMs) || bucketMs < MIN_BUCKET_MS) {
      throw new InvalidQueryError("bucketMs", `must be a whole number of milliseconds, at least ${MIN_BUCKET_MS}`);
    }
    if ((until - since) / bucketMs > MAX_TIMELINE_BUCKETS) {
      throw new InvalidQueryError("bucketMs", `too small for the range: at most ${MAX_TIMELINE_BUCKETS} buckets`);
    }
    return bucketMs;
  }

  return function timeline(range: { since: number; until: number; bucketMs: number }): TimelinePoint[] {
    const since = checkTime("since", range.since);
    const until = checkTime("until", range.until);
    const bucketMs = check(range.bucketMs, since, until);
    const points = new Map<string, TimelinePoint>();
    const add = (bucketStart: number, lane: string, requests: number, errors: number) => {
      const k = `${bucketStart}\u0000${lane}`;
      const p = points.get(k) ?? { bucketStart, lane: lane === "" ? null : lane, requests: 0, errors: 0 };
      p.requests += requests;
      p.errors += errors;
      points.set(k, p);
    };

    // Hour-multiple buckets are epoch-aligned, so every whole hour lies inside exactly one bucket.
    const { whole, edges } = bucketMs % HOUR_MS === 0 ? splitRange(since, until, HOUR_MS) : { whole: null, edges: since < until ? [[since, until] as [number, number]] : [] };
    if (whole) {
      for (const [hour, lane, n, e] of hourly.all(hourKey(whole[0]), hourKey(whole[1])) as [string, string, number, number][]) {
        add(floorTo(hourStart(hour), bucketMs), lane, n, e);
      }
    }
    for (const [a, b] of edges) {
      for (const [bucket, lane, n, e] of raw.all({ bucket: bucketMs, since: iso(a), until: iso(b) }) as [number, string, number, number][]) {
        add(bucket, lane, n, e);
      }
    }
    return [...points.values()].sort((x, y) => x.bucketStart - y.bucketStart || laneOrder(x.lane, y.lane));
  };
}
