import { describe, expect, it } from 'vitest';
import type { RunCommit, RunSnapshot } from '../../src/index.js';
import { applyRunCommit, makeAttempt, makeRun } from '../../src/testing/index.js';

function snapshot(): RunSnapshot {
  const run = makeRun({ revision: 4, state: 'running', startedAt: 1 });
  return {
    run,
    attempts: [
      makeAttempt({ runId: run.id, id: 'a', taskName: 'a', state: 'ready' }),
      makeAttempt({ runId: run.id, id: 'b', taskName: 'b', state: 'running', leaseOwner: 'w1' }),
      makeAttempt({ runId: run.id, id: 'c', taskName: 'c', state: 'waiting' }),
    ],
  };
}

/** Deep-frozen, so that any attempt to mutate the input throws. */
function frozen(value: RunSnapshot): RunSnapshot {
  for (const attempt of value.attempts) Object.freeze(attempt);
  Object.freeze(value.attempts);
  Object.freeze(value.run);
  return Object.freeze(value);
}

describe('applyRunCommit', () => {
  it('applies run and attempt changes, appends new attempts and increments the revision', () => {
    const before = frozen(snapshot());
    const added = makeAttempt({
      runId: before.run.id,
      id: 'd',
      taskName: 'c',
      attempt: 2,
      state: 'retrying',
    });
    const after = applyRunCommit(before, {
      runId: before.run.id,
      expectRevision: 4,
      run: { reason: 'why', cancelRequested: true },
      attempts: [
        { id: 'a', expectState: 'ready', set: { state: 'canceled', finishedAt: 9 } },
        { id: 'b', expectState: 'running', expectOwner: 'w1', set: { state: 'failed', exitCode: 2 } },
      ],
      newAttempts: [added],
    });
    if (after === 'conflict') throw new Error('unexpected conflict');
    expect(after.run).toEqual({ ...before.run, reason: 'why', cancelRequested: true, revision: 5 });
    expect(after.attempts.map((attempt) => [attempt.id, attempt.state])).toEqual([
      ['a', 'canceled'],
      ['b', 'failed'],
      ['c', 'waiting'],
      ['d', 'retrying'],
    ]);
    expect(after.attempts[0]?.finishedAt).toBe(9);
    expect(after.attempts[1]?.exitCode).toBe(2);
    // Unchanged attempts are shared, the input is untouched.
    expect(after.attempts[2]).toBe(before.attempts[2]);
    expect(before.run.revision).toBe(4);
    expect(before.attempts[0]?.state).toBe('ready');
    expect(before.attempts).toHaveLength(3);
  });

  it('increments the revision of an empty commit', () => {
    const before = snapshot();
    const after = applyRunCommit(before, { runId: before.run.id, expectRevision: 4 });
    expect(after !== 'conflict' && after.run.revision).toBe(5);
  });

  it('treats undefined fields as unchanged, and never lets a change set the revision', () => {
    const before = snapshot();
    const commit = {
      runId: before.run.id,
      expectRevision: 4,
      run: { reason: undefined, revision: 100 },
      attempts: [{ id: 'c', expectState: 'waiting', set: { state: 'ready', exitCode: undefined } }],
    } as unknown as RunCommit;
    const after = applyRunCommit(before, commit);
    if (after === 'conflict') throw new Error('unexpected conflict');
    expect(after.run.revision).toBe(5);
    expect(after.run.reason).toBeNull();
    expect(after.attempts[2]).toMatchObject({ state: 'ready', exitCode: null });
  });

  it('checks repeated changes of one attempt in order, against the result of the previous one', () => {
    const before = snapshot();
    const after = applyRunCommit(before, {
      runId: before.run.id,
      expectRevision: 4,
      attempts: [
        { id: 'c', expectState: 'waiting', set: { state: 'ready' } },
        { id: 'c', expectState: 'ready', set: { state: 'canceled' } },
      ],
    });
    expect(after !== 'conflict' && after.attempts.map((attempt) => attempt.state)).toEqual([
      'ready',
      'running',
      'canceled',
    ]);
  });

  const conflicts: Array<[string, (s: RunSnapshot) => RunCommit]> = [
    ['a stale revision', (s) => ({ runId: s.run.id, expectRevision: 3 })],
    ['a newer revision', (s) => ({ runId: s.run.id, expectRevision: 5 })],
    ['another run', (s) => ({ runId: `${s.run.id}-other`, expectRevision: 4 })],
    [
      'an unknown attempt',
      (s) => ({
        runId: s.run.id,
        expectRevision: 4,
        attempts: [{ id: 'zz', expectState: 'ready', set: {} }],
      }),
    ],
    [
      'an attempt in another state',
      (s) => ({
        runId: s.run.id,
        expectRevision: 4,
        attempts: [{ id: 'a', expectState: 'waiting', set: {} }],
      }),
    ],
    [
      'an attempt leased to someone else',
      (s) => ({
        runId: s.run.id,
        expectRevision: 4,
        attempts: [{ id: 'b', expectState: 'running', expectOwner: 'w2', set: {} }],
      }),
    ],
    [
      'a new attempt reusing an id',
      (s) => ({
        runId: s.run.id,
        expectRevision: 4,
        newAttempts: [makeAttempt({ runId: s.run.id, id: 'a' })],
      }),
    ],
    [
      'two new attempts with one id',
      (s) => ({
        runId: s.run.id,
        expectRevision: 4,
        newAttempts: [makeAttempt({ runId: s.run.id, id: 'n' }), makeAttempt({ runId: s.run.id, id: 'n' })],
      }),
    ],
    [
      'a new attempt of another run',
      (s) => ({ runId: s.run.id, expectRevision: 4, newAttempts: [makeAttempt({ runId: 'elsewhere' })] }),
    ],
    [
      'one bad change among good ones',
      (s) => ({
        runId: s.run.id,
        expectRevision: 4,
        attempts: [
          { id: 'c', expectState: 'waiting', set: { state: 'ready' } },
          { id: 'a', expectState: 'running', set: { state: 'failed' } },
        ],
      }),
    ],
  ];
  for (const [name, build] of conflicts) {
    it(`conflicts on ${name}`, () => {
      const before = frozen(snapshot());
      expect(applyRunCommit(before, build(before))).toBe('conflict');
    });
  }
});
