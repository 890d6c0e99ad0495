import { afterEach, describe, expect, it } from 'vitest';
import { KontrolerError } from '../../src/index.js';
import { dagDoc, harness, type Harness } from './harness.js';

const V1 = dagDoc('etl', [
  { name: 'extract' },
  { name: 'load', runAfter: ['extract'], backoff: { limit: 0 } },
  { name: 'report', runAfter: ['load'] },
]);

describe('engine: retry from failed', () => {
  let h: Harness;
  afterEach(async () => h?.engine.stop());

  async function failedRun(): Promise<string> {
    h.runtime.script({ task: 'load', attempt: 1 }, { exitCode: 3 });
    await h.engine.registerDag(V1);
    const run = await h.engine.submit('etl');
    expect((await h.recorder.finished(run.id)).state).toBe('failed');
    return run.id;
  }

  it('keeps succeeded tasks and reruns the failed and skipped ones', async () => {
    h = await harness();
    const runId = await failedRun();
    const retried = await h.engine.retry(runId);
    expect(retried).toMatchObject({ state: 'running', round: 2, reason: null, finishedAt: null });
    const finished = await h.recorder.until(
      (e) => e.name === 'run.finished' && (e.payload as { run: { round: number } }).run.round === 2,
    );
    expect((finished.payload as { run: { state: string } }).run.state).toBe('succeeded');
    expect(h.runtime.calls.map((c) => `${c.taskName}#${c.attempt}`)).toEqual([
      'extract#1',
      'load#1',
      'load#2',
      'report#2',
    ]);
    expect(h.recorder.trace(runId)).toContain('run.retried');
    const snapshot = await h.engine.getRun(runId);
    expect(snapshot?.attempts.map((a) => [a.taskName, a.attempt, a.round, a.state])).toEqual([
      ['extract', 1, 1, 'succeeded'],
      ['load', 1, 1, 'failed'],
      ['report', 1, 1, 'skipped'],
      ['load', 2, 2, 'succeeded'],
      ['report', 2, 2, 'succeeded'],
    ]);
  });

  it('moves to a newer version, running its new task', async () => {
    h = await harness();
    const runId = await failedRun();
    await h.engine.registerDag(
      dagDoc('etl', [
        { name: 'extract' },
        { name: 'clean', runAfter: ['extract'] },
        { name: 'load', runAfter: ['clean'] },
        { name: 'report', runAfter: ['load'] },
      ]),
    );
    const retried = await h.engine.retry(runId, { version: 'latest' });
    expect(retried.dagVersion).toBe(2);
    const finished = await h.recorder.until(
      (e) => e.name === 'run.finished' && (e.payload as { run: { round: number } }).run.round === 2,
    );
    expect((finished.payload as { run: { state: string } }).run.state).toBe('succeeded');
    expect(h.runtime.callsOf('clean')).toHaveLength(1);
    expect(h.runtime.callsOf('extract')).toHaveLength(1);
  });

  it('refuses a version without a succeeded task, and runs that are not failed', async () => {
    h = await harness();
    const runId = await failedRun();
    await h.engine.registerDag(dagDoc('etl', [{ name: 'load' }, { name: 'report', runAfter: ['load'] }]));
    await expect(h.engine.retry(runId, { version: 2 })).rejects.toSatisfy((e: unknown) =>
      KontrolerError.is(e, 'VERSION_INCOMPATIBLE'),
    );
    await h.engine.retry(runId);
    await expect(h.engine.retry(runId)).rejects.toSatisfy((e: unknown) =>
      KontrolerError.is(e, 'RUN_NOT_RETRYABLE'),
    );
  });
});
