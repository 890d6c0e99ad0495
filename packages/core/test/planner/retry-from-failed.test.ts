import { describe, expect, it } from 'vitest';
import { KontrolerError } from '../../src/index.js';
import { applyRunCommit } from '../../src/model/apply-commit.js';
import { plan, planRetryFromFailed, retryRoundCommit } from '../../src/planner/index.js';
import { attempt, dagOf, snap, T0 } from './helpers.js';

const v1 = dagOf([
  { name: 'extract' },
  { name: 'load', runAfter: ['extract'] },
  { name: 'report', runAfter: ['load'] },
  { name: 'audit', runAfter: ['extract'] },
]);
const failedRun = snap(
  [
    attempt('extract', 'succeeded'),
    attempt('load', 'failed', { exitCode: 3 }),
    attempt('report', 'skipped'),
    attempt('audit', 'succeeded'),
  ],
  { state: 'failed', finishedAt: T0 + 10, reason: 'task load failed' },
);

describe('planRetryFromFailed', () => {
  it('keeps succeeded tasks and reruns failed and skipped ones', () => {
    expect(planRetryFromFailed(v1, failedRun)).toEqual({
      ok: true,
      round: 2,
      rerun: ['load', 'report'],
      kept: ['extract', 'audit'],
    });
  });

  it('reruns everything when fromFailed is false', () => {
    const result = planRetryFromFailed(v1, failedRun, undefined, { fromFailed: false });
    expect(result.ok && result.rerun).toEqual(['extract', 'load', 'report', 'audit']);
  });

  it('reruns canceled tasks of a canceled run', () => {
    const canceled = snap(
      [
        attempt('extract', 'succeeded'),
        attempt('load', 'canceled'),
        attempt('report', 'canceled'),
        attempt('audit', 'canceled'),
      ],
      {
        state: 'canceled',
      },
    );
    const result = planRetryFromFailed(v1, canceled);
    expect(result.ok && result.rerun).toEqual(['load', 'report', 'audit']);
  });

  it('on a newer version, adds its new tasks and reruns what sits below a rerun task', () => {
    const v2 = dagOf([
      { name: 'extract' },
      { name: 'clean', runAfter: ['extract'] },
      { name: 'load', runAfter: ['clean'] },
      { name: 'report', runAfter: ['load'] },
      { name: 'audit', runAfter: ['clean'] },
    ]);
    expect(planRetryFromFailed(v1, failedRun, v2)).toEqual({
      ok: true,
      round: 2,
      rerun: ['clean', 'load', 'report', 'audit'],
      kept: ['extract'],
    });
  });

  it('refuses a version that dropped a succeeded task', () => {
    const v2 = dagOf([
      { name: 'extract' },
      { name: 'load', runAfter: ['extract'] },
      { name: 'report', runAfter: ['load'] },
    ]);
    const result = planRetryFromFailed(v1, failedRun, v2);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(KontrolerError.is(result.error, 'VERSION_INCOMPATIBLE')).toBe(true);
    expect(result.error.details.missingTasks).toEqual(['audit']);
  });

  it('opens a round whose attempts continue the numbering and plan from the kept tasks', () => {
    const result = planRetryFromFailed(v1, failedRun);
    if (!result.ok) throw result.error;
    let n = 0;
    const commit = retryRoundCommit(failedRun, result, 1, T0 + 100, () => `new-${++n}`);
    expect(commit.run).toMatchObject({ state: 'running', round: 2, finishedAt: null, reason: null });
    expect(commit.newAttempts?.map((a) => [a.taskName, a.attempt, a.round, a.state])).toEqual([
      ['load', 2, 2, 'waiting'],
      ['report', 2, 2, 'waiting'],
    ]);
    const after = applyRunCommit(failedRun, commit);
    if (after === 'conflict') throw new Error('conflict');
    expect(plan(v1, after, T0 + 100).decisions).toEqual([
      { kind: 'ready', attemptId: 'new-1', task: 'load' },
    ]);
  });
});
