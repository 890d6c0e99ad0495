/** The engine: claims, executes and records attempts; the planner decides. */
export { createEngine, resolveParameters } from './engine.js';
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
export { MAX_OUTPUT_BYTES, MAX_TASK_OUTPUT_BYTES, outputLimitProblem } from './render.js';
