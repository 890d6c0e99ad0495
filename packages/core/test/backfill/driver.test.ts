/**
 * The backfill driver on a real engine (MemoryStore, FakeRuntime, FakeClock): one run per tick in
 * [from, to) in the DAG's time zone, never more than the cap active, no duplicates when run twice or when
 * the scheduler already ran a tick, cancel as a whole, and a new driver carrying on after a "restart".
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  BACKFILL_LABEL,
  createBackfillDriver,
  dagKey,
  KontrolerError,
  silentLogger,
  ticksBetween,
  type BackfillDriver,
  type Engine,
} from '../../src/index.js';
import { FakeClock, createMemoryStore, type MemoryStore } from '../../src/testing/index.js';
import { dagDoc, harness } from '../engine/harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2026-03-28T00:00Z: Europe/Paris moves to summer time on the 29th at 02:00 local. */
const FROM = Date.UTC(2026, 2, 28);
const DAG = { namespace: 'default', name: 'nightly' };
/** The ticks of the test DAG's schedule in the first `days` days from FROM (one more across the DST change). */
const ticksOf = (days: number): number[] =>
  ticksBetween('0 1 * * *', 'Europe/Paris', FROM, FROM + days * DAY, 1000).ticks;

describe('ticksBetween', () => {
  it('lists the ticks in [from, to) in the time zone, across a DST change', () => {
    const { ticks, truncated } = ticksBetween('0 1 * * *', 'Europe/Paris', FROM, FROM + 3 * DAY, 100);
    expect(truncated).toBe(false);
    // 01:00 Paris is 00:00Z in winter (UTC+1, until 02:00 local on the 29th) and 23:00Z the day before
    // in summer (UTC+2): four ticks fall in three UTC days.
    expect(ticks.map((t) => new Date(t).toISOString())).toEqual([
      '2026-03-28T00:00:00.000Z',
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T23:00:00.000Z',
      '2026-03-30T23:00:00.000Z',
    ]);
    expect(ticksBetween('0 * * * *', 'UTC', FROM, FROM + HOUR, 10).ticks).toEqual([FROM]);
    expect(ticksBetween('0 * * * *', 'UTC', FROM, FROM + DAY, 5)).toEqual({
      ticks: [0, 1, 2, 3, 4].map((n) => FROM + n * HOUR),
      truncated: true,
    });
    expect(ticksBetween('0 * * * *', 'UTC', FROM, FROM, 5).ticks).toEqual([]);
  });
});

