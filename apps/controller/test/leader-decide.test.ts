import { describe, expect, it } from 'vitest';
import { decideLease, nextLease, type LeaseState } from '../src/leader/decide.js';

const lease = (over: Partial<LeaseState>): LeaseState => ({
  holder: 'a',
  acquireTime: 0,
  renewTime: 10_000,
  durationSeconds: 15,
  transitions: 2,
  resourceVersion: '7',
  ...over,
});

describe('leader lease rules', () => {
  it.each([
    ['no lease', null, 'b', 0, 'create'],
    ['own lease', lease({}), 'a', 11_000, 'renew'],
    ['fresh foreign lease', lease({}), 'b', 24_999, 'wait'],
    ['expired foreign lease', lease({}), 'b', 25_000, 'take-over'],
    ['released lease', lease({ holder: null }), 'b', 11_000, 'take-over'],
  ] as const)('%s → %s', (_name, state, me, now, expected) => {
    expect(decideLease(state, me, now)).toBe(expected);
  });

  it('counts transitions on take-over and keeps the resourceVersion for optimistic writes', () => {
    expect(nextLease(lease({}), 'take-over', 'b', 30_000, 15)).toEqual({
      holder: 'b',
      acquireTime: 30_000,
      renewTime: 30_000,
      durationSeconds: 15,
      transitions: 3,
      resourceVersion: '7',
    });
    expect(nextLease(lease({}), 'renew', 'a', 12_000, 15)).toMatchObject({
      acquireTime: 0,
      transitions: 2,
      renewTime: 12_000,
    });
  });
});
