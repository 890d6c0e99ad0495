/**
 * Executes one claimed attempt: picks its runtime, runs the `beforeTaskStart` hooks, hands it to the
 * runtime with an abort signal and a batched log writer, enforces its deadline, and turns whatever
 * happens (an outcome, a thrown NonRetryableError/RetryAfterError, an abort) into a `TaskOutcome`.
 * It records nothing itself: the caller sends the outcome through the run's lane.
 */
import type { CompiledDag, CompiledTask } from '../dag/compiled.js';
import { Errors } from '../errors/kontroler-error.js';
import {
  NonRetryableError,
  RetryAfterError,
  TaskStartError,
  TransientTaskError,
} from '../errors/task-errors.js';
import type { AttemptRecord, LogLine, ParameterValue, RunRecord } from '../model/records.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { AttemptContext, LogResumePoint, Runtime, TaskOutcome } from '../ports/runtime.js';
import type { Store } from '../ports/store.js';
import type { PluginRegistry } from '../plugins/host.js';
import { approvalTimeoutOutcome } from './approvals.js';
import { LogBuffer } from './log-buffer.js';
import type { TimerSet } from './timers.js';
import { attemptTask, needsRendering, outputLimitProblem, renderTask } from './render.js';

/** Why the engine aborted an attempt: the planner's reasons, a lost lease, or shutdown. */
export type AbortReason = 'Timeout' | 'Canceled' | 'Lost' | 'DeadlineExceeded';

/** An attempt this engine is executing. */
export interface LocalAttempt {
  readonly attempt: AttemptRecord;
  readonly controller: AbortController;
  /** Set when the outcome must not be recorded (lease lost, engine stopped without draining). */
  dropped: boolean;
  /** Why the attempt was aborted, once it was. */
  aborted: AbortReason | null;
  /** Set once the outcome is handed to the run's lane: a lease lost after that changes nothing. */
  submitted: boolean;
  /** Settles when execution and recording are over. */
  done: Promise<void>;
  /** Set by the executor while the runtime runs: starts the grace period after an abort. */
  onAbort: (() => void) | null;
  /** The runtime's `ctx.onAbort` listeners, made on the first. */
  abortListeners: Array<(reason: unknown) => void> | null;
}

/** Aborts a local attempt once: fires its signal, calls the runtime's listeners and starts the grace period. */
export function abortLocal(local: LocalAttempt, reason: AbortReason): void {
  if (local.aborted !== null) return;
  local.aborted = reason;
  local.controller.abort(reason);
  const listeners = local.abortListeners;
  local.abortListeners = null;
  if (listeners !== null) for (const listener of listeners) listener(reason);
  local.onAbort?.();
}

export interface ExecutorDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers: TimerSet;
  readonly registry: PluginRegistry;
  readonly defaultRuntime: string | undefined;
  readonly abortGraceMs: number;
  readonly logFlushMs: number;
  readonly reportError: (error: unknown, context: string) => void;
}

export interface Execution {
  /** Null when the attempt never reached a runtime because its task is missing from the DAG. */
  readonly context: AttemptContext | null;
  readonly outcome: TaskOutcome;
  /** The runtime that executed the attempt; absent when none did (vetoed, canceled, unknown type). */
  readonly runtime?: Runtime;
}

/** The runtime for a task, or the failed outcome that says why there is none. */
export function resolveRuntime(
  task: CompiledTask,
  registry: PluginRegistry,
  defaultRuntime: string | undefined,
): Runtime | TaskOutcome {
  const type = task.spec.type;
  if (type !== undefined) {
    const runtime = registry.taskTypes.get(type) ?? registry.runtimes.get(type);
    if (runtime !== undefined) return runtime;
    const error = Errors.taskTypeNotFound(type, task.name);
    return {
      status: 'failed',
      exitCode: null,
      reason: 'TaskTypeNotFound',
      message: error.message,
      nonRetryable: true,
    };
  }
  const name =
    defaultRuntime ?? (registry.runtimes.size === 1 ? [...registry.runtimes.keys()][0] : undefined);
  const runtime = name === undefined ? undefined : registry.runtimes.get(name);
  if (runtime !== undefined) return runtime;
  const error = Errors.runtimeNotFound(name ?? '(default)');
  return {
    status: 'failed',
    exitCode: null,
    reason: 'RuntimeNotFound',
    message: error.message,
    nonRetryable: true,
  };
}

