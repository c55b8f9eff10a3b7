// Latency histogram buckets shared by the SQL trigger (migrations.ts) and the percentile code
// (summary.ts). A bucket keeps the top 6 significant bits of the latency in ms: values below 64 are
// exact, larger ones fall in buckets at most 1/32 of their value wide, so a percentile read from
// the histogram is within about 1.6% of the exact one. Changing this needs a migration that
// rebuilds request_latency_daily.

const SIGNIFICANT_BITS = 6;
const MAX_BITS = 40; // ~35 years in ms; the insert check refuses anything larger

/** SQL expression for the bucket key of integer expression `v` (v >= 0). */
export function latencyBucketSql(v: string): string {
  const arms: string[] = [`WHEN ${v} < ${2 ** SIGNIFICANT_BITS} THEN ${v}`];
  for (let bits = SIGNIFICANT_BITS + 1; bits <= MAX_BITS; bits++) {
    const width = 2 ** (bits - SIGNIFICANT_BITS);
    arms.push(`WHEN ${v} < ${2 ** bits} THEN (${v} / ${width}) * ${width}`);
  }
  return `(CASE ${arms.join(" ")} ELSE ${v} END)`;
}

/** Bucket key of a latency, the same as the SQL expression computes. */
export function latencyBucket(ms: number): number {
  const width = bucketWidth(ms);
  return Math.floor(ms / width) * width;
}

/** Width of the bucket that holds `ms` (1 for exact buckets). */
export function bucketWidth(ms: number): number {
  if (ms < 2 ** SIGNIFICANT_BITS) return 1;
  const bits = Math.floor(Math.log2(ms)) + 1;
  // Math.log2 may round just below an exact power of two; correct by comparing directly.
  const b = ms >= 2 ** bits ? bits + 1 : ms < 2 ** (bits - 1) ? bits - 1 : bits;
  return 2 ** (b - SIGNIFICANT_BITS);
}

/** The value a bucket stands for in a percentile: its middle, rounded down to a whole ms. */
export function bucketValue(key: number): number {
  return key + Math.floor((bucketWidth(key) - 1) / 2);
}

export const MAX_LATENCY_MS = 2 ** MAX_BITS - 1;
