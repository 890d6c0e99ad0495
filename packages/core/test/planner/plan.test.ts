import { describe, expect, it } from 'vitest';
import type { CompiledDag, RunSnapshot } from '../../src/index.js';
import {
  DEFAULT_RETRY_TIMING,
  plan,
  retryDelay,
  type Decision,
  type PlanResult,
} from '../../src/planner/index.js';
import { attempt, dagOf, freshRun, snap, T0 } from './helpers.js';

const NOW = T0 + 60_000;
const chain = dagOf([{ name: 'a' }, { name: 'b', runAfter: ['a'] }]);
const diamond = dagOf([
  { name: 'a' },
  { name: 'b', runAfter: ['a'] },
  { name: 'c', runAfter: ['a'] },
  { name: 'd', runAfter: ['b', 'c'] },
]);
const load = dagOf([
  { name: 'load', limit: 3 },
  { name: 'report', runAfter: ['load'] },
]);
const coded = dagOf([{ name: 'load', limit: 3, retryCodes: [2] }]);
const timed = dagOf([
  { name: 'slow', timeoutSeconds: 20 },
  { name: 'fast', timeoutSeconds: 5 },
]);
const branches = dagOf([
  { name: 'a' },
  { name: 'b', runAfter: ['a'] },
  { name: 'c', runAfter: ['b'] },
  { name: 'x' },
]);

const retryAt = (id: string, retryNumber: number): number =>
  NOW + retryDelay(DEFAULT_RETRY_TIMING, retryNumber, id);

interface Case {
  readonly name: string;
  readonly dag: CompiledDag;
  readonly state: RunSnapshot;
  readonly decisions: readonly Decision[];
  readonly wakeAt?: number | null;
}

