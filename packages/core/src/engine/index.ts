/** The engine: a run service (commands, queries) and a worker (claims, executes); the planner decides. */
export { composeEngine, createEngine } from './engine.js';
export { resolveParameters } from './parameters.js';
export { createRunService, type RunService, type RunServiceOptions } from './run-service.js';
export { createWorker, type Worker, type WorkerOptions } from './worker.js';
export {
  registerEngineParts,
  type EnginePartsOptions,
  type RunSettings,
  type WorkerSettings,
} from './compose.js';
export { setUpPlugins, type PluginSet, type PluginSetupOptions } from './plugin-setup.js';
export type {
  Engine,
  EngineOptions,
  SubmitOptions,
  SubmitParameter,
  RetryOptions,
  StopOptions,
  RegisterDagResult,
} from './types.js';
export { outcomeFromError, resolveRuntime, type AbortReason } from './executor.js';
export { commitEvents } from './commit-events.js';
export {
  MAX_OUTPUT_BYTES,
  MAX_TASK_OUTPUT_BYTES,
  OUTPUTS_DIR_ENV,
  outputLimitProblem,
  parseOutputText,
} from './render.js';
export { WORKSPACE_ENV, attemptEnv, type AttemptEnvInput } from './attempt-env.js';
export { MAX_RUN_DEADLINE_SECONDS, checkRunDeadline } from './run-options.js';
export type { TaskActionResult, TaskMarkOptions, TaskRerunOptions } from './types.js';
export {
  APPROVAL_REASONS,
  approvalRequest,
  approverRoles,
  type ApprovalDecision,
  type ApprovalRequest,
} from './approvals.js';
