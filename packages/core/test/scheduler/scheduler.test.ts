import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { FakeClock, createMemoryStore, type MemoryStore } from '../../src/testing/index.js';
import { FakeRuntime } from '../../src/testing/index.js';
import { dagDoc, harness, Recorder, type Harness } from '../engine/harness.js';

const MIN = 60_000;

function scheduled(name: string, extra: Record<string, unknown> = {}, task: Record<string, unknown> = {}) {
  return dagDoc(name, [{ name: 'tick', ...task }], { schedule: '*/5 * * * *', ...extra });
}

describe('scheduler in the engine', () => {
  const engines: Engine[] = [];
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.stop();
  });
  async function track(h: Harness): Promise<Harness> {
    engines.push(h.engine);
    return h;
  }

  it('fires a run per cron tick with an idempotency key and the tick as scheduledFor', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const setup = await track(await harness({ clock, store }));
    await setup.engine.registerDag(scheduled('every5'));
    await setup.engine.stop();
    const h = await track(await harness({ clock, store, scheduler: true }));
    await h.clock.advance(5 * MIN);
    const fired = await h.recorder.until((e) => e.name === 'schedule.fired');
    const { tick, run } = fired.payload as {
      tick: number;
      run: { id: string; trigger: string; scheduledFor: number; idempotencyKey: string };
    };
    expect(tick).toBe(clock.now());
    expect(run).toMatchObject({
      trigger: 'schedule',
      scheduledFor: tick,
      idempotencyKey: `schedule:default/every5:${tick}`,
    });
    await h.clock.advance(10 * MIN);
    const runs = await store.listRuns({ dag: { namespace: 'default', name: 'every5' } }, { limit: 10 });
    expect(runs.items.map((r) => r.scheduledFor).sort()).toEqual([tick, tick + 5 * MIN, tick + 10 * MIN]);
  });

  it('after downtime fires at most maxCatchUp missed ticks, the most recent ones', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const first = await track(await harness({ clock, store }));
    await first.engine.registerDag(scheduled('catchup'));
    await first.engine.scheduler.tick();
    await first.engine.stop();
    await clock.advance(60 * MIN + 1000);

    const later = await track(await harness({ clock, store, scheduler: { maxCatchUp: 3 } }));
    await later.recorder.until(
      (e) => e.name === 'schedule.fired' && (e.payload as { tick: number }).tick === clock.now() - 1000,
    );
    const runs = await store.listRuns({ dag: { namespace: 'default', name: 'catchup' } }, { limit: 20 });
    const start = clock.now() - 1000;
    expect(runs.items.map((r) => r.scheduledFor).sort()).toEqual([start - 10 * MIN, start - 5 * MIN, start]);
  });

  it('with autoStart false keeps its options but fires only when the host ticks (leader-only hosts)', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const first = await track(await harness({ clock, store }));
    await first.engine.registerDag(scheduled('leader-only'));
    await first.engine.scheduler.tick();
    await first.engine.stop();
    await clock.advance(60 * MIN + 1000);

    const host = await track(await harness({ clock, store, scheduler: { maxCatchUp: 2, autoStart: false } }));
    await clock.advance(10 * MIN);
    // The first tick only set the schedule's cursor; nothing fires until the host ticks.
    expect(
      (await store.listRuns({ dag: { namespace: 'default', name: 'leader-only' } }, { limit: 20 })).items,
    ).toHaveLength(0);

    await host.engine.scheduler.tick();
    const runs = await store.listRuns({ dag: { namespace: 'default', name: 'leader-only' } }, { limit: 20 });
    // The two most recent missed ticks: the bounded catch-up the options asked for.
    expect(runs.items).toHaveLength(2);
  });

  it('forbid skips a tick while a run of the DAG is active; replace cancels it', async () => {
    const h = await track(await harness());
    h.runtime.script({ task: 'tick' }, { exitCode: 0, hang: true });
    await h.engine.registerDag(scheduled('forbidden', { concurrencyPolicy: 'forbid' }));
    await h.engine.registerDag(scheduled('replaced', { concurrencyPolicy: 'replace' }));
    await h.engine.scheduler.tick();
    await h.clock.advance(5 * MIN);
    const first = await h.engine.scheduler.tick();
    expect(first.map((f) => [f.dagName, f.skipped ?? 'fired'])).toEqual([
      ['forbidden', 'fired'],
      ['replaced', 'fired'],
    ]);
    await h.clock.advance(5 * MIN);
    const second = await h.engine.scheduler.tick();
    expect(second.map((f) => [f.dagName, f.skipped ?? 'fired'])).toEqual([
      ['forbidden', 'forbid'],
      ['replaced', 'fired'],
    ]);
    const replacedRuns = (
      await h.store.listRuns({ dag: { namespace: 'default', name: 'replaced' } }, { limit: 10 })
    ).items;
    expect(replacedRuns.map((r) => r.state).sort()).toEqual(['canceled', 'running']);
    expect(
      (await h.store.listRuns({ dag: { namespace: 'default', name: 'forbidden' } }, { limit: 10 })).items,
    ).toHaveLength(1);
  });

  it('does not fire suspended DAGs', async () => {
    const h = await track(await harness());
    await h.engine.registerDag(scheduled('paused'));
    await h.engine.scheduler.tick();
    await h.store.setDagSuspended({ namespace: 'default', name: 'paused' }, true, h.clock.now());
    await h.clock.advance(30 * MIN);
    expect(await h.engine.scheduler.tick()).toEqual([]);
    expect(
      (await h.store.listRuns({ dag: { namespace: 'default', name: 'paused' } }, { limit: 10 })).items,
    ).toHaveLength(0);
  });

  it('keys schedules by namespace and name: the same name in two namespaces fires twice', async () => {
    const h = await track(await harness());
    await h.engine.registerDag(scheduled('nightly', { namespace: 'team-a' }));
    await h.engine.registerDag(scheduled('nightly', { namespace: 'team-b' }));
    await h.engine.scheduler.tick();
    await h.store.setDagSuspended({ namespace: 'team-b', name: 'nightly' }, true, h.clock.now());
    await h.clock.advance(5 * MIN);
    const fired = await h.engine.scheduler.tick();
    expect(fired.map((f) => [f.namespace, f.dagName])).toEqual([['team-a', 'nightly']]);
    expect(fired[0]?.run).toMatchObject({ namespace: 'team-a', dagName: 'nightly' });
    expect(await h.store.getScheduleCursor({ namespace: 'team-a', name: 'nightly' })).toBe(h.clock.now());
    // team-b's cursor has not moved (it never fired; it counts from its save): suspending one never moves
    // the other.
    expect(await h.store.getScheduleCursor({ namespace: 'team-b', name: 'nightly' })).toBeNull();
    await h.store.setDagSuspended({ namespace: 'team-b', name: 'nightly' }, false, h.clock.now());
    const both = await h.engine.scheduler.tick();
    expect(both.map((f) => [f.namespace, f.run?.idempotencyKey])).toEqual([
      ['team-b', `schedule:team-b/nightly:${h.clock.now()}`],
    ]);
  });

  it('fires a tick exactly once across replicas ticking at the same time', async () => {
    const clock = new FakeClock();
    const store: MemoryStore = createMemoryStore();
    const runtime = new FakeRuntime({ clock });
    const make = async (workerId: string) => {
      const engine = createEngine({ store, clock, runtimes: [runtime], workerId, scheduler: false });
      engines.push(engine);
      new Recorder(engine);
      await engine.start();
      return engine;
    };
    const [a, b] = [await make('a'), await make('b')];
    await a.registerDag(scheduled('once'));
    await a.scheduler.tick();
    await clock.advance(5 * MIN);
    const [fa, fb] = await Promise.all([a.scheduler.tick(), b.scheduler.tick()]);
    const runs = (await store.listRuns({ dag: { namespace: 'default', name: 'once' } }, { limit: 10 })).items;
    expect(runs).toHaveLength(1);
    expect([...fa, ...fb].filter((f) => f.run !== undefined).every((f) => f.run?.id === runs[0]?.id)).toBe(
      true,
    );
    expect(await store.getScheduleCursor({ namespace: 'default', name: 'once' })).toBe(clock.now());
  });
});