const cases: Case[] = [
  {
    name: 'a pending run starts and readies its roots',
    dag: diamond,
    state: freshRun(diamond),
    decisions: [{ kind: 'start-run' }, { kind: 'ready', attemptId: 'a#1', task: 'a' }],
  },
  {
    name: 'a waiting task becomes ready when its only parent succeeded',
    dag: chain,
    state: snap([attempt('a', 'succeeded'), attempt('b', 'waiting')]),
    decisions: [{ kind: 'ready', attemptId: 'b#1', task: 'b' }],
  },
  {
    name: 'a join waits while one parent is still running',
    dag: diamond,
    state: snap([
      attempt('a', 'succeeded'),
      attempt('b', 'succeeded'),
      attempt('c', 'running', { startedAt: T0 }),
      attempt('d', 'waiting'),
    ]),
    decisions: [],
    wakeAt: null,
  },
  {
    name: 'a join becomes ready when every parent succeeded',
    dag: diamond,
    state: snap([
      attempt('a', 'succeeded'),
      attempt('b', 'succeeded'),
      attempt('c', 'succeeded'),
      attempt('d', 'waiting'),
    ]),
    decisions: [{ kind: 'ready', attemptId: 'd#1', task: 'd' }],
  },
  {
    name: 'a failed attempt within the limit is retried after its backoff',
    dag: load,
    state: snap([attempt('load', 'failed', { exitCode: 3 }), attempt('report', 'waiting')]),
    decisions: [
      { kind: 'retry', task: 'load', failedAttemptId: 'load#1', attempt: 2, retryAt: retryAt('load#1', 1) },
    ],
  },
  {
    name: 'the third failure is retry number 3 with a longer backoff',
    dag: load,
    state: snap([
      attempt('load', 'failed', { attempt: 1, exitCode: 3 }),
      attempt('load', 'failed', { attempt: 2, exitCode: 3 }),
      attempt('load', 'failed', { attempt: 3, exitCode: 3 }),
      attempt('report', 'waiting'),
    ]),
    decisions: [
      { kind: 'retry', task: 'load', failedAttemptId: 'load#3', attempt: 4, retryAt: retryAt('load#3', 3) },
    ],
  },
  {
    name: 'RetryAfter wins over a shorter backoff',
    dag: load,
    state: snap([
      attempt('load', 'failed', { exitCode: 1, retryAfterMs: 3_600_000 }),
      attempt('report', 'waiting'),
    ]),
    decisions: [
      { kind: 'retry', task: 'load', failedAttemptId: 'load#1', attempt: 2, retryAt: NOW + 3_600_000 },
    ],
  },
  {
    name: 'after limit+1 attempts the task fails for good, skips downstream and fails the run',
    dag: load,
    state: snap([
      attempt('load', 'failed', { attempt: 1, exitCode: 3 }),
      attempt('load', 'failed', { attempt: 2, exitCode: 3 }),
      attempt('load', 'failed', { attempt: 3, exitCode: 3 }),
      attempt('load', 'failed', { attempt: 4, exitCode: 3 }),
      attempt('report', 'waiting'),
    ]),
    decisions: [
      { kind: 'skip', attemptId: 'report#1', task: 'report', because: 'load' },
      { kind: 'finish-run', state: 'failed', reason: 'task load failed with exit code 3 after 4 attempts' },
    ],
  },
  {
    name: 'a non-retryable failure is final at once',
    dag: load,
    state: snap([
      attempt('load', 'failed', { exitCode: 1, nonRetryable: true }),
      attempt('report', 'waiting'),
    ]),
    decisions: [
      { kind: 'skip', attemptId: 'report#1', task: 'report', because: 'load' },
      { kind: 'finish-run', state: 'failed', reason: 'task load failed with exit code 1 after 1 attempt' },
    ],
  },
  {
    name: 'a conditional retry refuses an exit code that is not listed',
    dag: coded,
    state: snap([attempt('load', 'failed', { exitCode: 3 })]),
    decisions: [
      { kind: 'finish-run', state: 'failed', reason: 'task load failed with exit code 3 after 1 attempt' },
    ],
  },
  {
    name: 'a conditional retry accepts a listed exit code',
    dag: coded,
    state: snap([attempt('load', 'failed', { exitCode: 2 })]),
    decisions: [
      { kind: 'retry', task: 'load', failedAttemptId: 'load#1', attempt: 2, retryAt: retryAt('load#1', 1) },
    ],
  },
  {
    name: 'a conditional retry refuses a failure without exit code (timeout)',
    dag: coded,
    state: snap([attempt('load', 'failed', { exitCode: null, reason: 'Timeout' })]),
    decisions: [
      { kind: 'finish-run', state: 'failed', reason: 'task load failed (Timeout) after 1 attempt' },
    ],
  },
  {
    name: 'attempts of an earlier round do not count against the limit',
    dag: load,
    state: snap(
      [
        attempt('load', 'failed', { attempt: 1, round: 1, exitCode: 3 }),
        attempt('load', 'failed', { attempt: 2, round: 1, exitCode: 3 }),
        attempt('load', 'failed', { attempt: 3, round: 1, exitCode: 3 }),
        attempt('load', 'failed', { attempt: 4, round: 1, exitCode: 3 }),
        attempt('load', 'failed', { attempt: 5, round: 2, exitCode: 3 }),
        attempt('report', 'waiting', { attempt: 2, round: 2 }),
      ],
      { round: 2 },
    ),
    decisions: [
      { kind: 'retry', task: 'load', failedAttemptId: 'load#5', attempt: 6, retryAt: retryAt('load#5', 1) },
    ],
  },
  {
    name: 'a failure skips every waiting descendant while an independent branch keeps running',
    dag: branches,
    state: snap([
      attempt('a', 'failed', { exitCode: 1, nonRetryable: true }),
      attempt('b', 'waiting'),
      attempt('c', 'waiting'),
      attempt('x', 'running', { startedAt: T0 }),
    ]),
    decisions: [
      { kind: 'skip', attemptId: 'b#1', task: 'b', because: 'a' },
      { kind: 'skip', attemptId: 'c#1', task: 'c', because: 'a' },
    ],
  },
  {
    name: 'the run fails once the independent branch ends',
    dag: branches,
    state: snap([
      attempt('a', 'failed', { exitCode: 1, nonRetryable: true }),
      attempt('b', 'skipped'),
      attempt('c', 'skipped'),
      attempt('x', 'succeeded'),
    ]),
    decisions: [
      { kind: 'finish-run', state: 'failed', reason: 'task a failed with exit code 1 after 1 attempt' },
    ],
  },
  {
    name: 'a retrying attempt keeps the run going and its children waiting',
    dag: load,
    state: snap([
      attempt('load', 'failed', { attempt: 1, exitCode: 3 }),
      attempt('load', 'retrying', { attempt: 2, availableAt: NOW + 1000 }),
      attempt('report', 'waiting'),
    ]),
    decisions: [],
  },
  {
    name: 'a running attempt past its deadline is aborted with Timeout',
    dag: timed,
    state: snap([
      attempt('slow', 'running', { startedAt: NOW - 5_000 }),
      attempt('fast', 'running', { startedAt: NOW - 5_000 }),
    ]),
    decisions: [{ kind: 'abort', attemptId: 'fast#1', task: 'fast', reason: 'Timeout' }],
    wakeAt: NOW + 15_000,
  },
  {
    name: 'wakeAt is the earliest future deadline',
    dag: timed,
    state: snap([
      attempt('slow', 'running', { startedAt: NOW }),
      attempt('fast', 'running', { startedAt: NOW - 1_000 }),
    ]),
    decisions: [],
    wakeAt: NOW + 4_000,
  },
  {
    name: 'a cancel request cancels waiting, ready and retrying attempts and aborts running ones',
    dag: dagOf([{ name: 'r' }, { name: 'q' }, { name: 'y' }, { name: 'w', runAfter: ['r'] }]),
    state: snap(
      [
        attempt('r', 'running', { startedAt: T0 }),
        attempt('q', 'ready'),
        attempt('y', 'failed', { attempt: 1 }),
        attempt('y', 'retrying', { attempt: 2 }),
        attempt('w', 'waiting'),
      ],
      { cancelRequested: true },
    ),
    decisions: [
      { kind: 'abort', attemptId: 'r#1', task: 'r', reason: 'Canceled' },
      { kind: 'cancel', attemptId: 'q#1', task: 'q' },
      { kind: 'cancel', attemptId: 'y#2', task: 'y' },
      { kind: 'cancel', attemptId: 'w#1', task: 'w' },
    ],
  },
  {
    name: 'a canceled run finishes once nothing runs',
    dag: chain,
    state: snap([attempt('a', 'canceled', { reason: 'Canceled' }), attempt('b', 'waiting')], {
      cancelRequested: true,
    }),
    decisions: [
      { kind: 'cancel', attemptId: 'b#1', task: 'b' },
      { kind: 'finish-run', state: 'canceled', reason: 'canceled on request' },
    ],
  },
  {
    name: 'a pending run canceled before it started never starts',
    dag: chain,
    state: { ...freshRun(chain), run: { ...freshRun(chain).run, cancelRequested: true } },
    decisions: [
      { kind: 'cancel', attemptId: 'a#1', task: 'a' },
      { kind: 'cancel', attemptId: 'b#1', task: 'b' },
      { kind: 'finish-run', state: 'canceled', reason: 'canceled on request' },
    ],
  },
  {
    name: 'a cancel request never schedules retries',
    dag: load,
    state: snap([attempt('load', 'failed', { exitCode: 3 }), attempt('report', 'waiting')], {
      cancelRequested: true,
    }),
    decisions: [
      { kind: 'cancel', attemptId: 'report#1', task: 'report' },
      { kind: 'finish-run', state: 'canceled', reason: 'canceled on request' },
    ],
  },
  {
    name: 'every task succeeded: the run succeeds',
    dag: diamond,
    state: snap(['a', 'b', 'c', 'd'].map((t) => attempt(t, 'succeeded'))),
    decisions: [{ kind: 'finish-run', state: 'succeeded', reason: 'all 4 tasks succeeded' }],
  },
  {
    name: 'a task canceled by its runtime without a cancel request fails the run',
    dag: chain,
    state: snap([attempt('a', 'canceled', { reason: 'Canceled' }), attempt('b', 'waiting')]),
    decisions: [
      { kind: 'skip', attemptId: 'b#1', task: 'b', because: 'a' },
      { kind: 'finish-run', state: 'failed', reason: 'task a was canceled after 1 attempt' },
    ],
  },
  {
    name: 'several failures are counted in the reason',
    dag: dagOf([
      { name: 'p', limit: 0 },
      { name: 'q', limit: 0 },
    ]),
    state: snap([attempt('p', 'failed', { exitCode: 4 }), attempt('q', 'failed', { exitCode: 5 })]),
    decisions: [
      {
        kind: 'finish-run',
        state: 'failed',
        reason: 'task p failed with exit code 4 after 1 attempt (and 1 other task failed)',
      },
    ],
  },
  {
    name: 'a finished run yields nothing',
    dag: chain,
    state: snap([attempt('a', 'succeeded'), attempt('b', 'succeeded')], { state: 'succeeded' }),
    decisions: [],
  },
  {
    name: 'kept tasks of an earlier round count as succeeded parents',
    dag: chain,
    state: snap(
      [attempt('a', 'succeeded', { round: 1 }), attempt('b', 'waiting', { attempt: 2, round: 2 })],
      {
        round: 2,
      },
    ),
    decisions: [{ kind: 'ready', attemptId: 'b#2', task: 'b' }],
  },
];

