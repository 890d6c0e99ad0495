import { afterEach, describe, expect, it } from 'vitest';
import { harness, DIAMOND, type Harness } from './harness.js';

describe('engine: a diamond DAG', () => {
  let h: Harness;
  afterEach(async () => h?.engine.stop());

  it('runs a, then b and c, then d, with the exact event sequence', async () => {
    h = await harness();
    await h.engine.registerDag(DIAMOND);
    const run = await h.engine.submit('diamond');
    const finished = await h.recorder.finished(run.id);

    expect(finished.state).toBe('succeeded');
    expect(finished.reason).toBe('all 4 tasks succeeded');
    expect(h.recorder.trace(run.id)).toEqual([
      'run.created',
      'run.started',
      'task.ready:a',
      'task.started:a',
      'task.succeeded:a',
      'task.ready:b',
      'task.ready:c',
      'task.started:b',
      'task.started:c',
      'task.succeeded:b',
      'task.succeeded:c',
      'task.ready:d',
      'task.started:d',
      'task.succeeded:d',
      'run.finished',
    ]);
    expect(h.runtime.calls.map((c) => c.taskName)).toEqual(['a', 'b', 'c', 'd']);
    const snapshot = await h.engine.getRun(run.id);
    expect(snapshot?.attempts.map((a) => [a.taskName, a.state])).toEqual([
      ['a', 'succeeded'],
      ['b', 'succeeded'],
      ['c', 'succeeded'],
      ['d', 'succeeded'],
    ]);
    expect(snapshot?.attempts.every((a) => a.leaseOwner === null)).toBe(true);
    expect(h.runtime.cleanedRuns).toEqual([run.id]);
  });

  it('never has more attempts running than its concurrency', async () => {
    h = await harness({ concurrency: 1 });
    h.runtime
      .script({ task: 'b' }, { exitCode: 0, delayMs: 100 })
      .script({ task: 'c' }, { exitCode: 0, delayMs: 100 });
    await h.engine.registerDag(DIAMOND);
    const run = await h.engine.submit('diamond');
    await h.recorder.until(
      (e) => e.name === 'task.started' && 'attempt' in e.payload && e.payload.attempt.taskName === 'b',
    );
    await h.clock.advance(50);
    expect(h.runtime.calls.map((c) => c.taskName)).toEqual(['a', 'b']);
    await h.clock.advance(50);
    expect(h.runtime.calls.map((c) => c.taskName)).toEqual(['a', 'b', 'c']);
    await h.clock.advance(100);
    expect((await h.recorder.finished(run.id)).state).toBe('succeeded');
  });
});
