/**
 * A `Runtime` for tests: outcomes scripted per task (and attempt number), delays on the engine's clock
 * (pass a `FakeClock`), aborts honoured, every `execute` call recorded. Like a real runtime it is
 * idempotent by attempt id: executing an attempt again (a reclaim) adopts the first execution instead of
 * starting a twin.
 */
import type { FailureKind } from '../model/failure-kind.js';
import type { CompiledTask } from '../dag/compiled.js';
import type { Clock } from '../ports/clock.js';
import { systemClock } from '../ports/clock.js';
import type { ParameterValue } from '../model/records.js';
import type { AttemptContext, LogResumePoint, Runtime, TaskOutcome } from '../ports/runtime.js';

export interface ScriptedOutcome {
  /** 0 succeeds; anything else fails. */
  readonly exitCode: number;
  /** How long the attempt runs, on the runtime's clock. @default 0 */
  readonly delayMs?: number;
  /** Lines written to stdout before it ends. */
  readonly logs?: readonly string[];
  /** Reject `execute` with this error instead (NonRetryableError, RetryAfterError, a bug…). */
  readonly throws?: Error;
  /** @default 'Completed' on success, 'Error' on failure */
  readonly reason?: string;
  readonly message?: string;
  readonly nonRetryable?: boolean;
  readonly retryAfterMs?: number;
  /** The failure's kind, as a runtime would say it (`start` for a command not found…). */
  readonly failureKind?: FailureKind;
  /** Never ends on its own (only an abort ends it). */
  readonly hang?: boolean;
  /**
   * The outputs of a successful attempt (docs/flow/outputs.md), or a function of the attempt's context (its
   * rendered task, a forEach instance's name) that returns them.
   */
  readonly outputs?:
    Readonly<Record<string, unknown>> | ((context: AttemptContext) => Readonly<Record<string, unknown>>);
}

export interface FakeRuntimeCall {
  readonly attemptId: string;
  readonly runId: string;
  readonly taskName: string;
  readonly attempt: number;
  readonly reclaimed: boolean;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  /** The task as the engine handed it over, templates rendered (`args`, `env`, `with`…). */
  readonly task: CompiledTask;
  /** Where the stored log of a reclaimed attempt ended (`AttemptContext.resumeLog`). */
  readonly resumeLog?: LogResumePoint;
  /** False when the call adopted an execution already under way or done. */
  readonly started: boolean;
}

export interface FakeRuntimeOptions {
  /** @default 'fake' */
  readonly name?: string;
  /** Clock for `delayMs`. @default systemClock */
  readonly clock?: Clock;
  /** The outcome of tasks without a script. @default {exitCode: 0} */
  readonly defaultOutcome?: ScriptedOutcome;
}

export class FakeRuntime implements Runtime {
  readonly name: string;
  /** Every `execute` call, in order. */
  readonly calls: FakeRuntimeCall[] = [];
  /** Executions ended by their abort signal, with the signal's reason. */
  readonly aborts: Array<{ readonly attemptId: string; readonly reason: string }> = [];
  /** Runs passed to `cleanupRun`. */
  readonly cleanedRuns: string[] = [];
  readonly #clock: Clock;
  readonly #default: ScriptedOutcome;
  readonly #scripts = new Map<string, ScriptedOutcome>();
  readonly #executions = new Map<string, Promise<TaskOutcome>>();

  constructor(options: FakeRuntimeOptions = {}) {
    this.name = options.name ?? 'fake';
    this.#clock = options.clock ?? systemClock;
    this.#default = options.defaultOutcome ?? { exitCode: 0 };
  }

  /** Scripts the outcome of `task` (every attempt, or only attempt number `attempt`). Returns `this`. */
  script(match: { task: string; attempt?: number }, outcome: ScriptedOutcome): this {
    this.#scripts.set(`${match.task}#${match.attempt ?? '*'}`, outcome);
    return this;
  }

  /** The calls made for one task, in order. */
  callsOf(task: string): FakeRuntimeCall[] {
    return this.calls.filter((c) => c.taskName === task);
  }

  execute(context: AttemptContext): Promise<TaskOutcome> {
    const existing = this.#executions.get(context.attemptId);
    this.calls.push({
      attemptId: context.attemptId,
      runId: context.runId,
      taskName: context.taskName,
      attempt: context.attempt,
      reclaimed: context.reclaimed,
      parameters: context.parameters,
      task: context.task,
      ...(context.resumeLog ? { resumeLog: context.resumeLog } : {}),
      started: existing === undefined,
    });
    if (existing !== undefined) return existing;
    const execution = this.#run(context);
    this.#executions.set(context.attemptId, execution);
    return execution;
  }

  async cleanupRun(runId: string): Promise<void> {
    this.cleanedRuns.push(runId);
  }

  #scriptFor(task: string, attempt: number): ScriptedOutcome {
    return this.#scripts.get(`${task}#${attempt}`) ?? this.#scripts.get(`${task}#*`) ?? this.#default;
  }

  #run(context: AttemptContext): Promise<TaskOutcome> {
    const script = this.#scriptFor(context.taskName, context.attempt);
    const end = (): TaskOutcome => {
      for (const line of script.logs ?? []) context.log({ stream: 'stdout', line });
      if (script.throws !== undefined) throw script.throws;
      const ok = script.exitCode === 0;
      const outputs = typeof script.outputs === 'function' ? script.outputs(context) : script.outputs;
      return {
        status: ok ? 'succeeded' : 'failed',
        exitCode: script.exitCode,
        reason: script.reason ?? (ok ? 'Completed' : 'Error'),
        ...(script.message === undefined ? {} : { message: script.message }),
        ...(script.nonRetryable === undefined ? {} : { nonRetryable: script.nonRetryable }),
        ...(script.retryAfterMs === undefined ? {} : { retryAfterMs: script.retryAfterMs }),
        ...(script.failureKind === undefined || ok ? {} : { failureKind: script.failureKind }),
        ...(outputs === undefined || !ok ? {} : { outputs }),
      };
    };
    const delay = script.delayMs ?? 0;
    if (delay <= 0 && script.hang !== true && !context.signal.aborted) return Promise.resolve().then(end);
    return new Promise<TaskOutcome>((resolve, reject) => {
      const aborted = (): void => {
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        const signalReason: unknown = context.signal.reason;
        const reason = typeof signalReason === 'string' ? signalReason : 'Aborted';
        this.aborts.push({ attemptId: context.attemptId, reason });
        resolve({ status: 'failed', exitCode: null, reason });
      };
      const timer =
        script.hang === true
          ? undefined
          : this.#clock.setTimeout(() => {
              context.signal.removeEventListener('abort', aborted);
              try {
                resolve(end());
              } catch (error) {
                reject(error instanceof Error ? error : new Error(String(error)));
              }
            }, delay);
      if (context.signal.aborted) aborted();
      else context.signal.addEventListener('abort', aborted, { once: true });
    });
  }
}
