/**
 * Turns planner decisions and runtime outcomes into the one guarded `RunCommit` that records them. Pure:
 * ids come from the caller's `newId`, time from `now`.
 */
import { failureKindOf } from '../model/failure-kind.js';
import type { AttemptRecord, RunSnapshot } from '../model/records.js';
import type { AttemptState } from '../model/states.js';
import type { AttemptChange, RunChange, RunCommit } from '../ports/store.js';
import type { TaskOutcome } from '../ports/runtime.js';
import type { Decision } from './decisions.js';

export interface CommitParts {
  run?: RunChange;
  attempts: AttemptChange[];
  newAttempts: AttemptRecord[];
}

/** The attempt state an outcome records: a failure reported as `Canceled` is a cancellation. */
export function outcomeState(
  outcome: TaskOutcome,
): Extract<AttemptState, 'succeeded' | 'failed' | 'canceled'> {
  if (outcome.status === 'succeeded') return 'succeeded';
  return outcome.reason === 'Canceled' ? 'canceled' : 'failed';
}

/** running → succeeded | failed | canceled, guarded by the lease when `owner` is given. */
export function outcomeChange(
  attemptId: string,
  outcome: TaskOutcome,
  now: number,
  owner?: string,
): AttemptChange {
  return {
    id: attemptId,
    expectState: 'running',
    ...(owner === undefined ? {} : { expectOwner: owner }),
    set: {
      state: outcomeState(outcome),
      exitCode: outcome.exitCode,
      reason: outcome.reason,
      message: outcome.message ?? null,
      finishedAt: now,
      nonRetryable: outcome.nonRetryable ?? false,
      retryAfterMs: outcome.retryAfterMs ?? null,
      failureKind: failureKindOf(outcome),
      ...(outcome.status === 'succeeded' && outcome.outputs !== undefined
        ? { outputs: outcome.outputs }
        : {}),
      leaseOwner: null,
      leaseExpiresAt: null,
    },
  };
}

/** A fresh attempt row for a run's task (frozen: a store keeps it as it is instead of copying it). */
export function newAttempt(
  fields: Pick<AttemptRecord, 'id' | 'runId' | 'taskName' | 'attempt' | 'round' | 'state' | 'createdAt'> &
    Partial<Pick<AttemptRecord, 'availableAt'>>,
): AttemptRecord {
  return Object.freeze({
    exitCode: null,
    reason: null,
    message: null,
    availableAt: null,
    startedAt: null,
    finishedAt: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    runtime: null,
    nonRetryable: false,
    retryAfterMs: null,
    failureKind: null,
    ...fields,
  });
}

/**
 * Adds the state changes of `decisions` to `parts` (`abort` is an action, not a change). `snapshot` is the
 * state the decisions were planned on.
 */
export function addDecisions(
  parts: CommitParts,
  snapshot: RunSnapshot,
  decisions: readonly Decision[],
  now: number,
  newId: () => string,
): CommitParts {
  // Built only for a cancel, and not as a named closure: this runs on every commit (and under tsx a named
  // closure also costs a defineProperty).
  let byId: Map<string, AttemptRecord> | undefined;
  for (const decision of decisions) {
    switch (decision.kind) {
      case 'start-run':
        parts.run = { ...parts.run, state: 'running', startedAt: now };
        break;
      case 'ready':
        parts.attempts.push({
          id: decision.attemptId,
          expectState: 'waiting',
          set: { state: 'ready', availableAt: now },
        });
        break;
      case 'await':
        parts.attempts.push({
          id: decision.attemptId,
          expectState: 'waiting',
          // startedAt: waiting for a person is this task's work (its duration is how long it waited).
          set: { state: 'awaiting', availableAt: decision.until, startedAt: now },
        });
        break;
      case 'skip':
        parts.attempts.push({
          id: decision.attemptId,
          expectState: 'waiting',
          set: {
            state: 'skipped',
            reason: decision.reason ?? 'UpstreamFailed',
            message: skipMessage(decision.reason, decision.because),
            finishedAt: now,
          },
        });
        break;
      case 'fail':
        parts.attempts.push({
          id: decision.attemptId,
          expectState: 'waiting',
          set: {
            state: 'failed',
            reason: decision.reason,
            message: decision.message,
            finishedAt: now,
            nonRetryable: true,
          },
        });
        break;
      case 'settle':
        parts.attempts.push({
          id: decision.attemptId,
          expectState: 'waiting',
          set: {
            state: decision.state,
            reason:
              decision.state === 'succeeded'
                ? 'Completed'
                : decision.state === 'failed'
                  ? 'InstanceFailed'
                  : 'InstancesSkipped',
            message: decision.message,
            finishedAt: now,
            outputs: decision.outputs,
          },
        });
        break;
      case 'add':
        for (const a of decision.attempts) {
          parts.newAttempts.push(
            newAttempt({
              id: newId(),
              runId: snapshot.run.id,
              taskName: a.task,
              attempt: a.attempt,
              round: snapshot.run.round,
              state: 'waiting',
              createdAt: now,
            }),
          );
        }
        break;
      case 'cancel': {
        byId ??= new Map(snapshot.attempts.map((a) => [a.id, a]));
        const current = byId.get(decision.attemptId);
        if (current === undefined) break;
        parts.attempts.push({
          id: decision.attemptId,
          expectState: current.state,
          set:
            decision.reason === 'DeadlineExceeded'
              ? {
                  state: 'canceled',
                  reason: 'DeadlineExceeded',
                  message: 'the run passed its deadline',
                  finishedAt: now,
                }
              : { state: 'canceled', reason: 'Canceled', message: 'the run was canceled', finishedAt: now },
        });
        break;
      }
      case 'retry':
        parts.newAttempts.push(
          newAttempt({
            id: newId(),
            runId: snapshot.run.id,
            taskName: decision.task,
            attempt: decision.attempt,
            round: snapshot.run.round,
            state: 'retrying',
            createdAt: now,
            availableAt: decision.retryAt,
          }),
        );
        break;
      case 'abort':
        break;
      case 'finish-run':
        parts.run = { ...parts.run, state: decision.state, finishedAt: now, reason: decision.reason };
        break;
    }
  }
  return parts;
}

function skipMessage(reason: string | undefined, because: string): string {
  switch (reason) {
    case undefined:
      return `upstream task ${because} failed`;
    case 'ConditionFalse':
      return 'its when condition is false';
    case 'UpstreamSkipped':
      return `upstream task ${because} was skipped`;
    case 'EmptyForEach':
      return 'its forEach list is empty';
    default:
      return `its trigger rule cannot be met (upstream task ${because})`;
  }
}

/** The commit of `parts` at the snapshot's revision; empty parts give `null` (nothing to write). */
export function toCommit(snapshot: RunSnapshot, parts: CommitParts): RunCommit | null {
  if (parts.run === undefined && parts.attempts.length === 0 && parts.newAttempts.length === 0) return null;
  return {
    runId: snapshot.run.id,
    expectRevision: snapshot.run.revision,
    ...(parts.run === undefined ? {} : { run: parts.run }),
    ...(parts.attempts.length === 0 ? {} : { attempts: parts.attempts }),
    ...(parts.newAttempts.length === 0 ? {} : { newAttempts: parts.newAttempts }),
  };
}
