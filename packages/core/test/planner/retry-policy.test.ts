/**
 * The retry decision, policy × failure kind, as a table. The rows that matter most for Kontroler users:
 * a task's own exit codes keep `backoff.limit` and `conditional.retryCodes` exactly as before, and the
 * default policy no longer retries a command that was not found (issue 15: 4 attempts of a task that could
 * never start, and 4 more on every retry of the run).
 */
import { describe, expect, it } from 'vitest';
import type { FailureKind, RetryPolicy } from '../../src/index.js';
import { failureKindOf } from '../../src/index.js';
import { mayRetry, plan } from '../../src/planner/index.js';
import { T0, attempt, dagOf, runOf } from './helpers.js';

type Policy = RetryPolicy | undefined;

/** A failed attempt of each kind, as the runtimes report them. */
const FAILURES: Readonly<Record<FailureKind, { exitCode: number | null; reason: string }>> = {
  exit: { exitCode: 3, reason: 'Error' },
  start: { exitCode: 127, reason: 'StartError' },
  infra: { exitCode: null, reason: 'RuntimeError' },
  transient: { exitCode: null, reason: 'Lost' },
};

/** Expected answer for every policy × kind with no retryCodes and attempts left. */
const TABLE: ReadonlyArray<readonly [Policy, Readonly<Record<FailureKind, boolean>>]> = [
  [undefined, { exit: true, start: false, infra: true, transient: true }],
  ['OnFailure', { exit: true, start: false, infra: false, transient: false }],
  ['OnError', { exit: false, start: true, infra: true, transient: true }],
  ['Always', { exit: true, start: true, infra: true, transient: true }],
  ['OnTransientError', { exit: false, start: false, infra: false, transient: true }],
];

function failed(kind: FailureKind, fields: { exitCode?: number | null; nonRetryable?: boolean } = {}) {
  const { exitCode, reason } = FAILURES[kind];
  return attempt('t', 'failed', {
    exitCode: fields.exitCode === undefined ? exitCode : fields.exitCode,
    reason,
    failureKind: kind,
    nonRetryable: fields.nonRetryable ?? false,
  });
}

function task(retryPolicy: Policy, more: { limit?: number; retryCodes?: number[] } = {}) {
  const dag = dagOf([{ name: 't', ...more, ...(retryPolicy === undefined ? {} : { retryPolicy }) }]);
  return dag.tasks.get('t')!;
}

describe('mayRetry: policy × failure kind', () => {
  for (const [policy, row] of TABLE) {
    for (const kind of Object.keys(row) as FailureKind[]) {
      it(`${policy ?? '(default)'} ${row[kind] ? 'retries' : 'does not retry'} a ${kind} failure`, () => {
        expect(mayRetry(task(policy), failed(kind), 1)).toBe(row[kind]);
      });
    }
  }

  it('never retries past backoff.limit, whatever the policy', () => {
    for (const [policy] of TABLE) {
      for (const kind of ['exit', 'start', 'infra', 'transient'] as const) {
        expect(mayRetry(task(policy, { limit: 2 }), failed(kind), 3)).toBe(false);
      }
    }
    expect(mayRetry(task('Always', { limit: 2 }), failed('exit'), 2)).toBe(true);
  });

  it('never retries an attempt marked nonRetryable, whatever the policy', () => {
    for (const [policy] of TABLE) {
      for (const kind of ['exit', 'start', 'infra', 'transient'] as const) {
        expect(mayRetry(task(policy), failed(kind, { nonRetryable: true }), 1)).toBe(false);
      }
    }
  });

  it('keeps Kontroler retryCodes for own exits: listed codes only, under the default and OnFailure', () => {
    for (const policy of [undefined, 'OnFailure', 'Always'] as const) {
      const conditional = task(policy, { retryCodes: [2, 137] });
      expect(mayRetry(conditional, failed('exit', { exitCode: 137 }), 1)).toBe(true);
      expect(mayRetry(conditional, failed('exit', { exitCode: 3 }), 1)).toBe(false);
    }
  });

  it('retries a start failure under the default only when its exit code is listed in retryCodes', () => {
    expect(mayRetry(task(undefined, { retryCodes: [127] }), failed('start'), 1)).toBe(true);
    expect(mayRetry(task(undefined, { retryCodes: [2] }), failed('start'), 1)).toBe(false);
    expect(mayRetry(task('OnFailure', { retryCodes: [127] }), failed('start'), 1)).toBe(false);
  });

  it('retries infrastructure and transient errors regardless of retryCodes (no exit code of their own)', () => {
    const conditional = task(undefined, { retryCodes: [2] });
    expect(mayRetry(conditional, failed('transient'), 1)).toBe(true);
    expect(mayRetry(conditional, failed('infra'), 1)).toBe(true);
  });

  it('classifies attempts recorded without a kind by exit code', () => {
    const old = attempt('t', 'failed', { exitCode: 1, reason: 'Error', failureKind: null });
    expect(mayRetry(task('OnFailure'), old, 1)).toBe(true);
    expect(mayRetry(task('OnError'), old, 1)).toBe(false);
    const noCode = attempt('t', 'failed', { exitCode: null, reason: 'Error', failureKind: null });
    expect(mayRetry(task('OnError'), noCode, 1)).toBe(true);
  });
});

describe('failureKindOf', () => {
  it('takes the runtime’s word, and derives the kind from reason and exit code otherwise', () => {
    const base = { status: 'failed', exitCode: null } as const;
    expect(failureKindOf({ ...base, reason: 'StartError', exitCode: 127, failureKind: 'start' })).toBe(
      'start',
    );
    expect(failureKindOf({ ...base, reason: 'Lost' })).toBe('transient');
    expect(failureKindOf({ ...base, reason: 'Error', exitCode: 1 })).toBe('exit');
    expect(failureKindOf({ ...base, reason: 'Timeout' })).toBe('exit');
    expect(failureKindOf({ ...base, reason: 'RuntimeError' })).toBe('infra');
    expect(failureKindOf({ status: 'succeeded', exitCode: 0, reason: 'Completed' })).toBeNull();
  });
});

describe('plan with retry policies', () => {
  it('a command that was not found fails the run at once under the default policy (issue 15)', () => {
    const dag = dagOf([{ name: 'prepare' }, { name: 'load', runAfter: ['prepare'] }]);
    const notFound = attempt('prepare', 'failed', {
      exitCode: 127,
      reason: 'StartError',
      message: 'spawn /scripts/prepare.sh ENOENT: command not found',
      failureKind: 'start',
    });
    const { decisions } = plan(dag, { run: runOf(), attempts: [notFound, attempt('load', 'waiting')] }, T0);
    expect(decisions.map((d) => d.kind)).toEqual(['skip', 'finish-run']);
    expect(decisions[1]).toMatchObject({
      state: 'failed',
      reason:
        'task prepare could not start (spawn /scripts/prepare.sh ENOENT: command not found) after 1 attempt',
    });
  });

  it('the same failure is retried under OnError', () => {
    const dag = dagOf([{ name: 'prepare', retryPolicy: 'OnError' }]);
    const notFound = attempt('prepare', 'failed', {
      exitCode: 127,
      reason: 'StartError',
      failureKind: 'start',
    });
    const { decisions } = plan(dag, { run: runOf(), attempts: [notFound] }, T0);
    expect(decisions).toEqual([expect.objectContaining({ kind: 'retry', task: 'prepare', attempt: 2 })]);
  });
});
