/** Builders for planner tests: compiled DAGs and run snapshots without going through validation. */
import type {
  AttemptRecord,
  CompiledDag,
  CompiledTask,
  RetryPolicy,
  RunRecord,
  RunSnapshot,
} from '../../src/index.js';
import { newAttempt } from '../../src/planner/index.js';

export interface TaskDef {
  readonly name: string;
  readonly runAfter?: readonly string[];
  readonly limit?: number;
  readonly retryCodes?: readonly number[] | null;
  readonly timeoutSeconds?: number;
  readonly retryPolicy?: RetryPolicy;
}

/** A compiled DAG; tasks must be listed parents first. */
export function dagOf(tasks: readonly TaskDef[], name = 'test'): CompiledDag {
  const map = new Map<string, CompiledTask>();
  const childrenOf = new Map<string, string[]>();
  for (const def of tasks) {
    for (const parent of def.runAfter ?? []) {
      const list = childrenOf.get(parent) ?? [];
      list.push(def.name);
      childrenOf.set(parent, list);
    }
  }
  for (const def of tasks) {
    const children = childrenOf.get(def.name) ?? [];
    map.set(def.name, {
      name: def.name,
      spec: {
        name: def.name,
        image: 'alpine',
        command: ['true'],
        runAfter: [...(def.runAfter ?? [])],
        ...(def.retryPolicy === undefined ? {} : { retryPolicy: def.retryPolicy }),
      },
      runAfter: def.runAfter ?? [],
      children,
      backoffLimit: def.limit ?? 3,
      retryCodes: def.retryCodes === undefined || def.retryCodes === null ? null : new Set(def.retryCodes),
      timeoutSeconds: def.timeoutSeconds,
    });
  }
  return {
    name,
    spec: { name, tasks: tasks.map((t) => ({ name: t.name, image: 'alpine', command: ['true'] })) },
    tasks: map,
    order: tasks.map((t) => t.name),
  };
}

export const T0 = Date.UTC(2026, 0, 1);

export function runOf(fields: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'run-1',
    dagName: 'test',
    namespace: 'default',
    dagVersion: 1,
    state: 'running',
    parameters: {},
    trigger: 'manual',
    revision: 1,
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
    ...fields,
  };
}

/** `attempt('load', 'failed', {exitCode: 3})`: id `load#<n>`, attempt 1 unless given. */
export function attempt(
  taskName: string,
  state: AttemptRecord['state'],
  fields: Partial<AttemptRecord> = {},
): AttemptRecord {
  const number = fields.attempt ?? 1;
  return {
    ...newAttempt({
      id: `${taskName}#${number}`,
      runId: 'run-1',
      taskName,
      attempt: number,
      round: 1,
      state,
      createdAt: T0,
    }),
    ...fields,
  };
}

export function snap(attempts: readonly AttemptRecord[], run: Partial<RunRecord> = {}): RunSnapshot {
  return { run: runOf(run), attempts };
}

/** A fresh pending run with one waiting attempt per task. */
export function freshRun(dag: CompiledDag): RunSnapshot {
  return snap(
    dag.order.map((name) => attempt(name, 'waiting')),
    { state: 'pending', startedAt: null, revision: 0 },
  );
}
