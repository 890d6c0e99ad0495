import type { DagIssue } from '../dag/issues.js';

/** The closed set of error codes that cross package boundaries. */
export type ErrorCode =
  | 'DAG_INVALID'
  | 'DAG_NOT_FOUND'
  | 'DAG_VERSION_NOT_FOUND'
  | 'RUN_NOT_FOUND'
  | 'RUN_NOT_RETRYABLE'
  | 'RUN_FINISHED'
  | 'PARAMETER_INVALID'
  | 'VERSION_INCOMPATIBLE'
  | 'RUNTIME_NOT_FOUND'
  | 'TASK_TYPE_NOT_FOUND'
  | 'PLUGIN_INVALID'
  | 'ENGINE_STOPPED'
  | 'CONFLICT'
  | 'STORE_UNAVAILABLE'
  | 'INVALID_TRANSITION'
  | 'DI_UNBOUND'
  | 'RUN_OPTION_INVALID'
  | 'TASK_NOT_FOUND'
  | 'TASK_ACTION_REFUSED'
  | 'APPROVAL_TASK_NOT_FOUND'
  | 'APPROVAL_NOT_PENDING';

/** Details carried by each code; `undefined` where a code has none. */
export interface ErrorDetails {
  DAG_INVALID: { issues: readonly DagIssue[] };
  DAG_NOT_FOUND: { dag: string };
  DAG_VERSION_NOT_FOUND: { dag: string; version: number };
  RUN_NOT_FOUND: { runId: string };
  RUN_NOT_RETRYABLE: { runId: string; state: string };
  RUN_FINISHED: { runId: string; state: string };
  PARAMETER_INVALID: { parameter: string; reason: 'unknown' | 'required' | 'type' };
  VERSION_INCOMPATIBLE: { runId: string; missingTasks: readonly string[] };
  RUNTIME_NOT_FOUND: { runtime: string };
  TASK_TYPE_NOT_FOUND: { type: string; task: string };
  PLUGIN_INVALID: { plugin: string };
  ENGINE_STOPPED: undefined;
  CONFLICT: { entity: string; id: string };
  STORE_UNAVAILABLE: undefined;
  /** `id` names the run or attempt when the move was part of a commit. */
  INVALID_TRANSITION: { entity: 'run' | 'attempt'; id?: string; from: string; to: string };
  /** The names of the tokens a composition root declared and did not bind. */
  DI_UNBOUND: { tokens: readonly string[] };
  /** A submit option that is out of range (`activeDeadlineSeconds`). */
  RUN_OPTION_INVALID: { option: string };
  /** The run's DAG version has no task of that name. */
  TASK_NOT_FOUND: { runId: string; task: string };
  /** A task rerun or mark the run's current state does not allow (docs/task-actions.md). */
  TASK_ACTION_REFUSED: {
    runId: string;
    task: string;
    action: 'rerun' | 'mark';
    why: TaskActionRefusal;
  };
  /** The run has no approval task of that name. */
  APPROVAL_TASK_NOT_FOUND: { runId: string; task: string };
  /** The approval task is not waiting for a decision (`state` is where its latest attempt is). */
  APPROVAL_NOT_PENDING: { runId: string; task: string; state: string };
}

/**
 * Why a task action was refused: the run has not started or is being canceled, the task (or one it
 * would rerun, or an exit handler) is ready or running, the task has not run yet, it is an exit handler
 * (those run again after every action anyway), or it already has the state it is to be marked with.
 */
export type TaskActionRefusal =
  'run-pending' | 'run-canceling' | 'active' | 'not-started' | 'exit-handler' | 'unchanged';

/**
 * The one error type of Kontroler. Switch on `code`; `details` is typed per code. Messages are for humans
 * and may change.
 */
export class KontrolerError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'KontrolerError';
  constructor(
    readonly code: C,
    message: string,
    readonly details: ErrorDetails[C],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Narrows an unknown error to a KontrolerError, optionally of one code. */
  static is<C extends ErrorCode>(error: unknown, code?: C): error is KontrolerError<C> {
    return error instanceof KontrolerError && (code === undefined || error.code === code);
  }
}

