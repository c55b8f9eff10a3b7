// Request-log rows for the store and dashboard benchmarks: a deterministic pseudo-random spread over
// `days` days ending at `end`, so percentiles, buckets and filters see realistic data.

import type { NewRequestRow } from "../../gateway/store";

const DAY = 86_400_000;
const LANES = ["plus-a", "plus-b", "pro", "api", null] as const;

export function syntheticRow(i: number, end: number, rows: number, days: number): NewRequestRow {
  const r = (i * 2654435761) % 4294967296;
  const lane = LANES[i % LANES.length]!;
  const ok = r % 50 !== 0;
  return {
    id: `req_${i.toString(36).padStart(8, "0")}`,
    createdAt: end - days * DAY + Math.floor((i / rows) * days * DAY),
    keyName: `key-${i % 7}`,
    model: i % 3 ? "gpt-5.5" : "gpt-5.4",
    stream: i % 2 === 0,
    lane,
    attempts: [{ lane: lane ?? "plus-a", outcome: ok ? "ok" : "transient", code: ok ? null : "timeout", ms: 1000 }],
    status: ok ? "ok" : "error",
    httpStatus: ok ? 200 : 502,
    errorCode: ok ? null : "timeout",
    queueMs: r % 500,
    latencyMs: 400 + (r % 60_000),
    firstByteMs: 300 + (r % 2_000),
    inputTokens: 500 + (r % 20_000),
    cachedInputTokens: r % 5_000,
    outputTokens: 100 + (r % 3_000),
    reasoningTokens: r % 1_000,
    apiCostUsd: (r % 10_000) / 100_000,
  };
}
