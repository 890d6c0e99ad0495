/**
 * Crash and resume: engine A claims attempts and dies (stops without handing its leases back); engine B
 * on the same store reclaims them once the leases expire and finishes every run. The FakeRuntime stands
 * for pods: shared by both engines and idempotent by attempt id, so a reclaim adopts, never restarts.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock, createMemoryStore, makeAttempt, makeRun } from '../../src/testing/index.js';
import { FakeRuntime } from '../../src/testing/index.js';
import { counterIds, dagDoc, harness, Recorder } from './harness.js';
import { createEngine } from '../../src/index.js';

describe('engine: resume after a crash', () => {
  it('finishes every run on another engine without executing an attempt twice', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const runtime = new FakeRuntime({ clock });
    runtime.script({ task: 'work' }, { exitCode: 0, delayMs: 120_000 });
    const a = await harness({
      clock,
      store,
      runtime,
      workerId: 'A',
      leaseMs: 30_000,
      newId: counterIds('a'),
    });
    await a.engine.registerDag(dagDoc('job', [{ name: 'work' }, { name: 'then', runAfter: ['work'] }]));
    const runs = await Promise.all([1, 2, 3].map(() => a.engine.submit('job')));
    while (runtime.calls.length < 3) await a.recorder.until((e) => e.name === 'task.started');
    await a.engine.stop({ releaseLeases: false });
    // What A's runtime had stored of the first attempt's log (two lines share the last millisecond).
    const logged = runtime.calls[0]!.attemptId;
    await store.appendLogs(logged, [
      { ts: 1000, stream: 'stdout', line: 'one' },
      { ts: 2000, stream: 'stdout', line: 'two' },
      { ts: 2000, stream: 'stderr', line: 'three' },
      { ts: 9000, stream: 'system', line: 'a note of the engine' },
    ]);

    const b = createEngine({
      store,
      clock,
      runtimes: [runtime],
      workerId: 'B',
      leaseMs: 30_000,
      scheduler: false,
      newId: counterIds('b'),
    });
    const recorder = new Recorder(b);
    await b.start();
    // Before the leases expire nothing is reclaimed.
    await clock.advance(29_000);
    expect(runtime.calls).toHaveLength(3);
    await clock.advance(2_000);
    expect(runtime.calls.filter((c) => c.reclaimed)).toHaveLength(3);
    // The reclaiming runtime learns where the stored log ends; attempts with no stored lines get nothing.
    const reclaims = runtime.calls.filter((c) => c.reclaimed);
    expect(reclaims.find((c) => c.attemptId === logged)?.resumeLog).toEqual({ afterTs: 2000, atTs: 2 });
    expect(reclaims.filter((c) => c.resumeLog !== undefined)).toHaveLength(1);
    await clock.advance(120_000);
    for (const run of runs) expect((await recorder.finished(run.id)).state).toBe('succeeded');

    const started = runtime.calls.filter((c) => c.started).map((c) => c.attemptId);
    expect(new Set(started).size).toBe(started.length);
    for (const call of runtime.calls.filter((c) => !c.started)) expect(call.reclaimed).toBe(true);
    expect(runtime.callsOf('then').every((c) => !c.reclaimed)).toBe(true);
    expect(runtime.callsOf('then')).toHaveLength(3);
    for (const run of runs) {
      const snapshot = await store.getRunSnapshot(run.id);
      expect(snapshot?.attempts.map((x) => x.state)).toEqual(['succeeded', 'succeeded']);
    }
    await b.stop();
  });

  it('re-plans active runs on start (a run created while no engine was running)', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const first = await harness({ clock, store });
    await first.engine.registerDag(dagDoc('later', [{ name: 'only' }]));
    await first.engine.stop();
    // Written straight to the store, as another process might: pending, never planned.
    const run = makeRun({ dagName: 'later', dagVersion: 1, state: 'pending' });
    await store.createRun({
      run,
      attempts: [makeAttempt({ runId: run.id, taskName: 'only', state: 'waiting' })],
    });
    const second = await harness({ clock, store });
    expect((await second.recorder.finished(run.id)).state).toBe('succeeded');
    await second.engine.stop();
  });

  it('drains: stop({drain: true}) waits for running attempts and records them', async () => {
    const h = await harness();
    h.runtime.script({ task: 'w' }, { exitCode: 0, delayMs: 1000 });
    await h.engine.registerDag(dagDoc('drain', [{ name: 'w' }, { name: 'x', runAfter: ['w'] }]));
    const run = await h.engine.submit('drain');
    await h.recorder.until((e) => e.name === 'task.started');
    const stopped = h.engine.stop({ drain: true });
    await h.clock.advance(1000);
    await stopped;
    const snapshot = await h.engine.getRun(run.id);
    expect(snapshot?.attempts.map((x) => x.state)).toEqual(['succeeded', 'ready']);
    expect(h.runtime.callsOf('x')).toHaveLength(0);
  });
});
