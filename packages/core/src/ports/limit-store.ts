/**
 * Run limits (docs/run-limits.md): a DAG's `maxActiveRuns` (from its latest version) and an
 * optional limit per namespace bound the runs that hold a slot (`pending` or `running`). A run submitted
 * while limits apply is created `queued`; `admitQueuedRuns` moves queued runs to `pending` as slots free,
 * atomically, so that no slot is ever used twice even with several processes on one store.
 */
import type { RunRecord } from '../model/records.js';

/** The limits an admin set on a namespace. */
export interface NamespaceLimits {
  readonly namespace: string;
  /** Most runs of the namespace (all DAGs) pending or running at once; null: no limit. */
  readonly maxActiveRuns: number | null;
  readonly updatedAt: number;
  readonly updatedBy: string | null;
}

export interface SetNamespaceLimitsInput {
  readonly namespace: string;
  readonly maxActiveRuns: number | null;
  readonly now: number;
  readonly updatedBy: string | null;
}

export interface LimitStore {
  /** The namespace's limits, or undefined when none were ever set. */
  getNamespaceLimits(namespace: string): Promise<NamespaceLimits | undefined>;
  /** Sets (replaces) the namespace's limits; queued runs are admitted by the next `admitQueuedRuns`. */
  setNamespaceLimits(input: SetNamespaceLimitsInput): Promise<NamespaceLimits>;
  /**
   * Moves queued runs of `namespace` to `pending` while slots are free, in order: `priority` descending,
   * then `createdAt`, then `id`. A run whose DAG is at its `maxActiveRuns` is passed over (runs of other
   * DAGs behind it may start); once the namespace is at its limit nothing more starts. Each admitted run's
   * revision is incremented. Atomic against concurrent calls, in this process and any other on the store:
   * the pending and running runs never exceed a limit because of an admission. Returns the admitted runs
   * (the caller plans them).
   */
  admitQueuedRuns(namespace: string): Promise<RunRecord[]>;
  /** Namespaces with at least one queued run (what a sweep admits), at most `limit`. */
  listQueuedNamespaces(limit: number): Promise<string[]>;
  /**
   * The queue position of each given run that is queued: 1 for the next of its DAG to be admitted (same
   * order as `admitQueuedRuns`, among the queued runs of the same DAG). Runs not queued are left out.
   */
  queuePositions(runIds: readonly string[]): Promise<ReadonlyMap<string, number>>;
}
