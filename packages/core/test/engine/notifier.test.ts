import { afterEach, describe, expect, it } from 'vitest';
import { createRunService, type Notifier, type OutboxRecord } from '../../src/index.js';
import { createMemoryStore, FakeClock, FakeRuntime, type MemoryStore } from '../../src/testing/index.js';
import { counterIds, dagDoc, harness, type Harness } from './harness.js';

describe('engine: notifier outbox', () => {
  let h: Harness;
  afterEach(async () => h?.engine.stop());

  it('writes the message in the commit and delivers it, retrying a failed delivery with backoff', async () => {
    const delivered: OutboxRecord[] = [];
    let failuresLeft = 2;
    const notifier: Notifier = {
      name: 'test-hook',
      topic: 'test',
      select(event, dag) {
        if (event.name !== 'run.finished') return null;
        return { runId: event.payload.run.id, payload: { dag: dag.name, state: event.payload.run.state } };
      },
      async deliver(message) {
        if (failuresLeft-- > 0) return { ok: false, statusCode: 503, error: 'unavailable', durationMs: 3 };
        delivered.push(message);
        return { ok: true, statusCode: 200, error: null, durationMs: 2 };
      },
    };
    h = await harness({ notifiers: [notifier] });
    await h.engine.registerDag(dagDoc('notify', [{ name: 'n' }]));
    const run = await h.engine.submit('notify');
    await h.recorder.finished(run.id);
    // The message exists as soon as the run finished: it was part of the same commit.
    const [entry] = await h.store.listDeliveries(run.id);
    expect(entry?.message).toMatchObject({ topic: 'test', payload: { dag: 'notify', state: 'succeeded' } });

    await h.clock.advance(0);
    expect(delivered).toHaveLength(0);
    await h.clock.advance(60_000);
    expect(delivered.map((m) => m.payload)).toEqual([{ dag: 'notify', state: 'succeeded' }]);
    const [after] = await h.store.listDeliveries(run.id);
    expect(after?.message.status).toBe('delivered');
    expect(after?.attempts.map((a) => [a.attempt, a.ok, a.statusCode])).toEqual([
      [1, false, 503],
      [2, false, 503],
      [3, true, 200],
    ]);
    expect(after!.attempts[1]!.at - after!.attempts[0]!.at).toBeGreaterThanOrEqual(800);
  });

  it('gives up after maxAgeMs', async () => {
    const notifier: Notifier = {
      name: 'dead-hook',
      topic: 'dead',
      maxAgeMs: 5_000,
      select: (event) =>
        event.name === 'run.finished' ? { runId: event.payload.run.id, payload: {} } : null,
      deliver: async () => ({ ok: false, statusCode: 500, error: 'boom', durationMs: 1 }),
    };
    h = await harness({ notifiers: [notifier] });
    await h.engine.registerDag(dagDoc('dead', [{ name: 'n' }]));
    const run = await h.engine.submit('dead');
    await h.recorder.finished(run.id);
    await h.clock.advance(60_000);
    const [entry] = await h.store.listDeliveries(run.id);
    expect(entry?.message.status).toBe('failed');
    expect(entry!.attempts.length).toBeGreaterThan(1);
    expect(entry!.attempts.length).toBeLessThan(6);
  });
});

describe('engine: task.started messages across a crash', () => {
  it.each([
    ['claimed by its claim loop, crashed before its task.started message reached the store', true, false],
    ['claimed by its claim loop, crashed after its task.started message reached the store', false, false],
    // The commit that readied the attempt claimed it for A and wrote the message with the claim.
    ['claimed in the commit that readied it, crashed while it ran', true, true],
  ])('a worker %s: the reclaim leaves exactly one message', async (_when, failEnqueue, claimInCommit) => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const runtime = new FakeRuntime({ clock });
    runtime.script({ task: 'work' }, { exitCode: 0, delayMs: 120_000 });
    const notifier: Notifier = {
      name: 'starts',
      topic: 'starts',
      select: (event) =>
        event.name === 'task.started'
          ? { runId: event.payload.run.id, payload: { task: event.payload.attempt.taskName } }
          : null,
      deliver: async () => ({ ok: true, statusCode: 200, error: null, durationMs: 1 }),
    };
    // Worker A's store loses its outbox writes: what a crash right after the claim looks like.
    const storeOfA = failEnqueue
      ? (new Proxy(store, {
          get(target, property) {
            if (property === 'enqueueOutbox') return async () => Promise.reject(new Error('crashed'));
            const value: unknown = Reflect.get(target, property);
            return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
          },
        }) as MemoryStore)
      : store;
    const a = await harness({
      clock,
      store: storeOfA,
      runtime,
      notifiers: [notifier],
      workerId: 'A',
      leaseMs: 30_000,
      newId: counterIds('a'),
    });
    await a.engine.registerDag(dagDoc('starts', [{ name: 'work' }]));
    // Submitted through a run service hosted alone (as the API hosts it), its commit claims nothing: A's
    // claim loop claims the attempt. Submitted through A's engine, the commit claims it for A.
    const submitter = claimInCommit
      ? a.engine
      : createRunService({ store, clock, notifiers: [notifier], newId: counterIds('s') });
    const run = await submitter.submit('starts');
    await a.recorder.until((e) => e.name === 'task.started');
    await a.engine.stop({ releaseLeases: false });
    const before = (await store.listDeliveries(run.id)).filter((d) => d.message.topic === 'starts');
    expect(before).toHaveLength(failEnqueue && !claimInCommit ? 0 : 1);

    const b = await harness({
      clock,
      store,
      runtime,
      notifiers: [notifier],
      workerId: 'B',
      leaseMs: 30_000,
      newId: counterIds('b'),
    });
    try {
      await clock.advance(31_000); // A's lease expires: B reclaims the attempt and announces it again
      await clock.advance(120_000);
      expect((await b.recorder.finished(run.id)).state).toBe('succeeded');
      const after = (await store.listDeliveries(run.id)).filter((d) => d.message.topic === 'starts');
      expect(after.map((d) => d.message.payload)).toEqual([{ task: 'work' }]);
    } finally {
      await b.engine.stop();
    }
  });
});
