/**
 * The Runtime port: executes one task attempt. Implemented by the process runtime, the Kubernetes pod
 * runtime, `FakeRuntime` and plugin task types (`type: http`).
 */
import type { CompiledDag, CompiledTask } from '../dag/compiled.js';
import type { FailureKind } from '../model/failure-kind.js';
import type { LogLine, ParameterValue } from '../model/records.js';

/**
 * What a runtime gets for one attempt. The engine's contexts are class instances with `signal` on the
 * prototype: a runtime that wraps another should pass the context on (or delegate to it), not spread it.
 */
export interface AttemptContext {
  readonly attemptId: string;
  readonly runId: string;
  readonly dagName: string;
  readonly dagVersion: number;
  readonly namespace: string;
  readonly taskName: string;
  /** 1-based attempt number. */
  readonly attempt: number;
  readonly task: CompiledTask;
  readonly dag: CompiledDag;
  /**
   * The run's labels (`RunRecord.labels`), e.g. the DagRun resource that started it; the pod runtime makes
   * that resource the pods' owner. Optional: engines that do not pass it lose only the ownerReference.
   */
  readonly runLabels?: Readonly<Record<string, string>>;
  /** The DAG parameters this task asked for, resolved for the run. */
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  /**
   * True when this attempt was running under another worker whose lease expired: adopt what is already
   * running (a pod) or report it lost (a child process of a dead engine). Never start a twin.
   */
  readonly reclaimed: boolean;
  /**
   * For a reclaimed attempt whose earlier worker stored log lines: where they end. A runtime that adopts a
   * task still running (a pod) resumes its log after them instead of storing it twice.
   */
  readonly resumeLog?: LogResumePoint;
  /** Aborted when the attempt is canceled or times out; `signal.reason` says which. */
  readonly signal: AbortSignal;
  /**
   * Calls `listener` once when the attempt is aborted, with the reason `signal.reason` holds (at once when
   * it already is); returns a function that removes the listener. Unlike `signal`, it makes no AbortSignal
   * (about 1 KB with its listener maps): a runtime that holds thousands of attempts waiting should prefer
   * it. Optional: contexts made elsewhere (tests, wrappers) may offer only `signal`.
   */
  onAbort?(listener: (reason: unknown) => void): () => void;
  /** Writes log lines to the store; lines are batched and never block the task. */
  readonly log: (line: Omit<LogLine, 'ts'> & { ts?: number }) => void;
}

/** The end of an attempt's stored log: the time of its last line, and how many stored lines have that time. */
export interface LogResumePoint {
  readonly afterTs: number;
  readonly atTs: number;
}

export interface TaskOutcome {
  readonly status: 'succeeded' | 'failed';
  /** The exit code, or null when there is none (lost, timed out before start, HTTP task…). */
  readonly exitCode: number | null;
  /** Machine-readable: `Completed`, `Error`, `Timeout`, `Canceled`, `Lost`, `OOMKilled`, `Signal`… */
  readonly reason: string;
  readonly message?: string;
  /** The failure must not be retried (from NonRetryableError or an unrecoverable runtime error). */
  readonly nonRetryable?: boolean;
  /** Wait at least this long before the retry (from RetryAfterError). */
  readonly retryAfterMs?: number;
  /**
   * What kind of failure this is (the task's `retryPolicy` decides by it). Absent: derived by
   * `failureKindOf` — an exit code or a timeout is the task's own, `Lost` is transient, the rest infra.
   */
  readonly failureKind?: FailureKind;
  /**
   * The task's named outputs (JSON values) when it succeeded (docs/flow/outputs.md). The engine keeps the
   * declared ones and fails the attempt with `OutputTooLarge` when they pass the size limits.
   */
  readonly outputs?: Readonly<Record<string, unknown>>;
}

export interface Runtime {
  /** Unique; tasks pick it by `type` or the engine's default runtime. */
  readonly name: string;
  /**
   * Starts the attempt, or adopts it when already started (idempotent by `attemptId`), and resolves with
   * its outcome when it ends. Rejects only for a bug; task failures are outcomes.
   */
  execute(context: AttemptContext): Promise<TaskOutcome>;
  /**
   * Called once the attempt's outcome is committed to the store. Until then the runtime must keep what a
   * worker taking the attempt over would adopt (a finished pod): deleting it earlier lets a crash between
   * the outcome and its commit run the task twice.
   */
  outcomeRecorded?(context: AttemptContext, outcome: TaskOutcome): void | Promise<void>;
  /** Called once per run when it finishes (workspace cleanup, pod deletion). */
  cleanupRun?(runId: string): Promise<void>;
  close?(): Promise<void>;
}
