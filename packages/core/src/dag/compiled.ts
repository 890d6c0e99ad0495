import type { DagSpec, ForEachSpec, TaskSpec, TriggerRule } from './schema.js';

/**
 * A validated DAG with defaults applied and its graph indexed. Only `validateDag`/`compileDag` make one;
 * the planner and engine receive nothing else, so they never re-check shape or graph rules.
 */
export interface CompiledTask {
  // The flow fields below are optional so that CompiledDags built by hand (tests, embedders) stay valid;
  // `compileDag` always sets them.
  readonly name: string;
  readonly spec: Readonly<TaskSpec>;
  /** Parents, in document order. */
  readonly runAfter: readonly string[];
  /** Direct children, in topological order. */
  readonly children: readonly string[];
  /** Retries after the first attempt (`backoff.limit`, default 3). */
  readonly backoffLimit: number;
  /** Exit codes that may be retried; `null` means any failure may be retried. */
  readonly retryCodes: ReadonlySet<number> | null;
  /** `timeoutSeconds`, else `podTemplate.activeDeadlineSeconds`. */
  readonly timeoutSeconds: number | undefined;
  /** Declared output names, in document order. */
  readonly outputs?: readonly string[];
  /** What the parents must have done (default `all_success`). */
  readonly triggerRule?: TriggerRule;
  /** The CEL condition, checked at save time; absent means always. */
  readonly when?: string | undefined;
  /** Fan-out: one instance per item (`name[0]`, …). */
  readonly forEach?: Readonly<ForEachSpec> | undefined;
}

export interface CompiledDag {
  readonly spec: Readonly<DagSpec>;
  readonly name: string;
  /** Every task by name. */
  readonly tasks: ReadonlyMap<string, CompiledTask>;
  /** A stable topological order (ties broken by document order). */
  readonly order: readonly string[];
  /** Exit handlers by name (`onExit`): they run once the main tasks have ended. */
  readonly onExit?: ReadonlyMap<string, CompiledTask>;
  /** The exit handlers in topological order. */
  readonly exitOrder?: readonly string[];
  /** The DAG's run deadline in seconds (a run may set its own). */
  readonly activeDeadlineSeconds?: number | undefined;
}

/** The trigger rule of a task without one. */
export const DEFAULT_TRIGGER_RULE: TriggerRule = 'all_success';

/** Default retry limit when a task has no `backoff` (Kontroler's default). */
export const DEFAULT_BACKOFF_LIMIT = 3;
