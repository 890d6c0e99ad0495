// Pure: no control plane.
import { describe, expect, it } from 'vitest';
import type { AttemptRecord, RunRecord } from '@kontroler/core';
import {
  createTokenBucket,
  dagRunStatus,
  invalidDagStatus,
  parseTimestamped,
  validDagStatus,
} from '@kontroler/k8s-runtime';

describe('token bucket', () => {
  it('lets a burst through at once, then paces at qps', async () => {
    let now = 0;
    const bucket = createTokenBucket({ qps: 1000, burst: 3, now: () => now });
    // At once: the burst resolves before any timer can fire.
    const first = await Promise.race([
      Promise.all([bucket.acquire(), bucket.acquire(), bucket.acquire()]).then(() => 'burst'),
      new Promise((resolve) => setTimeout(() => resolve('timer'), 0)),
    ]);
    expect(first).toBe('burst');
    now = 0;
    const waits = [bucket.acquire(), bucket.acquire()];
    const started = Date.now();
    await Promise.all(waits);
    // Two tokens owed at 1000/s: about 2 ms, and never instantly.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1);
  });

  it('never limits with qps 0', async () => {
    const bucket = createTokenBucket({ qps: 0 });
    await Promise.all(Array.from({ length: 1000 }, () => bucket.acquire()));
  });
});

describe('parseTimestamped', () => {
  it.each([
    ['2026-11-25T12:00:00.123456789Z hello world', 'hello world', true],
    ['no timestamp here', 'no timestamp here', false],
    ['2026-11-25T12:00:00Z ', '', true],
  ])('%s', (raw, text, hasTs) => {
    const parsed = parseTimestamped(raw);
    expect(parsed.text).toBe(text);
    expect(parsed.ts !== undefined).toBe(hasTs);
  });
});

describe('resource status', () => {
  const run: RunRecord = {
    id: 'r1',
    dagName: 'd',
    namespace: 'default',
    dagVersion: 2,
    state: 'failed',
    parameters: {},
    trigger: 'resource',
    revision: 5,
    round: 1,
    cancelRequested: false,
    createdAt: 0,
    startedAt: Date.UTC(2026, 0, 1, 0, 0, 0),
    finishedAt: Date.UTC(2026, 0, 1, 0, 1, 0),
    reason: 'task b failed',
    idempotencyKey: 'uid',
    scheduledFor: null,
    labels: {},
    priority: 0,
  };
  const attempt = (
    taskName: string,
    n: number,
    state: AttemptRecord['state'],
    exitCode: number | null,
  ): AttemptRecord => ({
    id: `${taskName}-${n}`,
    runId: 'r1',
    taskName,
    attempt: n,
    round: 1,
    state,
    exitCode,
    reason: state === 'failed' ? 'Error' : null,
    message: null,
    createdAt: n,
    availableAt: null,
    startedAt: null,
    finishedAt: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    runtime: 'kubernetes',
    nonRetryable: false,
    retryAfterMs: null,
    failureKind: null,
  });

  it('mirrors the run: phase, latest attempt per task, times, generation', () => {
    const status = dagRunStatus(
      {
        run,
        attempts: [
          attempt('a', 1, 'succeeded', 0),
          attempt('b', 1, 'failed', 2),
          attempt('b', 2, 'failed', 3),
          attempt('c', 1, 'skipped', null),
        ],
      },
      ['a', 'b', 'c'],
      4,
    );
    expect(status).toEqual({
      phase: 'Failed',
      dagRunId: 'r1',
      version: 2,
      message: 'task b failed',
      tasks: [
        { name: 'a', state: 'succeeded', attempt: 1, exitCode: 0 },
        { name: 'b', state: 'failed', attempt: 2, exitCode: 3, reason: 'Error' },
        { name: 'c', state: 'skipped', attempt: 1 },
      ],
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:01:00Z',
      observedGeneration: 4,
    });
  });

  it('lists every validation error, one per line, and keeps the last good version', () => {
    const status = invalidDagStatus(
      [
        { code: 'CYCLE', path: '/tasks/0', message: 'a → b → a' },
        { code: 'UNKNOWN_DEPENDENCY', path: '/tasks/2/runAfter/0', message: 'unknown task "missing"' },
      ],
      3,
      7,
      0,
    );
    expect(status).toMatchObject({ phase: 'Failed', valid: false, version: 3, observedGeneration: 7 });
    expect(status.message).toBe('/tasks/0: a → b → a\n/tasks/2/runAfter/0: unknown task "missing"');
    expect(validDagStatus(4, true, 8, 0)).toMatchObject({
      phase: 'Successful',
      valid: true,
      version: 4,
      observedGeneration: 8,
    });
  });
});
