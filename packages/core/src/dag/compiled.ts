import type { DagSpec, TaskSpec } from './schema.js';

/**
 * A validated DAG with defaults applied and its graph indexed. Only `validateDag`/`compileDag` make one;
 * the planner and engine receive nothing else, so they never re-check shape or graph rules.
 */
export interface CompiledTask {
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
}

export interface CompiledDag {
  readonly spec: Readonly<DagSpec>;
  readonly name: string;
  /** Every task by name. */
  readonly tasks: ReadonlyMap<string, CompiledTask>;
  /** A stable topological order (ties broken by document order). */
  readonly order: readonly string[];
}

/** Default retry limit when a task has no `backoff` (Kontroler's default). */
export const DEFAULT_BACKOFF_LIMIT = 3;
