/**
 * Record builders for tests: every field has a plain default, and ids and names are unique per call so
 * that tests sharing one database never see each other's rows.
 */
import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson, type DagSpec } from '../dag/index.js';
import type { AttemptRecord, OutboxMessage, RunRecord } from '../model/records.js';
import { newAttempt } from '../planner/commit.js';
import type { PutDagVersionInput } from '../ports/store.js';
import { FAKE_CLOCK_START } from './fake-clock.js';

/** A fresh UUID, for run, attempt and outbox ids. */
export function testId(): string {
  return randomUUID();
}

/** A unique, Kubernetes-safe name such as `dag-3f9a1c02b7`. */
export function uniqueName(prefix = 'dag'): string {
  return `${prefix}-${randomUUID().replaceAll('-', '').slice(0, 10)}`;
}

/** A valid one-task DAG document named `name`. */
export function makeDagSpec(name: string, overrides: Partial<DagSpec> = {}): DagSpec {
  return {
    name,
    tasks: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'echo hello'] }],
    ...overrides,
  };
}

/** Hex SHA-256 of the spec's canonical JSON: equal documents hash equally. */
export function specHash(spec: DagSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

/** Input for `putDagVersion`; the hash follows the spec unless given. */
export function makeDagVersionInput(
  overrides: Partial<PutDagVersionInput> & { readonly name: string },
): PutDagVersionInput {
  const spec = overrides.spec ?? makeDagSpec(overrides.name);
  return {
    namespace: 'default',
    now: FAKE_CLOCK_START,
    createdBy: null,
    ...overrides,
    spec,
    hash: overrides.hash ?? specHash(spec),
  };
}

/** A `pending` manual run of version 1 of DAG `test`, created at the fake clock's start. */
export function makeRun(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: testId(),
    dagName: 'test',
    namespace: 'default',
    dagVersion: 1,
    state: 'pending',
    parameters: {},
    trigger: 'manual',
    revision: 0,
    round: 1,
    cancelRequested: false,
    createdAt: FAKE_CLOCK_START,
    startedAt: null,
    finishedAt: null,
    reason: null,
    idempotencyKey: null,
    scheduledFor: null,
    labels: {},
    priority: 0,
    ...overrides,
  };
}

/** A `waiting` first attempt of task `main`, created at the fake clock's start. */
export function makeAttempt(overrides: Partial<AttemptRecord> & { readonly runId: string }): AttemptRecord {
  return {
    ...newAttempt({
      id: testId(),
      runId: overrides.runId,
      taskName: 'main',
      attempt: 1,
      round: 1,
      state: 'waiting',
      createdAt: FAKE_CLOCK_START,
    }),
    ...overrides,
  };
}

/** A `webhook` message for `runId` (or none), created at the fake clock's start. */
export function makeOutboxMessage(overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    id: testId(),
    topic: 'webhook',
    runId: null,
    payload: { event: 'run.finished' },
    createdAt: FAKE_CLOCK_START,
    ...overrides,
  };
}
