import { describe, expect, it } from 'vitest';
import { copyAttempt, copyRun } from '../src/model/record-copy.js';
import { makeAttempt, makeRun } from '../src/testing/index.js';

describe('record copies (built field by field, so that freezing them is cheap)', () => {
  it('copy every field of an attempt, the optional ones included', () => {
    const attempt = makeAttempt({ runId: 'r', outputs: { rows: 3 }, decidedBy: 'ana' });
    const copy = copyAttempt(attempt);
    expect(copy).not.toBe(attempt);
    expect(copy).toStrictEqual(attempt);
    expect(Object.keys(copy).sort()).toEqual(Object.keys(attempt).sort());
  });

  it('leave optional attempt fields absent when they are', () => {
    const attempt = makeAttempt({ runId: 'r' });
    expect('outputs' in copyAttempt(attempt)).toBe('outputs' in attempt);
    expect('decidedBy' in copyAttempt(attempt)).toBe(false);
  });

  it('copy every field of a run, its deadline included', () => {
    const run = makeRun({ activeDeadlineSeconds: 60, labels: { team: 'a' } });
    const copy = copyRun(run);
    expect(copy).not.toBe(run);
    expect(copy).toStrictEqual(run);
    expect(Object.keys(copy).sort()).toEqual(Object.keys(run).sort());
  });
});
