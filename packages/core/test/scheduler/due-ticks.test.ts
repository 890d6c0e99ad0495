import { describe, expect, it } from 'vitest';
import { dueTicks } from '../../src/index.js';
import { latestTick, nextTick } from '../../src/scheduler/index.js';

const at = (iso: string): number => Date.parse(iso);

describe('dueTicks', () => {
  const hourly = '0 * * * *';

  it('returns the ticks after the cursor up to now, oldest first, bounded to the most recent', () => {
    const last = at('2026-01-01T01:00:00Z');
    const now = at('2026-01-01T04:30:00Z');
    expect(dueTicks(hourly, 'UTC', last, now, 1)).toEqual([at('2026-01-01T04:00:00Z')]);
    expect(dueTicks(hourly, 'UTC', last, now, 10)).toEqual([
      at('2026-01-01T02:00:00Z'),
      at('2026-01-01T03:00:00Z'),
      at('2026-01-01T04:00:00Z'),
    ]);
    expect(dueTicks(hourly, 'UTC', last, now, 0)).toEqual([]);
  });

  it('counts a tick exactly at now and none at the cursor itself', () => {
    const now = at('2026-01-01T05:00:00Z');
    expect(dueTicks(hourly, 'UTC', at('2026-01-01T04:00:00Z'), now, 5)).toEqual([now]);
    expect(dueTicks(hourly, 'UTC', now, now, 5)).toEqual([]);
  });

  it('fires nothing for a schedule that never fired', () => {
    expect(dueTicks(hourly, 'UTC', null, at('2026-01-01T05:00:00Z'), 5)).toEqual([]);
  });

  it('reads the cron in the DAG time zone, across a DST change', () => {
    const nineInStockholm = '0 9 * * *';
    // Winter: 09:00 CET = 08:00Z; summer: 09:00 CEST = 07:00Z.
    expect(
      dueTicks(
        nineInStockholm,
        'Europe/Stockholm',
        at('2026-01-01T00:00:00Z'),
        at('2026-01-01T12:00:00Z'),
        1,
      ),
    ).toEqual([at('2026-01-01T08:00:00Z')]);
    expect(nextTick(nineInStockholm, 'Europe/Stockholm', at('2026-07-01T00:00:00Z'))).toBe(
      at('2026-07-01T07:00:00Z'),
    );
  });

  it('accepts 6-field (seconds) and nickname expressions', () => {
    expect(nextTick('*/10 * * * * *', undefined, at('2026-01-01T00:00:00Z'))).toBe(
      at('2026-01-01T00:00:10Z'),
    );
    expect(latestTick('@daily', 'UTC', at('2026-01-03T05:00:00Z'))).toBe(at('2026-01-03T00:00:00Z'));
  });
});