/** Turns what a runtime threw into an outcome, honouring the retry intent of the task errors. */
export function outcomeFromError(error: unknown): TaskOutcome {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof NonRetryableError) {
    return { status: 'failed', exitCode: null, reason: 'Error', message, nonRetryable: true };
  }
  if (error instanceof RetryAfterError) {
    return { status: 'failed', exitCode: null, reason: 'Error', message, retryAfterMs: error.retryAfterMs };
  }
  if (error instanceof TaskStartError) {
    return {
      status: 'failed',
      exitCode: error.exitCode,
      reason: 'StartError',
      message,
      failureKind: 'start',
    };
  }
  if (error instanceof TransientTaskError) {
    return { status: 'failed', exitCode: null, reason: 'Error', message, failureKind: 'transient' };
  }
  return { status: 'failed', exitCode: null, reason: 'Error', message };
}

/** Shared by every attempt whose task takes no parameters (most do not; thousands run at once). */
const NO_PARAMETERS: Readonly<Record<string, ParameterValue>> = Object.freeze({});

function taskParameters(task: CompiledTask, run: RunRecord): Readonly<Record<string, ParameterValue>> {
  const names = task.spec.parameters;
  if (names === undefined || names.length === 0) return NO_PARAMETERS;
  const parameters: Record<string, ParameterValue> = {};
  for (const name of names) {
    const value = run.parameters[name];
    if (value !== undefined) parameters[name] = value;
  }
  return parameters;
}

const noop = (): void => {};

/** Where an attempt's log lines go; the buffer is made on the first line. */
interface Output {
  logs: LogBuffer | null;
}

/**
 * The context a runtime gets. A class rather than an object literal: thousands are alive at once in a busy
 * engine, and a literal with a getter becomes a dictionary-mode object of about 2 KB; instances share one
 * shape and cost a tenth of that.
 */
class ExecutionContext implements AttemptContext {
  readonly attemptId: string;
  readonly runId: string;
  readonly dagName: string;
  readonly dagVersion: number;
  readonly namespace: string;
  readonly taskName: string;
  readonly attempt: number;
  readonly runLabels: Readonly<Record<string, string>> | undefined;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  /** Set before the runtime starts, for a reclaimed attempt with stored log lines. */
  resumeLog: LogResumePoint | undefined;
  // TS-private rather than #private: `withParameters` copies it.
  private readonly local: LocalAttempt;
  /** A property, not a method: runtimes may pass `ctx.log` around detached from `ctx`. */
  readonly log: AttemptContext['log'];

  constructor(
    deps: ExecutorDeps,
    local: LocalAttempt,
    run: RunRecord,
    readonly dag: CompiledDag,
    readonly task: CompiledTask,
    readonly reclaimed: boolean,
    output: Output,
  ) {
    const { attempt } = local;
    this.attemptId = attempt.id;
    this.runId = run.id;
    this.dagName = run.dagName;
    this.dagVersion = run.dagVersion;
    this.namespace = run.namespace;
    this.taskName = attempt.taskName;
    this.attempt = attempt.attempt;
    this.runLabels = run.labels;
    this.parameters = taskParameters(task, run);
    this.resumeLog = undefined;
    this.local = local;
    this.log = (line) => {
      output.logs ??= new LogBuffer(
        attempt.id,
        deps.store,
        deps.clock,
        deps.timers,
        (error) => deps.reportError(error, `logs:${attempt.id}`),
        deps.logFlushMs,
      );
      output.logs.add(line);
    };
  }

  /** The same attempt with the parameters a `beforeTaskStart` hook chose. */
  withParameters(parameters: Readonly<Record<string, ParameterValue>>): ExecutionContext {
    return Object.assign(Object.create(ExecutionContext.prototype) as ExecutionContext, this, { parameters });
  }

  /** Node makes the AbortSignal on first access: a runtime that never looks pays nothing. */
  get signal(): AbortSignal {
    return this.local.controller.signal;
  }

  /** On the prototype, and no AbortSignal: see `AttemptContext.onAbort`. */
  onAbort(listener: (reason: unknown) => void): () => void {
    const local = this.local;
    if (local.aborted !== null) {
      listener(local.aborted);
      return noop;
    }
    (local.abortListeners ??= []).push(listener);
    return () => {
      const index = local.abortListeners?.indexOf(listener) ?? -1;
      if (index >= 0) local.abortListeners?.splice(index, 1);
    };
  }
}

/** Lines read from the end of a stored log to find where it ends (the count of lines at its last time). */
const LOG_TAIL = 200;

