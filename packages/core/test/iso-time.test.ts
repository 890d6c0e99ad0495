import { describe, expect, it } from 'vitest';
import { isoTime } from '../src/util/iso-time.js';

/** Deterministic pseudo-random numbers, so a failure names the same instants every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const native = (ms: number): string => new Date(ms).toISOString();

describe('isoTime', () => {
  it('writes what toISOString writes, for 200,000 instants across years 0000–9999', () => {
    const random = lcg(7);
    const first = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
    const span = 253_402_300_800_000 - first; // to 10000-01-01
    for (let i = 0; i < 200_000; i++) {
      const ms = Math.floor(first + random() * span);
      if (isoTime(ms) !== native(ms)) expect(isoTime(ms)).toBe(native(ms));
    }
  });

  it('writes every day of 1600–2400 (leap days, century years, month ends) as toISOString does', () => {
    let i = 0;
    for (let ms = Date.UTC(1600, 0, 1); ms < Date.UTC(2400, 0, 1); ms += 86_400_000) {
      const t = ms + ((i++ * 7_919_993) % 86_400_000); // a different time of day each day
      if (isoTime(t) !== native(t)) expect(isoTime(t)).toBe(native(t));
      if (isoTime(ms - 1) !== native(ms - 1)) expect(isoTime(ms - 1)).toBe(native(ms - 1));
    }
  });

  it('agrees at the edges of its range and outside it', () => {
    for (const ms of [
      -62_167_219_200_000, // 0000-01-01T00:00:00.000Z
      -62_167_219_200_001, // -000001-12-31T23:59:59.999Z
      253_402_300_799_999, // 9999-12-31T23:59:59.999Z
      253_402_300_800_000, // +010000-01-01T00:00:00.000Z
      8.64e15,
      -8.64e15,
      0,
      -1,
      1.9,
      -1.9,
      1765099800123.7,
    ]) {
      expect(isoTime(ms)).toBe(native(ms));
    }
  });

  it('throws RangeError for a time that is not one, as toISOString does', () => {
    for (const ms of [Number.NaN, Infinity, -Infinity, 8.64e15 + 1]) {
      expect(() => isoTime(ms)).toThrow(RangeError);
    }
  });
});
