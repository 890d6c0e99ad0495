/** Duties other wiring modules attach (CRD status writing) start and stop with the leader duties of their engine. */
import { describe, expect, it } from 'vitest';
import { silentLogger, systemClock, type Engine } from '@kontroler/core';
import { attachLeaderDuty, createLeaderDuties } from '../src/wiring/duties.js';

describe('attachLeaderDuty', () => {
  const scheduler = { tick: async () => [] } as unknown as Engine['scheduler'];
  const duties = (engine: Pick<Engine, 'scheduler'>) =>
    createLeaderDuties({
      engine,
      store: { deleteFinishedRuns: async () => 0, deleteRunEventsBefore: async () => 0 },
      clock: systemClock,
      logger: silentLogger,
      retentionDays: 30,
      cronIntervalMs: 60_000,
      retentionIntervalMs: 60_000,
    });

  it('runs an attached duty exactly while the leader duties of the same engine run', async () => {
    const engine = { scheduler };
    const log: string[] = [];
    const detach = attachLeaderDuty(engine, {
      name: 'status',
      start: () => log.push('start'),
      stop: () => log.push('stop'),
    });
    const otherEngine = { scheduler };
    const other = duties(otherEngine);
    other.start();
    expect(log).toEqual([]);
    const mine = duties(engine);
    mine.start();
    mine.start();
    expect(log).toEqual(['start']);
    await mine.stop();
    expect(log).toEqual(['start', 'stop']);
    mine.start();
    // Attached while leading: started at once; detached while leading: stopped.
    const late: string[] = [];
    const detachLate = attachLeaderDuty(engine, {
      name: 'late',
      start: () => late.push('start'),
      stop: () => late.push('stop'),
    });
    expect(late).toEqual(['start']);
    detachLate();
    expect(late).toEqual(['start', 'stop']);
    detach();
    await mine.stop();
    await other.stop();
    expect(log).toEqual(['start', 'stop', 'start', 'stop']);
  });
});
