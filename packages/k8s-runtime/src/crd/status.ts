/**
 * Pure mappings from engine results to the status of DAG and DagRun resources, so the sync's I/O code only
 * carries them out.
 */
import type { DagIssue, RunSnapshot, RunState } from '@kontroler/core';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface DagResourceStatus {
  phase: 'Successful' | 'Failed';
  valid: boolean;
  version?: number;
  message: string;
  observedGeneration?: number;
  conditions: Condition[];
}

export interface DagRunTaskStatus {
  name: string;
  state: string;
  attempt?: number;
  exitCode?: number;
  reason?: string;
}

export interface DagRunResourceStatus {
  phase: 'Queued' | 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Canceled';
  dagRunId?: string;
  version?: number;
  message?: string;
  tasks?: DagRunTaskStatus[];
  startedAt?: string;
  finishedAt?: string;
  observedGeneration?: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One line per issue: `path: message` (every error, not just the first as Kontroler does). */
export function issueMessage(issues: readonly DagIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n');
}

export function validDagStatus(
  version: number,
  created: boolean,
  generation: number | undefined,
  now: number,
): DagResourceStatus {
  const message = created ? `stored as version ${version}` : `unchanged: version ${version}`;
  return {
    phase: 'Successful',
    valid: true,
    version,
    message,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: [
      {
        type: 'Valid',
        status: 'True',
        reason: created ? 'VersionCreated' : 'Unchanged',
        message,
        ...(generation !== undefined ? { observedGeneration: generation } : {}),
        lastTransitionTime: iso(now),
      },
    ],
  };
}

export function invalidDagStatus(
  issues: readonly DagIssue[],
  previousVersion: number | undefined,
  generation: number | undefined,
  now: number,
): DagResourceStatus {
  const message = issueMessage(issues);
  return {
    phase: 'Failed',
    valid: false,
    ...(previousVersion !== undefined ? { version: previousVersion } : {}),
    message,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: [
      {
        type: 'Valid',
        status: 'False',
        reason: 'ValidationFailed',
        message,
        ...(generation !== undefined ? { observedGeneration: generation } : {}),
        lastTransitionTime: iso(now),
      },
    ],
  };
}

const PHASES: Record<RunState, DagRunResourceStatus['phase']> = {
  queued: 'Queued',
  pending: 'Pending',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** The DagRun's status from the run and its attempts: the latest attempt of every task, in task order. */
export function dagRunStatus(
  snapshot: RunSnapshot,
  taskOrder: readonly string[],
  generation: number | undefined,
): DagRunResourceStatus {
  const { run, attempts } = snapshot;
  const latest = new Map<string, RunSnapshot['attempts'][number]>();
  for (const a of attempts) {
    const current = latest.get(a.taskName);
    if (!current || a.attempt > current.attempt) latest.set(a.taskName, a);
  }
  const names = [
    ...taskOrder.filter((t) => latest.has(t)),
    ...[...latest.keys()].filter((t) => !taskOrder.includes(t)),
  ];
  const tasks = names.map((name): DagRunTaskStatus => {
    const a = latest.get(name)!;
    return {
      name,
      state: a.state,
      attempt: a.attempt,
      ...(a.exitCode !== null ? { exitCode: a.exitCode } : {}),
      ...(a.reason ? { reason: a.reason } : {}),
    };
  });
  return {
    phase: PHASES[run.state],
    dagRunId: run.id,
    version: run.dagVersion,
    ...(run.reason ? { message: run.reason } : {}),
    tasks,
    ...(run.startedAt !== null ? { startedAt: iso(run.startedAt) } : {}),
    ...(run.finishedAt !== null ? { finishedAt: iso(run.finishedAt) } : {}),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}
