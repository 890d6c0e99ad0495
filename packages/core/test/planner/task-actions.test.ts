import { describe, expect, it } from 'vitest';
import { applyRunCommit } from '../../src/model/apply-commit.js';
import { plan, planTaskMark, planTaskRerun, type TaskActionPlan } from '../../src/planner/index.js';
import { attempt, dagOf, snap, T0 } from './helpers.js';

const dag = dagOf([
  { name: 'a' },
  { name: 'b', runAfter: ['a'], limit: 0 },
  { name: 'c', runAfter: ['b'] },
  { name: 'side', runAfter: ['a'] },
]);
const NOW = T0 + 1000;
const ids = () => {
  let n = 0;
  return () => `new-${++n}`;
};
const why = (p: TaskActionPlan) =>
  p.ok ? 'ok' : `${p.error.code}:${(p.error.details as { why?: string }).why ?? ''}`;

describe('planTaskRerun', () => {
  const running = snap([
    attempt('a', 'succeeded'),
    attempt('b', 'succeeded'),
    attempt('c', 'waiting'),
    attempt('side', 'running'),
  ]);

  it('in a running run: a new round, new attempts for ended tasks below, waiting ones kept', () => {
    const result = planTaskRerun(dag, running, { task: 'b', downstream: true }, NOW, ids());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.commit.run).toEqual({ round: 2 });
    expect(result.attempts.map((a) => [a.taskName, a.attempt, a.round, a.state, a.reason])).toEqual([
      ['b', 2, 2, 'waiting', 'Rerun'],
    ]);
    const after = applyRunCommit(running, result.commit);
    if (after === 'conflict') throw new Error('conflict');
    // The planner readies the new attempt; c keeps waiting for it; side keeps running.
    expect(plan(dag, after, NOW).decisions).toEqual([{ kind: 'ready', attemptId: 'new-1', task: 'b' }]);
  });

  it('refuses when a task it would rerun is running, naming it', () => {
    const result = planTaskRerun(dag, running, { task: 'a', downstream: true }, NOW, ids());
    expect(why(result)).toBe('TASK_ACTION_REFUSED:active');
    expect(!result.ok && result.error.message).toContain('task side (downstream of a) is running');
  });

  it('refuses a pending run, a run being canceled, a task that has not run, an unknown task', () => {
    expect(
      why(
        planTaskRerun(
          dag,
          { ...running, run: { ...running.run, state: 'pending' } },
          { task: 'a' },
          NOW,
          ids(),
        ),
      ),
    ).toBe('TASK_ACTION_REFUSED:run-pending');
    expect(
      why(
        planTaskRerun(
          dag,
          { ...running, run: { ...running.run, cancelRequested: true } },
          { task: 'a' },
          NOW,
          ids(),
        ),
      ),
    ).toBe('TASK_ACTION_REFUSED:run-canceling');
    expect(why(planTaskRerun(dag, running, { task: 'c' }, NOW, ids()))).toBe(
      'TASK_ACTION_REFUSED:not-started',
    );
    expect(why(planTaskRerun(dag, running, { task: 'zzz' }, NOW, ids()))).toBe('TASK_NOT_FOUND:');
  });
});

describe('planTaskMark', () => {
  const failed = snap(
    [
      attempt('a', 'succeeded'),
      attempt('b', 'failed', { exitCode: 1 }),
      attempt('c', 'skipped', { reason: 'UpstreamFailed' }),
      attempt('side', 'succeeded'),
    ],
    { state: 'failed', finishedAt: T0 + 10, reason: 'task b failed' },
  );

  it('mark succeeded in a failed run: reopens it, records a settled attempt and reopens skipped tasks below', () => {
    const result = planTaskMark(dag, failed, { task: 'b', state: 'succeeded' }, NOW, ids());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.commit.run).toEqual({
      state: 'running',
      finishedAt: null,
      reason: null,
      cancelRequested: false,
      round: 2,
    });
    expect(
      result.attempts.map((a) => [a.taskName, a.attempt, a.round, a.state, a.reason, a.finishedAt]),
    ).toEqual([
      ['b', 2, 2, 'succeeded', 'MarkedSucceeded', NOW],
      ['c', 2, 2, 'waiting', null, null],
    ]);
    const after = applyRunCommit(failed, result.commit);
    if (after === 'conflict') throw new Error('conflict');
    expect(plan(dag, after, NOW).decisions).toEqual([{ kind: 'ready', attemptId: 'new-2', task: 'c' }]);
  });

  it('mark failed of a waiting task settles that attempt, never retried; its downstream is skipped', () => {
    const waiting = snap([
      attempt('a', 'running'),
      attempt('b', 'waiting'),
      attempt('c', 'waiting'),
      attempt('side', 'waiting'),
    ]);
    const result = planTaskMark(dag, waiting, { task: 'b', state: 'failed', message: 'no' }, NOW, ids());
    expect(result.ok && result.commit.attempts).toEqual([
      {
        id: 'b#1',
        expectState: 'waiting',
        set: {
          state: 'failed',
          reason: 'MarkedFailed',
          message: 'no',
          exitCode: null,
          finishedAt: NOW,
          nonRetryable: true,
          failureKind: null,
        },
      },
    ]);
    if (!result.ok) return;
    const after = applyRunCommit(waiting, result.commit);
    if (after === 'conflict') throw new Error('conflict');
    expect(plan(dag, after, NOW).decisions).toEqual([
      { kind: 'skip', attemptId: 'c#1', task: 'c', because: 'b' },
    ]);
  });

  it('refuses the state the task already has, and exit handlers', () => {
    expect(why(planTaskMark(dag, failed, { task: 'b', state: 'failed' }, NOW, ids()))).toBe(
      'TASK_ACTION_REFUSED:unchanged',
    );
    const withExit = { ...dag, onExit: new Map([['notify', dag.tasks.get('a')!]]), exitOrder: ['notify'] };
    expect(why(planTaskMark(withExit, failed, { task: 'notify', state: 'failed' }, NOW, ids()))).toBe(
      'TASK_ACTION_REFUSED:exit-handler',
    );
  });
});