/** Named constructors, so call sites read as what went wrong. */
export const Errors = {
  dagInvalid: (issues: readonly DagIssue[]) =>
    new KontrolerError(
      'DAG_INVALID',
      `DAG is invalid: ${issues
        .slice(0, 3)
        .map((i) => i.message)
        .join('; ')}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ''}`,
      { issues },
    ),
  dagNotFound: (dag: string) => new KontrolerError('DAG_NOT_FOUND', `DAG "${dag}" does not exist`, { dag }),
  dagVersionNotFound: (dag: string, version: number) =>
    new KontrolerError('DAG_VERSION_NOT_FOUND', `DAG "${dag}" has no version ${version}`, { dag, version }),
  runNotFound: (runId: string) =>
    new KontrolerError('RUN_NOT_FOUND', `run ${runId} does not exist`, { runId }),
  runNotRetryable: (runId: string, state: string) =>
    new KontrolerError(
      'RUN_NOT_RETRYABLE',
      `run ${runId} is ${state}; only failed or canceled runs can be retried`,
      {
        runId,
        state,
      },
    ),
  approvalTaskNotFound: (runId: string, task: string) =>
    new KontrolerError('APPROVAL_TASK_NOT_FOUND', `run ${runId} has no approval task "${task}"`, {
      runId,
      task,
    }),
  approvalNotPending: (runId: string, task: string, state: string) =>
    new KontrolerError(
      'APPROVAL_NOT_PENDING',
      `task "${task}" of run ${runId} is not waiting for approval (it is ${state})`,
      { runId, task, state },
    ),
  runFinished: (runId: string, state: string) =>
    new KontrolerError('RUN_FINISHED', `run ${runId} has already finished (${state})`, { runId, state }),
  parameterInvalid: (parameter: string, reason: 'unknown' | 'required' | 'type', message: string) =>
    new KontrolerError('PARAMETER_INVALID', message, { parameter, reason }),
  versionIncompatible: (runId: string, missingTasks: readonly string[]) =>
    new KontrolerError(
      'VERSION_INCOMPATIBLE',
      `run ${runId} cannot move to that version: tasks ${missingTasks.join(', ')} no longer exist`,
      { runId, missingTasks },
    ),
  runtimeNotFound: (runtime: string) =>
    new KontrolerError('RUNTIME_NOT_FOUND', `no runtime named "${runtime}" is registered`, { runtime }),
  taskTypeNotFound: (type: string, task: string) =>
    new KontrolerError(
      'TASK_TYPE_NOT_FOUND',
      `task "${task}" has type "${type}", which no plugin registers`,
      {
        type,
        task,
      },
    ),
  pluginInvalid: (plugin: string, message: string) =>
    new KontrolerError('PLUGIN_INVALID', message, { plugin }),
  diUnbound: (tokens: readonly string[]) =>
    new KontrolerError('DI_UNBOUND', `DI tokens without a binding: ${tokens.join(', ')}`, { tokens }),
  runOptionInvalid: (option: string, message: string) =>
    new KontrolerError('RUN_OPTION_INVALID', message, { option }),
  engineStopped: () => new KontrolerError('ENGINE_STOPPED', 'the engine is stopped', undefined),
  conflict: (entity: string, id: string) =>
    new KontrolerError('CONFLICT', `${entity} ${id} was changed concurrently`, { entity, id }),
  storeUnavailable: (message: string, cause?: unknown) =>
    new KontrolerError('STORE_UNAVAILABLE', message, undefined, { cause }),
  invalidTransition: (entity: 'run' | 'attempt', from: string, to: string, id?: string) =>
    new KontrolerError(
      'INVALID_TRANSITION',
      `${entity}${id === undefined ? '' : ` ${id}`} cannot move from ${from} to ${to}`,
      id === undefined ? { entity, from, to } : { entity, id, from, to },
    ),
  taskNotFound: (runId: string, task: string) =>
    new KontrolerError('TASK_NOT_FOUND', `run ${runId} has no task "${task}"`, { runId, task }),
  taskActionRefused: (
    runId: string,
    task: string,
    action: 'rerun' | 'mark',
    why: TaskActionRefusal,
    message: string,
  ) => new KontrolerError('TASK_ACTION_REFUSED', message, { runId, task, action, why }),
} as const;
