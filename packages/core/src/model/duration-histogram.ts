/**
 * Durations as a log-scale histogram, so that a store can keep p50/p95 per DAG in a small rollup instead of
 * sorting every run. Each power of two is cut into four buckets, so an estimate is within ±12.5% of the true
 * value (the bucket's midpoint). The bucket function is integer arithmetic only: PostgreSQL computes the same
 * bucket for the same duration (`kontroler_duration_bucket`), so both stores answer alike.
 */

/** Durations are clamped to this (about 24.8 days): longer ones land in the last bucket. */
export const MAX_BUCKETED_MS = 2 ** 31 - 1;

/** Sub-buckets per power of two. */
const STEPS = 4;

/** The bucket of a duration in milliseconds: 0 for 0 ms (or less), then 4 per power of two. */
export function durationBucket(ms: number): number {
  const d = Math.min(MAX_BUCKETED_MS, Math.max(0, Math.floor(ms)));
  if (d === 0) return 0;
  const e = 31 - Math.clz32(d);
  const base = 2 ** e;
  return e * STEPS + Math.floor(((d - base) * STEPS) / base) + 1;
}

/** The midpoint of a bucket in milliseconds: what a quantile that falls in it is reported as. */
export function bucketMidpoint(bucket: number): number {
  if (bucket <= 0) return 0;
  const e = Math.floor((bucket - 1) / STEPS);
  const step = (bucket - 1) % STEPS;
  const base = 2 ** e;
  const width = base / STEPS;
  return base + step * width + width / 2;
}

/** A histogram: `[bucket, count]` pairs, any order. */
export type DurationHistogram = ReadonlyArray<readonly [bucket: number, count: number]>;

/**
 * The `q` quantile (0 < q ≤ 1) of a histogram as a bucket midpoint (nearest rank), or null when it is empty.
 */
export function histogramQuantile(histogram: DurationHistogram, q: number): number | null {
  const sorted = [...histogram].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bucket, n] of sorted) {
    seen += n;
    if (seen >= rank) return bucketMidpoint(bucket);
  }
  return bucketMidpoint(sorted[sorted.length - 1]?.[0] ?? 0);
}

/** Adds histograms bucket by bucket (sorted by bucket). */
export function mergeHistograms(...histograms: DurationHistogram[]): Array<[number, number]> {
  const merged = new Map<number, number>();
  for (const histogram of histograms)
    for (const [bucket, n] of histogram) merged.set(bucket, (merged.get(bucket) ?? 0) + n);
  return [...merged.entries()].filter(([, n]) => n !== 0).sort((a, b) => a[0] - b[0]);
}
