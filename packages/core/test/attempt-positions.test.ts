import { describe, expect, it } from 'vitest';
import { applyRunCommit } from '../src/model/apply-commit.js';
import { attemptIn, attemptPosition, derivePositions } from '../src/model/attempt-positions.js';
import type { AttemptRecord, RunSnapshot } from '../src/model/records.js';
import { makeAttempt, makeRun } from '../src/testing/index.js';

const runId = 'run-1';
const attempt = (id: string, taskName = id): AttemptRecord => makeAttempt({ id, runId, taskName });
const list = (...ids: string[]): AttemptRecord[] => ids.map((id) => attempt(id));

describe('attempt positions (an id index shared by the lists a commit derives from one another)', () => {
  it('find every attempt of a list, and none it does not hold', () => {
    const attempts = list('a', 'b', 'c');
    expect(attempts.map((a) => attemptPosition(attempts, a.id))).toEqual([0, 1, 2]);
    expect(attemptIn(attempts, 'b')).toBe(attempts[1]);
    expect(attemptPosition(attempts, 'z')).toBe(-1);
    expect(attemptIn(attempts, 'z')).toBeUndefined();
  });

  it('find attempts appended to a derived list, and not in the list it came from', () => {
    const base = list('a', 'b');
    expect(attemptPosition(base, 'a')).toBe(0);
    const derived = [...base, attempt('c')];
    derivePositions(base, derived);
    expect(attemptPosition(derived, 'c')).toBe(2);
    expect(attemptPosition(base, 'c')).toBe(-1);
  });

  it('tell apart two lists derived from one base that appended different attempts at one position', () => {
    const base = list('a');
    attemptPosition(base, 'a');
    const left = [...base, attempt('x')];
    const right = [...base, attempt('y'), attempt('x')];
    derivePositions(base, left);
    derivePositions(base, right);
    // The shared index now places x at 2 (right's), which is past the end of left: left still finds it.
    expect(attemptPosition(left, 'x')).toBe(1);
    expect(attemptPosition(right, 'x')).toBe(2);
    expect(attemptPosition(left, 'y')).toBe(-1);
    expect(attemptPosition(right, 'y')).toBe(1);
  });

  it('index a list again when it grew after it was indexed', () => {
    const attempts = list('a');
    expect(attemptPosition(attempts, 'b')).toBe(-1);
    attempts.push(attempt('b'));
    expect(attemptPosition(attempts, 'b')).toBe(1);
  });

  it('keep finding the right attempts along a chain of commits, changed and new ones alike', () => {
    let snapshot: RunSnapshot = { run: makeRun({ id: runId, state: 'running' }), attempts: list('a', 'b') };
    attemptPosition(snapshot.attempts, 'a');
    for (let step = 0; step < 5; step++) {
      const id = `new-${step}`;
      const next = applyRunCommit(snapshot, {
        runId,
        expectRevision: snapshot.run.revision,
        attempts: [
          { id: 'b', expectState: snapshot.attempts[1]?.state ?? 'waiting', set: { reason: `s${step}` } },
        ],
        newAttempts: [attempt(id)],
      });
      if (next === 'conflict') throw new Error(`step ${step} conflicted`);
      expect(attemptIn(next.attempts, 'b')?.reason).toBe(`s${step}`);
      expect(attemptPosition(next.attempts, id)).toBe(2 + step);
      expect(attemptIn(snapshot.attempts, id)).toBeUndefined();
      snapshot = next;
    }
    // A new attempt reusing an id the run holds is refused, whichever list in the chain holds it.
    const reused = applyRunCommit(snapshot, {
      runId,
      expectRevision: snapshot.run.revision,
      newAttempts: [attempt('new-0')],
    });
    expect(reused).toBe('conflict');
  });
});
