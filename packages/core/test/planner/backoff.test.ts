import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_TIMING, hashString, retryDelay } from '../../src/planner/index.js';

describe('retryDelay', () => {
  const noJitter = { ...DEFAULT_RETRY_TIMING, jitter: 0 };

  it('grows exponentially from the initial delay', () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(noJitter, n, 'x'))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('is capped at maxDelayMs, jitter included', () => {
    expect(retryDelay(noJitter, 30, 'x')).toBe(300_000);
    for (let i = 0; i < 200; i++)
      expect(retryDelay(DEFAULT_RETRY_TIMING, 30, `a${i}`)).toBeLessThanOrEqual(300_000);
  });

  it('jitters within ±jitter of the base, the same way for the same seed', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const delay = retryDelay(DEFAULT_RETRY_TIMING, 2, `attempt-${i}`);
      expect(delay).toBeGreaterThanOrEqual(1600);
      expect(delay).toBeLessThanOrEqual(2400);
      expect(retryDelay(DEFAULT_RETRY_TIMING, 2, `attempt-${i}`)).toBe(delay);
      seen.add(delay);
    }
    expect(seen.size).toBeGreaterThan(50);
  });

  it('hashes strings stably', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('abc')).toBe(hashString('abc'));
    expect(hashString('abc')).not.toBe(hashString('abd'));
  });
});
