/**
 * Active–active: two engines on one store execute the same runs at once. Their commits race on run
 * revisions; every conflict is reloaded and redone, and no attempt is ever executed twice.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/index.js';
import { FakeClock, createMemoryStore } from '../../src/testing/index.js';
import { FakeRuntime } from '../../src/testing/index.js';
import { counterIds, DIAMOND, Recorder } from './harness.js';

describe('engine: two replicas on one store', () => {
  it('finish every run, each attempt executed exactly once', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    let conflicts = 0;
    const commitRun = store.commitRun.bind(store);
    store.commitRun = async (commit) => {
      const result = await commitRun(commit);
      if (!result.ok) conflicts++;
      return result;
    };
    const runtime = new FakeRuntime({ clock });
    runtime
      .script({ task: 'b', attempt: 1 }, { exitCode: 1 })
      .script({ task: 'c' }, { exitCode: 0, delayMs: 5 });
    const engines = ['r1', 'r2'].map((workerId) =>
      createEngine({
        store,
        clock,
        runtimes: [runtime],
        workerId,
        concurrency: 3,
        scheduler: false,
        newId: counterIds(workerId),
        timing: { initialDelayMs: 10, factor: 1, maxDelayMs: 10, jitter: 0 },
      }),
    );
    const recorders = engines.map((engine) => new Recorder(engine));
    for (const engine of engines) await engine.start();
    await engines[0]!.registerDag(DIAMOND);
    const runs = [];
    for (let i = 0; i < 10; i++) runs.push(await engines[i % 2]!.submit('diamond'));
    await clock.advance(1000);

    for (const run of runs) {
      const snapshot = await store.getRunSnapshot(run.id);
      expect(snapshot?.run.state).toBe('succeeded');
      expect(snapshot?.attempts.map((a) => `${a.taskName}#${a.attempt}:${a.state}`).sort()).toEqual([
        'a#1:succeeded',
        'b#1:failed',
        'b#2:succeeded',
        'c#1:succeeded',
        'd#1:succeeded',
      ]);
    }
    // The replicas did race on revisions (deterministic here: fake clock, counter ids).
    expect(conflicts).toBeGreaterThan(0);
    expect(runtime.calls.every((c) => c.started)).toBe(true);
    expect(new Set(runtime.calls.map((c) => c.attemptId)).size).toBe(runtime.calls.length);
    expect(runtime.calls).toHaveLength(50);
    // Both replicas did part of the work.
    for (const recorder of recorders) {
      expect(recorder.events.filter((e) => e.name === 'task.started').length).toBeGreaterThan(0);
    }
    expect(recorders.flatMap((r) => r.events).filter((e) => e.name === 'engine.error')).toEqual([]);
    for (const engine of engines) await engine.stop();
  });
});
