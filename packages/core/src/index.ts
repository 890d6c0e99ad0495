/**
 * `@kontroler/core`: the embeddable engine. The browser-safe DAG tools are re-exported from
 * `@kontroler/core/dag`; the test kit lives in `@kontroler/core/testing`.
 */
export * from './dag/index.js';
export * from './builder/index.js';
export {
  KontrolerError,
  Errors,
  NonRetryableError,
  RetryAfterError,
  TaskStartError,
  TransientTaskError,
} from './errors/index.js';
export { FAILURE_KINDS, failureKindOf, classifyFailure, type FailureKind } from './model/failure-kind.js';
export type { ErrorCode, ErrorDetails } from './errors/index.js';
export {
  RUN_STATES,
  ATTEMPT_STATES,
  RUN_TRANSITIONS,
  ATTEMPT_TRANSITIONS,
  TERMINAL_RUN_STATES,
  TERMINAL_ATTEMPT_STATES,
  ACTIVE_ATTEMPT_STATES,
  SLOT_RUN_STATES,
  canTransition,
  runStatesBefore,
  transitionRun,
  transitionAttempt,
  type RunState,
  type AttemptState,
} from './model/states.js';
export type * from './model/records.js';
export { compareQueued } from './model/queue-order.js';
export { isoTime } from './util/iso-time.js';
export { DEFAULT_NAMESPACE, dagKey, runDagRef, sameDag, type DagRef } from './model/dag-ref.js';
export type * from './ports/store.js';
export type * from './ports/aggregates.js';
export {
  durationBucket,
  bucketMidpoint,
  histogramQuantile,
  mergeHistograms,
  MAX_BUCKETED_MS,
  type DurationHistogram,
} from './model/duration-histogram.js';
export type * from './ports/runtime.js';
export type * from './ports/trigger-store.js';
export type * from './ports/dag-task-store.js';
export type * from './ports/backfill-store.js';
export type * from './ports/limit-store.js';
export { BACKFILL_STATES } from './ports/backfill-store.js';
export { systemClock, silentLogger, type Clock, type Logger } from './ports/index.js';
export { EngineEventBus, safeEmit, RUN_EVENT_NAMES } from './events/engine-events.js';
export { RunEventFeed, type RunEventFeedOptions } from './events/run-event-feed.js';
export { journalEvents, isRunEventName } from './events/journal.js';
export type {
  EngineEvents,
  EngineEventName,
  EngineEventPayload,
  RunEventName,
} from './events/engine-events.js';
export { definePlugin } from './plugins/types.js';
export type {
  Plugin,
  PluginHost,
  Notifier,
  NotifiableEvent,
  TaskHooks,
  BeforeTaskStartResult,
} from './plugins/types.js';
export {
  plan,
  RunPlanner,
  type RunPlannerOptions,
  planRetryFromFailed,
  retryDelay,
  mayRetry,
  RETRIED_KINDS,
  DEFAULT_RETRY_TIMING,
  type EffectiveRetryPolicy,
  type PlanOptions,
  type RetryPlan,
  type RetryTiming,
  type Decision,
  type PlanResult,
} from './planner/index.js';
export { applyRunCommit, assertAttemptMoves, assertRunMove } from './model/apply-commit.js';
export { MemoryStore, createMemoryStore, type MemoryStoreOptions } from './memory-store/memory-store.js';
export {
  composeEngine,
  createEngine,
  createRunService,
  createWorker,
  registerEngineParts,
  setUpPlugins,
} from './engine/index.js';
export {
  MAX_OUTPUT_BYTES,
  MAX_TASK_OUTPUT_BYTES,
  OUTPUTS_DIR_ENV,
  outputLimitProblem,
  parseOutputText,
} from './engine/index.js';
export { WORKSPACE_ENV, attemptEnv, type AttemptEnvInput } from './engine/index.js';
export {
  APPROVAL_REASONS,
  approvalRequest,
  approverRoles,
  type ApprovalDecision,
  type ApprovalRequest,
} from './engine/index.js';
export type {
  RunService,
  RunServiceOptions,
  Worker,
  WorkerOptions,
  PluginSet,
  PluginSetupOptions,
  EnginePartsOptions,
  RunSettings,
  WorkerSettings,
  Engine,
  EngineOptions,
  SubmitOptions,
  SubmitParameter,
  RetryOptions,
  StopOptions,
  RegisterDagResult,
} from './engine/index.js';
export { createScheduler, dueTicks, upcomingTicks, ticksBetween } from './scheduler/index.js';
export {
  createBackfillDriver,
  BACKFILL_LABEL,
  MAX_BACKFILL_TICKS,
  type BackfillDriver,
  type BackfillDriverDeps,
  type BackfillDriverOptions,
  type CreateBackfillInput,
} from './backfill/index.js';
export type { Scheduler, SchedulerOptions, FiredTick } from './scheduler/index.js';
export { TOKENS, createChildContainer, registerCore, requireBound, unboundTokens } from './di/index.js';
/** tsyringe's container type, so composition roots need no direct tsyringe dependency. */
export type { DependencyContainer } from 'tsyringe';
export type { TokenName } from './di/index.js';
export type { CoreServices } from './di/index.js';
export {
  previewPlan,
  criticalPath,
  conditionOf,
  defaultConditionEvaluator,
  type PlanPreview,
  type PlanPreviewOptions,
  type PreviewOutcome,
  type PreviewTask,
  type CriticalPath,
  type ConditionEvaluator,
  type ConditionVerdict,
  type PreviewParameter,
  type PreviewParameterProblem,
} from './preview/index.js';
/** forEach instance names `task[i]` (docs/flow/for-each.md): hosts that show instances parse them. */
export { instanceName, parseInstance } from './planner/instances.js';
/** The bounds of a run's own deadline (`SubmitOptions.activeDeadlineSeconds`, docs/flow/deadline.md). */
export { MAX_RUN_DEADLINE_SECONDS, checkRunDeadline } from './engine/index.js';
// Task-level actions (docs/task-actions.md).
export type { TaskActionRefusal } from './errors/index.js';
export type { TaskActionResult, TaskMarkOptions, TaskRerunOptions } from './engine/index.js';
export {
  planTaskMark,
  planTaskRerun,
  MARKED_FAILED_REASON,
  MARKED_SUCCEEDED_REASON,
  RERUN_REASON,
  type TaskActionPlan,
  type TaskMarkRequest,
  type TaskRerunRequest,
} from './planner/index.js';
