import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_STATES,
  ATTEMPT_TRANSITIONS,
  RUN_STATES,
  RUN_TRANSITIONS,
  KontrolerError,
  transitionAttempt,
  transitionRun,
} from '../src/index.js';

describe('run state machine', () => {
  for (const from of RUN_STATES) {
    for (const to of RUN_STATES) {
      const allowed = RUN_TRANSITIONS[from].includes(to);
      it(`${from} → ${to} is ${allowed ? 'allowed' : 'refused'}`, () => {
        if (allowed) expect(transitionRun(from, to)).toBe(to);
        else {
          expect(() => transitionRun(from, to)).toThrow(KontrolerError);
          try {
            transitionRun(from, to);
          } catch (error) {
            expect(KontrolerError.is(error, 'INVALID_TRANSITION')).toBe(true);
          }
        }
      });
    }
  }
  it('lets failure be retried and a finished run be reopened by a task action, queued under run limits', () => {
    expect(RUN_TRANSITIONS.succeeded).toEqual(['running', 'queued']);
    expect(RUN_TRANSITIONS.failed).toEqual(['running', 'queued']);
    expect(RUN_TRANSITIONS.canceled).toEqual(['running', 'queued']);
  });
});

describe('attempt state machine', () => {
  for (const from of ATTEMPT_STATES) {
    for (const to of ATTEMPT_STATES) {
      const allowed = ATTEMPT_TRANSITIONS[from].includes(to);
      it(`${from} → ${to} is ${allowed ? 'allowed' : 'refused'}`, () => {
        if (allowed) expect(transitionAttempt(from, to)).toBe(to);
        else expect(() => transitionAttempt(from, to)).toThrow(/cannot move/);
      });
    }
  }
});
