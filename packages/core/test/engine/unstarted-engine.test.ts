/**
 * An engine that is never started is a run service: it registers DAGs, submits, cancels and retries runs
 * as store transactions and executes nothing (no claims, no timers, no scheduler). The API relies on this
 * with KONTROLER_RUNTIME=none, beside a started engine (the controller) that executes on the same store.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/index.js';
import { FakeClock, FakeRuntime, createMemoryStore } from '../../src/testing/index.js';
import { counterIds, DIAMOND } from './harness.js';

describe('engine: never started (the API beside a controller)', () => {
  it('submits, cancels and retries runs that only the started engine executes', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const service = createEngine({
      store,
      clock,
      scheduler: false,
      workerId: 'api',
      newId: counterIds('api'),
    });
    const runtime = new FakeRuntime({ clock });
    runtime
      .script({ task: 'a' }, { exitCode: 0, delayMs: 10 })
      .script({ task: 'b', attempt: 1 }, { exitCode: 0, hang: true });
    const worker = createEngine({
      store,
      clock,
      runtimes: [runtime],
      scheduler: false,
      workerId: 'controller',
      newId: counterIds('ctl'),
      leaseMs: 300,
    });

    await service.registerDag(DIAMOND);
    const run = await service.submit('diamond');
    // Planned and committed by the service: the root is ready, and nobody has run it.
    await clock.advance(1000);
    const planned = await store.getRunSnapshot(run.id);
    expect(planned?.run.state).toBe('running');
    expect(planned?.attempts.find((a) => a.taskName === 'a')?.state).toBe('ready');
    expect(runtime.calls).toEqual([]);

    await worker.start();
    await clock.advance(50);
    expect(runtime.callsOf('a')).toHaveLength(1);
    expect(runtime.callsOf('b')).toHaveLength(1);
    expect((await store.getRunSnapshot(run.id))?.attempts.find((a) => a.taskName === 'b')?.leaseOwner).toBe(
      'controller',
    );

    // A cancel through the service reaches the executing worker through the store (its heartbeat).
    await service.cancel(run.id);
    await clock.advance(1000);
    const canceled = await store.getRunSnapshot(run.id);
    expect(canceled?.run.state).toBe('canceled');
    expect(runtime.aborts.map((a) => a.attemptId)).toEqual([runtime.callsOf('b')[0]?.attemptId]);

    // A retry through the service is executed by the worker, too.
    await service.retry(run.id);
    await clock.advance(1000);
    expect((await store.getRunSnapshot(run.id))?.run.state).toBe('succeeded');
    expect(runtime.calls.map((c) => `${c.taskName}#${c.attempt}`).sort()).toEqual([
      'a#1',
      'b#1',
      'b#2',
      'c#1',
      // d#1 was canceled while waiting, so it never ran; the retry runs d#2.
      'd#2',
    ]);
    await worker.stop();
    await service.stop();
  });
});
