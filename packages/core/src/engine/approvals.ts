/**
 * Approval tasks (docs/approval.md): a task with `approval:` runs nothing. The planner moves it to
 * `awaiting` with `availableAt` = its timeout; a person approves or rejects it through the run service
 * (`awaiting → succeeded | failed`, written here as one guarded commit), or, once the timeout has passed, a
 * worker claims it like a due retry and records the `onTimeout` outcome (`approvalTimeoutOutcome`). It
 * holds no worker slot and no process while it waits, and its timeout lives in the store, so it survives
 * worker restarts without a timer to re-arm.
 */
import type { CompiledDag } from '../dag/compiled.js';
import type { ApprovalSpec, ApproverRole } from '../dag/schema.js';
import { Errors } from '../errors/kontroler-error.js';
import type { AttemptRecord, RunSnapshot } from '../model/records.js';
import type { TaskOutcome } from '../ports/runtime.js';
import type { RunCommit } from '../ports/store.js';
import type { NotifiableEvent } from '../plugins/types.js';

/** What a person decided about an approval task. */
export interface ApprovalDecision {
  readonly decision: 'approve' | 'reject';
  /** Who decided (recorded as the attempt's `decidedBy`). */
  readonly by: string;
  /** Why, for the run's history (recorded as the attempt's `message`). */
  readonly comment?: string;
}

/** The attempt `reason` of each way an approval ends. */
export const APPROVAL_REASONS = {
  approve: 'Approved',
  reject: 'Rejected',
  timeout: 'ApprovalTimedOut',
} as const;

/** The roles that may decide an approval: its `approvers`, else `editor` (docs/approval.md). */
export function approverRoles(approval: ApprovalSpec): readonly ApproverRole[] {
  return approval.approvers ?? ['editor'];
}

/**
 * What someone asked to decide an approval needs to know, carried by `task.awaitingApproval` (and so by the
 * webhook that asks people to decide): the question, who may answer, and what happens without an answer.
 */
export interface ApprovalRequest {
  /** `approval.message`, or null when the task has none. */
  readonly message: string | null;
  /** The roles, in the run's namespace, that may approve or reject (`approverRoles`). */
  readonly approvers: readonly ApproverRole[];
  readonly timeoutSeconds: number;
  readonly onTimeout: ApprovalSpec['onTimeout'];
}

export function approvalRequest(approval: ApprovalSpec): ApprovalRequest {
  return {
    message: approval.message ?? null,
    approvers: approverRoles(approval),
    timeoutSeconds: approval.timeoutSeconds,
    onTimeout: approval.onTimeout,
  };
}

/** The outcome a worker records when an approval task's timeout has passed without a decision. */
export function approvalTimeoutOutcome(approval: ApprovalSpec): TaskOutcome {
  const approved = approval.onTimeout === 'approve';
  return {
    status: approved ? 'succeeded' : 'failed',
    exitCode: null,
    reason: APPROVAL_REASONS.timeout,
    message: `no decision within ${approval.timeoutSeconds} s: ${approved ? 'approved' : 'rejected'} (onTimeout)`,
    // A timeout is an answer, not a fault: retrying would only ask again.
    nonRetryable: true,
  };
}

/** The approval task's latest attempt, when `task` is an approval task of the run's DAG. */
export function approvalAttempt(
  dag: CompiledDag,
  snapshot: RunSnapshot,
  task: string,
): { approval: ApprovalSpec; attempt: AttemptRecord } {
  const approval = (dag.tasks.get(task) ?? dag.onExit?.get(task))?.spec.approval;
  let attempt: AttemptRecord | undefined;
  for (const a of snapshot.attempts) {
    if (a.taskName === task && (attempt === undefined || a.attempt > attempt.attempt)) attempt = a;
  }
  if (approval === undefined || attempt === undefined) {
    throw Errors.approvalTaskNotFound(snapshot.run.id, task);
  }
  return { approval, attempt };
}

/**
 * The commit that records a person's decision on an awaiting approval attempt, and its event.
 * @throws KontrolerError `APPROVAL_NOT_PENDING` when the attempt is not awaiting a decision
 */
export function approvalCommit(
  snapshot: RunSnapshot,
  attempt: AttemptRecord,
  decision: ApprovalDecision,
  now: number,
): { commit: RunCommit; events: (after: RunSnapshot) => NotifiableEvent[] } {
  const { run } = snapshot;
  if (attempt.state !== 'awaiting' || run.cancelRequested) {
    throw Errors.approvalNotPending(
      run.id,
      attempt.taskName,
      run.cancelRequested ? 'canceling' : attempt.state,
    );
  }
  const approved = decision.decision === 'approve';
  const commit: RunCommit = {
    runId: run.id,
    expectRevision: run.revision,
    attempts: [
      {
        id: attempt.id,
        expectState: 'awaiting',
        set: {
          state: approved ? 'succeeded' : 'failed',
          reason: APPROVAL_REASONS[decision.decision],
          message: decision.comment ?? null,
          decidedBy: decision.by,
          finishedAt: now,
          // A rejection is the answer; it is never retried.
          nonRetryable: !approved,
        },
      },
    ],
  };
  const events = (after: RunSnapshot): NotifiableEvent[] => {
    const decided = after.attempts.find((a) => a.id === attempt.id);
    if (decided === undefined) return [];
    return approved
      ? [{ name: 'task.succeeded', payload: { run: after.run, attempt: decided } }]
      : [{ name: 'task.failed', payload: { run: after.run, attempt: decided, willRetry: false } }];
  };
  return { commit, events };
}
