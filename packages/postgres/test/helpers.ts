/** Shared fixtures for this package's tests: records with sensible defaults. */
import { randomUUID } from 'node:crypto';
import type { AttemptRecord, RunRecord } from '@kontroler/core';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0, 123);

export function makeRun(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: randomUUID(),
    dagName: 'etl',
    namespace: 'default',
    dagVersion: 1,
    state: 'running',
    parameters: { region: { value: 'eu' } },
    trigger: 'manual',
    revision: 0,
    round: 1,
    cancelRequested: false,
    createdAt: T0,
    startedAt: T0,
    finishedAt: null,
    reason: null,
    idempotencyKey: null,
    scheduledFor: null,
    labels: {},
    priority: 0,
    ...overrides,
  };
}

export function makeAttempt(runId: string, overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    id: randomUUID(),
    runId,
    taskName: 'task',
    attempt: 1,
    round: 1,
    state: 'ready',
    exitCode: null,
    reason: null,
    message: null,
    createdAt: T0,
    availableAt: T0,
    startedAt: null,
    finishedAt: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    runtime: null,
    nonRetryable: false,
    retryAfterMs: null,
    failureKind: null,
    ...overrides,
  };
}
