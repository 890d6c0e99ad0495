/** The engine's public shape: options and the long-lived handle `createEngine` returns. */
import type { DependencyContainer } from 'tsyringe';
import type { CompiledDag } from '../dag/compiled.js';
import type { EngineEventBus } from '../events/engine-events.js';
import type { DagRef } from '../model/dag-ref.js';
import type {
  AttemptRecord,
  DagRecord,
  DagVersion,
  RunRecord,
  RunSnapshot,
  RunTrigger,
} from '../model/records.js';
import type { RetryTiming } from '../planner/decisions.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Runtime } from '../ports/runtime.js';
import type { DagAuditInput, Page, PageRequest, RunFilter, Store } from '../ports/store.js';
import type { Notifier, Plugin } from '../plugins/types.js';
import type { Scheduler, SchedulerOptions } from '../scheduler/scheduler.js';
import type { ApprovalDecision } from './approvals.js';

export interface EngineOptions {
  /** The system of record and work queue. */
  readonly store: Store;
  /** Runtimes selectable by name; tasks without `type` run on `defaultRuntime`. @default [] */
  readonly runtimes?: readonly Runtime[];
  /** The runtime for tasks without `type`. @default the only runtime, when exactly one is registered */
  readonly defaultRuntime?: string;
  /** Plugins, set up in order when the engine is created (`start()` waits for them). @default [] */
  readonly plugins?: readonly Plugin[];
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** Most attempts this engine executes at once. @default 10 */
  readonly concurrency?: number;
  /** This worker's lease owner id. @default `engine-<random uuid>` */
  readonly workerId?: string;
  /** Lease length; heartbeats renew it every `leaseMs / 3`. @default 30000 */
  readonly leaseMs?: number;
  /** Fallback polling of the store for work and outbox messages. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Backoff between task retries. @default DEFAULT_RETRY_TIMING */
  readonly timing?: RetryTiming;
  /** Notifiers (besides those plugins register). @default [] */
  readonly notifiers?: readonly Notifier[];
  /** Where services are registered for plugins. @default a child of tsyringe's root container */
  readonly container?: DependencyContainer;
  /**
   * Runs cron schedules in this engine. Hosts with leader election pass `false` (or options with
   * `autoStart: false`, to keep e.g. `maxCatchUp`) and drive `engine.scheduler` on the leader. @default true
   */
  readonly scheduler?: boolean | SchedulerOptions;
  /** After aborting an attempt, how long to wait for its runtime before recording the abort anyway. @default 30000 */
  readonly abortGraceMs?: number;
  /** Makes run, attempt and outbox ids. @default crypto.randomUUID */
  readonly newId?: () => string;
  /** Log lines are flushed to the store at least this often while an attempt runs. @default 100 */
  readonly logFlushMs?: number;
}

export interface SubmitOptions {
  /** A second submit with the same key returns the first run. */
  readonly idempotencyKey?: string;
  /** @default 'manual' */
  readonly trigger?: RunTrigger;
  /** The DAG version to run. @default the latest */
  readonly version?: number;
  readonly labels?: Readonly<Record<string, string>>;
  /** The cron tick a scheduled run is for. */
  readonly scheduledFor?: number;
  /**
   * This run's deadline in seconds from its start, instead of the DAG's `activeDeadlineSeconds`
   * (docs/flow/deadline.md): a positive integer up to `MAX_RUN_DEADLINE_SECONDS`, else RUN_OPTION_INVALID.
   * @default the DAG's, or none
   */
  readonly activeDeadlineSeconds?: number;
  /** Order among queued runs (higher first; docs/run-limits.md). @default the DAG's `priority`, else 0 */
  readonly priority?: number;
}

export type SubmitParameter = string | { readonly fromSecret: string };

export interface RetryOptions {
  /** Keep succeeded tasks and rerun the rest (true), or rerun everything (false). @default true */
  readonly fromFailed?: boolean;
  /** Move the run to this DAG version. @default the run's own version */
  readonly version?: number | 'latest';
}

export interface TaskRerunOptions {
  /** Rerun every task downstream of it too (Airflow's clear with downstream). @default false */
  readonly downstream?: boolean;
}

export interface TaskMarkOptions {
  /** The outcome to record. */
  readonly state: 'succeeded' | 'failed';
  /** Why, for humans: the attempt's message. @default "marked <state> by hand" */
  readonly message?: string;
}

/** A task action's result: the run after it was planned, and the attempts the action created or settled. */
export interface TaskActionResult {
  readonly run: RunRecord;
  readonly attempts: readonly AttemptRecord[];
}

export interface StopOptions {
  /** Wait for running attempts to finish (true) or hand their leases back at once (false). @default false */
  readonly drain?: boolean;
  /** Longest wait when draining; what is still running then is handed back. @default 30000 */
  readonly timeoutMs?: number;
  /**
   * Hand leases back on stop (true). `false` leaves them to expire, as a crash would; tests use it.
   * @default true
   */
  readonly releaseLeases?: boolean;
}

export interface RegisterDagResult {
  readonly dag: DagRecord;
  readonly version: DagVersion;
  readonly created: boolean;
  readonly compiled: CompiledDag;
}

export interface Engine {
  /** Starts claiming work, dispatching the outbox and (unless disabled) the scheduler; resumes active runs. */
  start(): Promise<void>;
  /** Stops claiming. See `StopOptions`. Resolves when the engine is stopped. */
  stop(options?: StopOptions): Promise<void>;
  /**
   * Validates and stores a DAG document; an unchanged document makes no new version. A `CompiledDag` that
   * `validateDag`/`compileDag` returned is stored as it is, without being compiled again.
   */
  registerDag(
    doc: unknown,
    options?: { createdBy?: string | null; audit?: DagAuditInput },
  ): Promise<RegisterDagResult>;
  /**
   * Creates a run of the DAG's latest (or given) version and plans it at once. A bare name means the DAG
   * of that name in the `default` namespace, as `kubectl` does.
   */
  submit(
    dag: DagRef | string,
    parameters?: Readonly<Record<string, SubmitParameter>>,
    options?: SubmitOptions,
  ): Promise<RunRecord>;
  getRun(runId: string): Promise<RunSnapshot | undefined>;
  listRuns(filter: RunFilter, page: PageRequest): Promise<Page<RunRecord>>;
  /** Requests cancellation: what has not started is canceled, what runs is aborted. */
  cancel(runId: string): Promise<RunRecord>;
  /** Starts a new round of a failed or canceled run. */
  retry(runId: string, options?: RetryOptions): Promise<RunRecord>;
  /** Reruns one task (and, with `downstream`, what is below it): see `RunService.rerunTask`. */
  rerunTask(runId: string, task: string, options?: TaskRerunOptions): Promise<TaskActionResult>;
  /** Marks a task succeeded or failed without executing it: see `RunService.markTask`. */
  markTask(runId: string, task: string, options: TaskMarkOptions): Promise<TaskActionResult>;
  /** Approves or rejects an approval task awaiting a decision (docs/approval.md); see `RunService`. */
  decideApproval(runId: string, task: string, decision: ApprovalDecision): Promise<RunSnapshot>;
  /** Starts queued runs that fit their limits now (see `RunService.admitQueued`). */
  admitQueued(namespace?: string): Promise<void>;
  readonly events: EngineEventBus;
  /** The cron scheduler (`tick(now)` for hosts that run it themselves). */
  readonly scheduler: Scheduler;
  /** This engine's lease owner id. */
  readonly workerId: string;
  /** Settles when the engine has stopped. */
  readonly promise: Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
