import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_BUCKETED_MS,
  bucketMidpoint,
  durationBucket,
  histogramQuantile,
  mergeHistograms,
} from '../src/index.js';

describe('duration histogram', () => {
  it('puts 0 ms in bucket 0 and four buckets in each power of two', () => {
    expect(durationBucket(0)).toBe(0);
    expect(durationBucket(-5)).toBe(0);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(durationBucket)).toEqual([1, 5, 7, 9, 10, 11, 12, 13]);
    expect(durationBucket(1024)).toBe(41);
    expect(durationBucket(1279)).toBe(41);
    expect(durationBucket(1280)).toBe(42);
    expect(durationBucket(MAX_BUCKETED_MS * 10)).toBe(durationBucket(MAX_BUCKETED_MS));
  });

  it('reports a bucket as its midpoint, within 12.5% of any duration in it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_BUCKETED_MS }), (ms) => {
        const estimate = bucketMidpoint(durationBucket(ms));
        expect(Math.abs(estimate - ms) / ms).toBeLessThanOrEqual(0.125);
      }),
    );
  });

  it('takes quantiles by nearest rank and merges by bucket', () => {
    const h = mergeHistograms([[durationBucket(100), 90]], [[durationBucket(10_000), 10]]);
    expect(histogramQuantile(h, 0.5)).toBe(bucketMidpoint(durationBucket(100)));
    expect(histogramQuantile(h, 0.9)).toBe(bucketMidpoint(durationBucket(100)));
    expect(histogramQuantile(h, 0.95)).toBe(bucketMidpoint(durationBucket(10_000)));
    expect(histogramQuantile([], 0.5)).toBeNull();
    expect(mergeHistograms([[3, 1]], [[3, -1]], [[1, 2]])).toEqual([[1, 2]]);
  });
});