describe('backfill driver', () => {
  const engines: Engine[] = [];
  const drivers: BackfillDriver[] = [];
  afterEach(async () => {
    for (const d of drivers.splice(0)) d.stop();
    for (const engine of engines.splice(0)) await engine.stop();
  });

  async function setup(store: MemoryStore = createMemoryStore(), clock = new FakeClock(FROM + 30 * DAY)) {
    const h = await harness({ clock, store });
    engines.push(h.engine);
    // Each run's task takes a minute of fake time, so runs stay active until the test advances the clock.
    h.runtime.script({ task: 'work' }, { exitCode: 0, delayMs: 60_000 });
    await h.engine.registerDag(
      dagDoc('nightly', [{ name: 'work' }], { schedule: '0 1 * * *', timezone: 'Europe/Paris' }),
    );
    const driver = createBackfillDriver(
      {
        store,
        clock,
        logger: silentLogger,
        submit: (dag, options) => h.engine.submit(dag, undefined, { ...options, trigger: 'schedule' }),
        cancel: (runId) => h.engine.cancel(runId),
      },
      { maxTicks: 100 },
    );
    drivers.push(driver);
    return { ...h, driver };
  }

  const input = (id: string, days: number, maxActiveRuns: number) => ({
    id,
    dag: DAG,
    schedule: '0 1 * * *',
    timezone: 'Europe/Paris',
    from: FROM,
    to: FROM + days * DAY,
    maxActiveRuns,
    createdBy: 'alice',
  });

  const activeRuns = async (store: MemoryStore) =>
    (await store.listRuns({ dag: DAG, states: ['pending', 'running'] }, { limit: 500 })).items.length;

  it('creates one run per tick, never more than the cap active, and completes with done = total', async () => {
    const h = await setup();
    const created = await h.driver.create(input('bf-1', 5, 2));
    const total = ticksOf(5).length;
    expect(created).toMatchObject({ total, submitted: 2, done: 0, state: 'running' });
    expect(created.inFlight).toHaveLength(2);
    expect(await activeRuns(h.store)).toBe(2);
    let progress = created;
    for (let round = 0; round < 10 && progress.state === 'running'; round++) {
      await h.clock.advance(60_000);
      await h.driver.step();
      expect(await activeRuns(h.store)).toBeLessThanOrEqual(2);
      progress = (await h.store.getBackfill('bf-1')) ?? progress;
    }
    expect(progress).toMatchObject({ state: 'completed', total, submitted: total, done: total, failed: 0 });
    const runs = (await h.store.listRuns({ dag: DAG }, { limit: 50 })).items;
    expect(runs.map((r) => r.scheduledFor).sort()).toEqual(ticksOf(5));
    expect(runs.every((r) => r.labels[BACKFILL_LABEL] === 'bf-1')).toBe(true);
    expect(runs[0]?.idempotencyKey).toBe(`schedule:${dagKey(DAG)}:${runs[0]?.scheduledFor}`);
  });

  it('makes no duplicate runs when the same range is backfilled again or a tick already ran', async () => {
    const h = await setup();
    // The scheduler already ran the second tick (same key as the scheduler uses).
    const [, second] = ticksOf(3);
    const scheduled = await h.engine.submit(DAG, undefined, {
      idempotencyKey: `schedule:${dagKey(DAG)}:${second}`,
      scheduledFor: second as number,
      trigger: 'schedule',
    });
    await h.driver.create(input('bf-a', 3, 10));
    await h.driver.create(input('bf-b', 3, 10));
    const runs = (await h.store.listRuns({ dag: DAG }, { limit: 50 })).items;
    expect(runs).toHaveLength(ticksOf(3).length);
    expect(runs.filter((r) => r.id === scheduled.id)).toHaveLength(1);
  });

  it('cancels as a whole: no further ticks, active runs canceled', async () => {
    const h = await setup();
    await h.driver.create(input('bf-c', 6, 2));
    const canceled = await h.driver.cancel('bf-c');
    expect(canceled).toMatchObject({ state: 'canceled', nextTick: null });
    await h.clock.advance(1000);
    await h.driver.step();
    const runs = (await h.store.listRuns({ dag: DAG }, { limit: 50 })).items;
    expect(runs).toHaveLength(2);
    expect(await activeRuns(h.store)).toBe(0);
    expect((await h.store.getBackfill('bf-c'))?.state).toBe('canceled');
  });

  it('carries on after a restart: a new driver on the same store finishes the backfill', async () => {
    const store = createMemoryStore();
    const clock = new FakeClock(FROM + 30 * DAY);
    const first = await setup(store, clock);
    await first.driver.create(input('bf-r', 4, 1));
    first.driver.stop();
    await first.engine.stop();
    const second = await setup(store, clock);
    for (let round = 0; round < 10; round++) {
      await clock.advance(60_000);
      await second.driver.step();
    }
    const total = ticksOf(4).length;
    expect(await store.getBackfill('bf-r')).toMatchObject({
      state: 'completed',
      done: total,
      submitted: total,
    });
    expect((await store.listRuns({ dag: DAG }, { limit: 50 })).items).toHaveLength(total);
  });

  it('refuses a range without ticks or with too many, naming the field', async () => {
    const h = await setup();
    const none = await h.driver
      .create({ ...input('bf-x', 0, 1), from: FROM + HOUR, to: FROM + 2 * HOUR })
      .catch((e: unknown) => e);
    expect(KontrolerError.is(none, 'PARAMETER_INVALID')).toBe(true);
    expect((none as Error).message).toContain('no tick');
    const many = await h.driver
      .create({ ...input('bf-y', 0, 1), schedule: '* * * * *', to: FROM + 30 * DAY })
      .catch((e: unknown) => e);
    expect((many as Error).message).toContain('more than 100 ticks');
  });
});
