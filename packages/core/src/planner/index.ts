/** The pure planner: decisions from state, and the commits that record them. */
export { plan, type PlanOptions } from './plan.js';
export { RunPlanner, type RunPlannerOptions } from './run-planner.js';
export { retryDelay, hashString, seededRandom } from './backoff.js';
export { mayRetry, attemptFailureKind, RETRIED_KINDS, type EffectiveRetryPolicy } from './retry-policy.js';
export { indexAttempts, type TaskAttempts } from './attempt-index.js';
export {
  planRetryFromFailed,
  retryRoundCommit,
  type RetryPlan,
  type RetryRound,
  type RetryFromFailedOptions,
} from './retry-from-failed.js';
export {
  addDecisions,
  toCommit,
  outcomeChange,
  outcomeState,
  newAttempt,
  type CommitParts,
} from './commit.js';
export { DEFAULT_RETRY_TIMING, type Decision, type PlanResult, type RetryTiming } from './decisions.js';
export {
  planTaskMark,
  planTaskRerun,
  type TaskActionPlan,
  type TaskMarkRequest,
  type TaskRerunRequest,
} from './task-actions.js';
export { MARKED_FAILED_REASON, MARKED_SUCCEEDED_REASON, RERUN_REASON } from './task-action-reasons.js';