describe('plan', () => {
  for (const c of cases) {
    it(c.name, () => {
      const result: PlanResult = plan(c.dag, c.state, NOW);
      expect(result.decisions).toEqual(c.decisions);
      if (c.wakeAt !== undefined) expect(result.wakeAt).toBe(c.wakeAt);
    });
  }

  it('is deterministic: the same input gives the same decisions', () => {
    const state = snap([attempt('load', 'failed', { exitCode: 3 }), attempt('report', 'waiting')]);
    expect(plan(load, state, NOW)).toEqual(plan(load, state, NOW));
  });

  it('reuses its per-task arrays without carrying state from one plan of a DAG to the next', () => {
    // A plan hands its arrays to the next plan of the same DAG: attempts seen by the first (a failure
    // with retries used up, attempts out of task order) must not leak into the second.
    const dag = dagOf([
      { name: 'load', limit: 0 },
      { name: 'report', runAfter: ['load'] },
    ]);
    const failed = snap([attempt('report', 'waiting'), attempt('load', 'failed', { exitCode: 1 })]);
    const fresh = freshRun(dag);
    const expected = plan(
      dagOf([
        { name: 'load', limit: 0 },
        { name: 'report', runAfter: ['load'] },
      ]),
      fresh,
      NOW,
    );
    expect(plan(dag, failed, NOW).decisions.map((d) => d.kind)).toEqual(['skip', 'finish-run']);
    expect(plan(dag, fresh, NOW)).toEqual(expected);
    expect(plan(dag, failed, NOW).decisions.map((d) => d.kind)).toEqual(['skip', 'finish-run']);
  });

  it('uses the timing it is given', () => {
    const timing = { initialDelayMs: 10, factor: 1, maxDelayMs: 10, jitter: 0 };
    const result = plan(
      load,
      snap([attempt('load', 'failed', { exitCode: 3 }), attempt('report', 'waiting')]),
      NOW,
      {
        timing,
      },
    );
    expect(result.decisions).toEqual([
      { kind: 'retry', task: 'load', failedAttemptId: 'load#1', attempt: 2, retryAt: NOW + 10 },
    ]);
  });

  it('stays linear on a wide run (10,000 tasks plan in well under a second)', () => {
    const tasks = [
      { name: 'root' },
      ...Array.from({ length: 10_000 }, (_, i) => ({ name: `t${i}`, runAfter: ['root'] })),
    ];
    const wide = dagOf(tasks);
    const state = snap([
      attempt('root', 'succeeded'),
      ...tasks.slice(1).map((t) => attempt(t.name, 'waiting')),
    ]);
    const started = performance.now();
    const result = plan(wide, state, NOW);
    expect(result.decisions).toHaveLength(10_000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
