import { afterEach, describe, expect, it } from 'vitest';
import {
  KontrolerError,
  type AttemptRecord,
  type ErrorCode,
  type TaskActionRefusal,
} from '../../src/index.js';
import { dagDoc, harness, type Harness } from './harness.js';

/** extract → load → report, plus an exit handler. */
const ETL = dagDoc(
  'etl',
  [
    { name: 'extract' },
    { name: 'load', runAfter: ['extract'], backoff: { limit: 0 } },
    { name: 'report', runAfter: ['load'] },
  ],
  { onExit: [{ name: 'notify', image: 'alpine:3', command: ['true'] }] },
);

const rows = (attempts: readonly AttemptRecord[]) =>
  attempts.map((a) => `${a.taskName}#${a.attempt} r${a.round} ${a.state}${a.reason ? ` ${a.reason}` : ''}`);

function refusedWith(code: ErrorCode, why?: TaskActionRefusal) {
  return (e: unknown) =>
    KontrolerError.is(e, code) &&
    (why === undefined || (e.details as { why?: string } | undefined)?.why === why);
}

describe('engine: task-level actions', () => {
  let h: Harness;
  afterEach(async () => h?.engine.stop());

  /** Resolves when the run finishes in `round`. */
  async function finishedInRound(runId: string, round: number) {
    const event = await h.recorder.until(
      (e) =>
        e.name === 'run.finished' &&
        (e.payload as { run: { id: string; round: number } }).run.id === runId &&
        (e.payload as { run: { round: number } }).run.round === round,
    );
    return (event.payload as { run: { state: string; reason: string | null } }).run;
  }

  async function succeededRun(): Promise<string> {
    await h.engine.registerDag(ETL);
    const run = await h.engine.submit('etl');
    expect((await h.recorder.finished(run.id)).state).toBe('succeeded');
    return run.id;
  }

  it('reruns one task of a succeeded run, reopening it, and keeps the older attempts', async () => {
    h = await harness();
    const runId = await succeededRun();
    const result = await h.engine.rerunTask(runId, 'load');
    expect(result.run).toMatchObject({ state: 'running', round: 2, finishedAt: null, reason: null });
    expect(rows(result.attempts)).toEqual(['load#2 r2 waiting Rerun']);
    expect(await finishedInRound(runId, 2)).toMatchObject({ state: 'succeeded' });
    // Only load runs again; the exit handler runs again at the end of the new round.
    expect(h.runtime.calls.map((c) => `${c.taskName}#${c.attempt}`)).toEqual([
      'extract#1',
      'load#1',
      'report#1',
      'notify#1',
      'load#2',
      'notify#2',
    ]);
    const trace = h.recorder.trace(runId);
    expect(trace.slice(trace.indexOf('task.rerun:load'))).toEqual([
      'task.rerun:load',
      'task.ready:load',
      'task.started:load',
      'task.succeeded:load',
      'task.ready:notify',
      'task.started:notify',
      'task.succeeded:notify',
      'run.finished',
    ]);
    const snapshot = await h.engine.getRun(runId);
    expect(snapshot?.attempts.filter((a) => a.taskName === 'load').map((a) => a.state)).toEqual([
      'succeeded',
      'succeeded',
    ]);
  });

  it('reruns a task with everything downstream of it', async () => {
    h = await harness();
    const runId = await succeededRun();
    const result = await h.engine.rerunTask(runId, 'extract', { downstream: true });
    expect(result.attempts.map((a) => a.taskName)).toEqual(['extract', 'load', 'report']);
    expect(h.recorder.trace(runId).filter((t) => t.startsWith('task.rerun'))).toEqual([
      'task.rerun:extract',
      'task.rerun:load',
      'task.rerun:report',
    ]);
    await finishedInRound(runId, 2);
    for (const task of ['extract', 'load', 'report', 'notify'])
      expect(h.runtime.callsOf(task)).toHaveLength(2);
  });

  it('reruns every instance of a forEach task, succeeded ones included', async () => {
    h = await harness();
    await h.engine.registerDag(
      dagDoc('fan', [
        { name: 'prep' },
        { name: 'each', runAfter: ['prep'], forEach: { items: ['a', 'b', 'c'] } },
        { name: 'sum', runAfter: ['each'] },
      ]),
    );
    const run = await h.engine.submit('fan');
    await h.recorder.finished(run.id);
    await h.engine.rerunTask(run.id, 'each', { downstream: true });
    expect(await finishedInRound(run.id, 2)).toMatchObject({ state: 'succeeded' });
    expect(
      h.runtime.calls
        .map((c) => c.taskName)
        .filter((t) => t.startsWith('each['))
        .sort(),
    ).toEqual(['each[0]', 'each[0]', 'each[1]', 'each[1]', 'each[2]', 'each[2]']);
    expect(h.runtime.callsOf('prep')).toHaveLength(1);
    expect(h.runtime.callsOf('sum')).toHaveLength(2);
  });

  it('gives the rerun task a fresh retry budget', async () => {
    h = await harness();
    h.runtime.script({ task: 'flaky', attempt: 1 }, { exitCode: 1 });
    h.runtime.script({ task: 'flaky', attempt: 2 }, { exitCode: 1 });
    h.runtime.script({ task: 'flaky', attempt: 3 }, { exitCode: 1 });
    await h.engine.registerDag(dagDoc('flaky', [{ name: 'flaky', backoff: { limit: 1 } }]));
    const run = await h.engine.submit('flaky');
    const failed = h.recorder.finished(run.id);
    await h.clock.advance(60_000);
    expect((await failed).state).toBe('failed');
    await h.engine.rerunTask(run.id, 'flaky');
    const second = finishedInRound(run.id, 2);
    await h.clock.advance(60_000);
    // Attempt 3 fails and is retried within the new round; attempt 4 succeeds.
    expect(await second).toMatchObject({ state: 'succeeded' });
    expect(h.runtime.callsOf('flaky').map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('a failed task outside the rerun is not retried by the new round', async () => {
    h = await harness();
    h.runtime.script({ task: 'bad' }, { exitCode: 2 });
    await h.engine.registerDag(
      dagDoc('two', [
        { name: 'good', backoff: { limit: 0 } },
        { name: 'bad', backoff: { limit: 0 } },
      ]),
    );
    const run = await h.engine.submit('two');
    expect((await h.recorder.finished(run.id)).state).toBe('failed');
    await h.engine.rerunTask(run.id, 'good');
    expect(await finishedInRound(run.id, 2)).toMatchObject({ state: 'failed' });
    expect(h.runtime.callsOf('bad')).toHaveLength(1);
    expect(h.runtime.callsOf('good')).toHaveLength(2);
  });

  it('marks a failed task succeeded so that its skipped downstream runs', async () => {
    h = await harness();
    h.runtime.script({ task: 'load' }, { exitCode: 3 });
    await h.engine.registerDag(ETL);
    const run = await h.engine.submit('etl');
    expect((await h.recorder.finished(run.id)).state).toBe('failed');
    const result = await h.engine.markTask(run.id, 'load', { state: 'succeeded', message: 'loaded by hand' });
    expect(rows(result.attempts)).toEqual(['load#2 r2 succeeded MarkedSucceeded', 'report#2 r2 waiting']);
    expect(result.attempts[0]).toMatchObject({ message: 'loaded by hand', startedAt: null });
    expect(await finishedInRound(run.id, 2)).toMatchObject({ state: 'succeeded' });
    expect(h.runtime.callsOf('load')).toHaveLength(1);
    expect(h.runtime.callsOf('report')).toHaveLength(1);
    expect(h.recorder.trace(run.id)).toContain('task.marked:load');
  });

  it('marks a waiting task failed in a running run, so its downstream stops', async () => {
    h = await harness();
    h.runtime.script({ task: 'extract' }, { exitCode: 0, delayMs: 1000 });
    await h.engine.registerDag(ETL);
    const run = await h.engine.submit('etl');
    await h.recorder.until((e) => e.name === 'task.started');
    const result = await h.engine.markTask(run.id, 'load', { state: 'failed' });
    expect(rows(result.attempts)).toEqual(['load#1 r1 failed MarkedFailed']);
    expect(result.attempts[0]).toMatchObject({ nonRetryable: true, message: 'marked failed by hand' });
    const finished = finishedInRound(run.id, 2);
    await h.clock.advance(1000);
    const end = await finished;
    expect(end).toMatchObject({ state: 'failed' });
    expect(end.reason).toContain('task load failed (MarkedFailed)');
    expect(h.runtime.callsOf('load')).toHaveLength(0);
    const snapshot = await h.engine.getRun(run.id);
    expect(snapshot?.attempts.find((a) => a.taskName === 'report')).toMatchObject({
      state: 'skipped',
      reason: 'UpstreamFailed',
    });
  });

  it('refuses actions on running, unstarted, unknown and exit-handler tasks', async () => {
    h = await harness();
    h.runtime.script({ task: 'extract' }, { exitCode: 0, hang: true });
    await h.engine.registerDag(ETL);
    const run = await h.engine.submit('etl');
    await h.recorder.until((e) => e.name === 'task.started');
    await expect(h.engine.rerunTask(run.id, 'extract')).rejects.toSatisfy(
      refusedWith('TASK_ACTION_REFUSED', 'active'),
    );
    await expect(h.engine.markTask(run.id, 'extract', { state: 'succeeded' })).rejects.toSatisfy(
      refusedWith('TASK_ACTION_REFUSED', 'active'),
    );
    await expect(h.engine.rerunTask(run.id, 'load')).rejects.toSatisfy(
      refusedWith('TASK_ACTION_REFUSED', 'not-started'),
    );
    await expect(h.engine.rerunTask(run.id, 'nope')).rejects.toSatisfy(refusedWith('TASK_NOT_FOUND'));
    await expect(h.engine.markTask(run.id, 'notify', { state: 'failed' })).rejects.toSatisfy(
      refusedWith('TASK_ACTION_REFUSED', 'exit-handler'),
    );
    await expect(h.engine.rerunTask('no-such-run', 'load')).rejects.toSatisfy(refusedWith('RUN_NOT_FOUND'));
    // Nothing was written by the refusals.
    expect((await h.engine.getRun(run.id))?.run).toMatchObject({ round: 1, state: 'running' });
    await h.engine.cancel(run.id);
  });

  it('refuses to mark a task with the state it already has', async () => {
    h = await harness();
    const runId = await succeededRun();
    await expect(h.engine.markTask(runId, 'load', { state: 'succeeded' })).rejects.toSatisfy(
      refusedWith('TASK_ACTION_REFUSED', 'unchanged'),
    );
  });
});
