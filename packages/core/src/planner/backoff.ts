/**
 * Retry delays: exponential growth, a cap, and a jitter that is random-looking but seeded, so the same
 * failed attempt always gets the same delay (the planner stays a pure function).
 */
import type { RetryTiming } from './decisions.js';

/** FNV-1a, 32 bits: a tiny, stable string hash for jitter seeds. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: one deterministic number in [0, 1) per seed. */
export function seededRandom(seed: number): number {
  let t = (seed + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * The delay before retry number `retryNumber` (1 = the first retry): `initialDelayMs * factor^(n-1)`,
 * capped at `maxDelayMs`, then moved by up to ±`jitter` of itself (seeded by `seed`), and capped again.
 */
export function retryDelay(timing: RetryTiming, retryNumber: number, seed: number | string): number {
  const n = Math.max(1, Math.floor(retryNumber));
  const base = Math.min(timing.maxDelayMs, timing.initialDelayMs * Math.pow(timing.factor, n - 1));
  const jitter = Math.min(1, Math.max(0, timing.jitter));
  const numericSeed = typeof seed === 'string' ? hashString(seed) : seed >>> 0;
  const spread = (seededRandom(numericSeed) * 2 - 1) * jitter * base;
  return Math.max(0, Math.min(timing.maxDelayMs, Math.round(base + spread)));
}
