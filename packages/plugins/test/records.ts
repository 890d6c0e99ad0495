/** Run and attempt records for notifier tests. */
import type { AttemptRecord, RunRecord } from '@kontroler/core';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'run-1',
    dagName: 'nightly',
    namespace: 'default',
    dagVersion: 2,
    state: 'running',
    parameters: {},
    trigger: 'manual',
    revision: 3,
    round: 1,
    cancelRequested: false,
    createdAt: T0,
    startedAt: T0 + 1000,
    finishedAt: null,
    reason: null,
    idempotencyKey: null,
    scheduledFor: null,
    labels: {},
    priority: 0,
    ...overrides,
  };
}

export function attemptRecord(overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    id: 'att-1',
    runId: 'run-1',
    taskName: 'extract',
    attempt: 1,
    round: 1,
    state: 'succeeded',
    exitCode: 0,
    reason: 'Completed',
    message: null,
    createdAt: T0,
    availableAt: T0,
    startedAt: T0 + 2000,
    finishedAt: T0 + 4500,
    leaseOwner: null,
    leaseExpiresAt: null,
    runtime: 'process',
    nonRetryable: false,
    retryAfterMs: null,
    failureKind: null,
    ...overrides,
  };
}
