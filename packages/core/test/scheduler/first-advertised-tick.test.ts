/**
 * Regression (issue 15): a DAG scheduled `*\/1 * * * *` and saved at :45 s advertised its next run at the
 * next minute, and no run happened then; the runs came a minute later. The scheduler first read the DAG at
 * its next poll, after that minute, and started the schedule from "now" without firing the tick it had
 * advertised. `upcomingTicks` is what the API advertises as `nextRunAt`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, systemClock, upcomingTicks, type Engine } from '../../src/index.js';
import { FakeClock, FakeRuntime, createMemoryStore } from '../../src/testing/index.js';
import { dagDoc, harness, Recorder } from '../engine/harness.js';

const SECOND = 1000;

describe('the first advertised fire time fires', () => {
  const engines: Engine[] = [];
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.stop();
  });

  it('a DAG saved at :45 s runs at the next minute it advertised (fake clock)', async () => {
    const clock = new FakeClock();
    // The loop polls at :30 and would next read the DAGs at 1:30, after the advertised 1:00.
    await clock.advance(30 * SECOND);
    const h = await harness({ clock, scheduler: true });
    engines.push(h.engine);
    await clock.advance(15 * SECOND);
    const saved = await h.engine.registerDag(
      dagDoc('every-minute', [{ name: 'tick' }], { schedule: '*/1 * * * *' }),
    );
    const [advertised] = upcomingTicks('*/1 * * * *', undefined, clock.now(), 1);
    expect(advertised).toBe(saved.version.createdAt + 15 * SECOND);

    await clock.advanceTo(advertised as number);
    const runs = (
      await h.store.listRuns({ dag: { namespace: 'default', name: 'every-minute' } }, { limit: 10 })
    ).items;
    expect(runs.map((r) => r.scheduledFor)).toEqual([advertised]);
    expect(runs[0]?.createdAt).toBe(advertised);
  });

  it('a DAG read late by the loop still gets the tick after its save (fake clock, no re-arm)', async () => {
    const clock = new FakeClock();
    await clock.advance(45 * SECOND);
    const store = createMemoryStore();
    const h = await harness({ clock, store });
    engines.push(h.engine);
    await h.engine.registerDag(dagDoc('late-read', [{ name: 'tick' }], { schedule: '*/1 * * * *' }));
    const [advertised] = upcomingTicks('*/1 * * * *', undefined, clock.now(), 1);
    // A scheduler in another process reads the DAG 45 s after the advertised tick.
    await clock.advanceTo((advertised as number) + 45 * SECOND);
    const fired = await h.engine.scheduler.tick();
    expect(fired.map((f) => f.tick)).toEqual([advertised]);
    expect(fired[0]?.run?.scheduledFor).toBe(advertised);
  });

  it('a DAG whose tick comes before the store answers the scheduler still fires at that tick', async () => {
    const clock = new FakeClock();
    await clock.advance(45 * SECOND);
    const store = createMemoryStore();
    const h = await harness({ clock, store, scheduler: true });
    engines.push(h.engine);
    // From here the scheduler's reads of the scheduled DAGs wait until the test lets them through, as a
    // busy database would make them: the save's caller moves the clock on before any of them answers.
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const read = store.listScheduledDags.bind(store);
    store.listScheduledDags = async () => {
      await gate;
      return read();
    };
    await h.engine.registerDag(dagDoc('slow-read', [{ name: 'tick' }], { schedule: '*/1 * * * *' }));
    const [advertised] = upcomingTicks('*/1 * * * *', undefined, clock.now(), 1);
    const fired = h.recorder.until((e) => e.name === 'schedule.fired');
    await clock.advanceTo(advertised as number);
    release();

    let timeout: ReturnType<typeof setTimeout> | undefined;
    const event = await Promise.race([
      fired,
      new Promise<never>((_, reject) => {
        timeout = setTimeout(() => reject(new Error('the advertised tick never fired')), 5 * SECOND);
      }),
    ]).finally(() => clearTimeout(timeout));
    expect((event.payload as { tick: number }).tick).toBe(advertised);
  });

  it('a six-field schedule fires at the second it advertised (real clock)', async () => {
    const store = createMemoryStore();
    const engine = createEngine({
      store,
      clock: systemClock,
      runtimes: [new FakeRuntime()],
      // A long poll, so that only the save's re-arm can make the run happen on time.
      scheduler: { pollIntervalMs: 60_000 },
    });
    engines.push(engine);
    const recorder = new Recorder(engine);
    await engine.start();
    const schedule = '*/2 * * * * *';
    // What a caller would be shown is the first tick after the save; the save takes a moment, so that is
    // the first tick after `before` or, when a tick passed during the save, the first after `after`.
    const before = Date.now();
    await engine.registerDag(dagDoc('every-2s', [{ name: 'tick' }], { schedule }));
    const after = Date.now();
    const candidates = new Set([
      ...upcomingTicks(schedule, undefined, before, 1),
      ...upcomingTicks(schedule, undefined, after, 1),
    ]);

    let timeout: ReturnType<typeof setTimeout> | undefined;
    const fired = await Promise.race([
      recorder.until((e) => e.name === 'schedule.fired'),
      new Promise<never>((_, reject) => {
        timeout = setTimeout(() => reject(new Error('no run within 5 s of the save')), 5 * SECOND);
      }),
    ]).finally(() => clearTimeout(timeout));
    const { tick, run } = fired.payload as { tick: number; run: { scheduledFor: number; createdAt: number } };
    expect([...candidates]).toContain(tick);
    expect(run.scheduledFor).toBe(tick);
    // Made within the advertised second, not at the next poll.
    expect(run.createdAt).toBeGreaterThanOrEqual(tick);
    expect(run.createdAt).toBeLessThan(tick + SECOND);
  });
});