/**
 * Where the stored log of a reclaimed attempt ends (the lines its runtime wrote; the engine's own `system`
 * lines do not count), or undefined when there is none. A failed read costs duplicates, not the attempt.
 */
async function storedLogEnd(deps: ExecutorDeps, attemptId: string): Promise<LogResumePoint | undefined> {
  let lines: readonly LogLine[];
  try {
    lines = await deps.store.readLogs(attemptId, { tail: LOG_TAIL });
  } catch (error) {
    deps.reportError(error, `logs:${attemptId}`);
    return undefined;
  }
  let afterTs = Number.NEGATIVE_INFINITY;
  let atTs = 0;
  for (const line of lines) {
    if (line.stream === 'system') continue;
    if (line.ts > afterTs) [afterTs, atTs] = [line.ts, 1];
    else if (line.ts === afterTs) atTs++;
  }
  return atTs === 0 ? undefined : { afterTs, atTs };
}

/**
 * An outcome the engine made itself (no runtime for the task, a hook that vetoed or threw, a runtime
 * that threw): its reason goes into the attempt's log too, which otherwise holds no trace of it.
 */
function logged(context: AttemptContext, outcome: TaskOutcome): TaskOutcome {
  context.log({ stream: 'system', line: `${outcome.reason}: ${outcome.message ?? 'the task failed'}` });
  return outcome;
}

/** Flushes the attempt's logs (when it wrote any) and pairs the outcome with its context. */
async function finish(
  output: Output,
  context: AttemptContext,
  outcome: TaskOutcome,
  runtime?: Runtime,
): Promise<Execution> {
  if (output.logs !== null) await output.logs.flush();
  return runtime === undefined ? { context, outcome } : { context, outcome, runtime };
}

/**
 * Executes an attempt of `run`. Not async itself: the run record is read here and not kept by the frame
 * that waits for the runtime (a wide run has one record version per running attempt).
 */
export function executeAttempt(
  deps: ExecutorDeps,
  local: LocalAttempt,
  run: RunRecord,
  dag: CompiledDag,
  reclaimed: boolean,
): Promise<Execution> {
  const { attempt } = local;
  const task = dag.tasks.get(attempt.taskName);
  if (task === undefined || needsRendering(dag, attempt.taskName)) {
    // Exit handlers, forEach instances and templated fields need the run's snapshot first.
    return prepareAttempt(deps, local, run, dag, reclaimed);
  }
  // Most attempts of an embedded engine log nothing: the buffer is made on the first line.
  const output: Output = { logs: null };
  const context = new ExecutionContext(deps, local, run, dag, task, reclaimed, output);
  if (run.cancelRequested)
    return finish(output, context, { status: 'failed', exitCode: null, reason: 'Canceled' });
  return runAttempt(deps, local, task, context, output);
}

const notRunnable = (reason: string, message: string): Execution => ({
  context: null,
  outcome: { status: 'failed', exitCode: null, reason, message, nonRetryable: true, failureKind: 'start' },
});

/** Resolves the attempt's task (an exit handler, an instance and its item) and renders its templates. */
async function prepareAttempt(
  deps: ExecutorDeps,
  local: LocalAttempt,
  run: RunRecord,
  dag: CompiledDag,
  reclaimed: boolean,
): Promise<Execution> {
  const { attempt } = local;
  const snapshot = await deps.store.getRunSnapshot(run.id);
  if (snapshot === undefined) return notRunnable('TaskNotFound', `run ${run.id} is gone`);
  const resolved = attemptTask(dag, attempt.taskName, snapshot);
  if (typeof resolved === 'string') return notRunnable('TaskNotFound', resolved);
  const task = renderTask(dag, resolved, snapshot, deps.clock.now());
  if (typeof task === 'string') return notRunnable('TemplateError', task);
  const output: Output = { logs: null };
  const context = new ExecutionContext(deps, local, run, dag, task, reclaimed, output);
  if (run.cancelRequested)
    return finish(output, context, { status: 'failed', exitCode: null, reason: 'Canceled' });
  return runAttempt(deps, local, task, context, output);
}

