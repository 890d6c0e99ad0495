/**
 * Whether a failed attempt is retried: the task's `retryPolicy` (as Argo's) decides by the attempt's
 * failure kind, `backoff.limit` bounds the attempts of a round, and `conditional.retryCodes` filters the
 * task's own exit codes as in Kontroler. Pure.
 */
import type { CompiledTask } from '../dag/compiled.js';
import type { RetryPolicy } from '../dag/schema.js';
import { classifyFailure, type FailureKind } from '../model/failure-kind.js';
import type { AttemptRecord } from '../model/records.js';

/** The policy of a task without `retryPolicy`: Kontroler's behaviour, minus retrying what cannot start. */
export type EffectiveRetryPolicy = RetryPolicy | 'Default';

/**
 * Which failure kinds each policy retries. `Default` retries everything but a failure to start: Kontroler
 * retried every failure, including a command that can never be found (4 attempts for nothing).
 */
export const RETRIED_KINDS: Readonly<Record<EffectiveRetryPolicy, ReadonlySet<FailureKind>>> = {
  Default: new Set<FailureKind>(['exit', 'infra', 'transient']),
  OnFailure: new Set<FailureKind>(['exit']),
  OnError: new Set<FailureKind>(['start', 'infra', 'transient']),
  Always: new Set<FailureKind>(['exit', 'start', 'infra', 'transient']),
  OnTransientError: new Set<FailureKind>(['transient']),
};

/** The failure kind of a failed attempt; attempts recorded before kinds existed are classified anew. */
export function attemptFailureKind(failed: AttemptRecord): FailureKind {
  return failed.failureKind ?? classifyFailure(failed.reason, failed.exitCode);
}

/**
 * Whether the failed attempt gets another, given how many attempts its task had in this round:
 * - never when marked final (`nonRetryable`) or when the round already had `backoff.limit + 1` attempts;
 * - a task's own failure (`exit`) under a policy that retries it, and — when `conditional` is enabled —
 *   only for an exit code in `retryCodes` (Kontroler's rule, unchanged);
 * - a failure to start when the policy retries it, or under the default policy when the task lists its
 *   exit code in `retryCodes` (a manifest that asked for 127 still gets it);
 * - infrastructure and transient errors when the policy retries them, whatever `retryCodes` say: the task
 *   never produced an exit code of its own.
 */
export function mayRetry(task: CompiledTask, failed: AttemptRecord, attemptsInRound: number): boolean {
  if (failed.nonRetryable || attemptsInRound > task.backoffLimit) return false;
  const kind = attemptFailureKind(failed);
  const policy: EffectiveRetryPolicy = task.spec.retryPolicy ?? 'Default';
  const listed = failed.exitCode !== null && task.retryCodes?.has(failed.exitCode) === true;
  switch (kind) {
    case 'exit':
      return RETRIED_KINDS[policy].has('exit') && (task.retryCodes === null || listed);
    case 'start':
      return RETRIED_KINDS[policy].has('start') || (policy === 'Default' && listed);
    default:
      return RETRIED_KINDS[policy].has(kind);
  }
}