function runAttempt(
  deps: ExecutorDeps,
  local: LocalAttempt,
  task: CompiledTask,
  context: ExecutionContext,
  output: Output,
): Promise<Execution> {
  // Claimed only once its timeout has passed without a decision: record the timeout's outcome.
  const approval = task.spec.approval;
  if (approval !== undefined)
    return finish(output, context, logged(context, approvalTimeoutOutcome(approval)));
  const runtime = resolveRuntime(task, deps.registry, deps.defaultRuntime);
  if (!('execute' in runtime)) return finish(output, context, logged(context, runtime));
  // Most attempts go to their runtime at once: only a reclaimed one (where its log ended) and the
  // beforeTaskStart hooks wait for something first.
  if (!context.reclaimed && !deps.registry.hooks.some((hooks) => hooks.beforeTaskStart !== undefined))
    return handOver(deps, local, task, context, output, runtime);
  return beforeStart(deps, local, task, context, output, runtime);
}

/** What comes before the runtime for some attempts: the stored log's end, the `beforeTaskStart` hooks. */
async function beforeStart(
  deps: ExecutorDeps,
  local: LocalAttempt,
  task: CompiledTask,
  initial: ExecutionContext,
  output: Output,
  runtime: Runtime,
): Promise<Execution> {
  let context = initial;
  if (context.reclaimed) context.resumeLog = await storedLogEnd(deps, local.attempt.id);
  for (const hooks of deps.registry.hooks) {
    if (hooks.beforeTaskStart === undefined) continue;
    try {
      const answer = await hooks.beforeTaskStart(context);
      if (answer && 'veto' in answer) {
        return finish(
          output,
          context,
          logged(context, {
            status: 'failed',
            exitCode: null,
            reason: answer.veto.reason,
            message: answer.veto.message,
            nonRetryable: answer.veto.retryable !== true,
          }),
        );
      }
      if (answer && 'parameters' in answer) context = context.withParameters(answer.parameters);
    } catch (error) {
      return finish(output, context, logged(context, { ...outcomeFromError(error), reason: 'HookFailed' }));
    }
  }
  return handOver(deps, local, task, context, output, runtime);
}

/**
 * Hands the attempt to its runtime, enforces its deadline and finishes it once the runtime answers. Not
 * async: it waits for as long as the task runs, and a suspended async frame (its registers and generator)
 * costs more than the one continuation this keeps, times ten thousand running attempts.
 */
function handOver(
  deps: ExecutorDeps,
  local: LocalAttempt,
  task: CompiledTask,
  context: ExecutionContext,
  output: Output,
  runtime: Runtime,
): Promise<Execution> {
  const { clock, timers } = deps;
  const deadline =
    task.timeoutSeconds === undefined
      ? null
      : (local.attempt.startedAt ?? clock.now()) + task.timeoutSeconds * 1000;
  const clearDeadline =
    deadline === null ? noop : timers.after(deadline - clock.now(), () => abortLocal(local, 'Timeout'));

  // Once aborted, the runtime gets `abortGraceMs` to report back before the abort is recorded anyway.
  let clearGrace: () => void = noop;
  const answered = new Promise<TaskOutcome>((resolve) => {
    local.onAbort = () => {
      clearGrace = timers.after(deps.abortGraceMs, () =>
        resolve({
          status: 'failed',
          exitCode: null,
          reason: local.aborted ?? 'Canceled',
          message: 'the runtime did not stop in time',
        }),
      );
    };
    if (local.aborted !== null) local.onAbort();
    try {
      runtime
        .execute(context)
        .then(resolve, (error: unknown) => resolve(logged(context, outcomeFromError(error))));
    } catch (error) {
      resolve(logged(context, outcomeFromError(error)));
    }
  });
  return answered.then((answer) => {
    local.onAbort = null;
    clearDeadline();
    clearGrace();
    const outcome =
      local.aborted !== null && answer.status === 'failed' ? { ...answer, reason: local.aborted } : answer;
    return finish(output, context, checkedOutputs(context, task, outcome), runtime);
  });
}

/** Keeps the declared outputs of a success; over the limits, the attempt fails (docs/flow/outputs.md). */
function checkedOutputs(context: AttemptContext, task: CompiledTask, outcome: TaskOutcome): TaskOutcome {
  if (outcome.outputs === undefined) return outcome;
  if (outcome.status !== 'succeeded') {
    const { outputs: _dropped, ...rest } = outcome;
    return rest;
  }
  const declared = new Set(task.outputs ?? []);
  const outputs = Object.fromEntries(Object.entries(outcome.outputs).filter(([name]) => declared.has(name)));
  const problem = outputLimitProblem(outputs);
  if (problem === null) return { ...outcome, outputs };
  return logged(context, {
    status: 'failed',
    exitCode: outcome.exitCode,
    reason: 'OutputTooLarge',
    message: problem,
    nonRetryable: true,
    failureKind: 'exit',
  });
}

export type { Logger };
