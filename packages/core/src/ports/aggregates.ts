/**
 * The aggregate port: what the dashboard reads. Every method answers from figures a store keeps up to date
 * as runs change (PostgreSQL: rollup tables maintained by triggers in the run-change transaction), never by
 * scanning every run, so the answers stay fast over millions of runs.
 *
 * Windows count what FINISHED in `[from, to)` (a run's or attempt's `finishedAt`); stores keep hourly
 * figures, so `from` and `to` must be whole UTC hours (whole UTC days for `dailyOutcomes`); a store may
 * answer whole-day windows from coarser figures (PostgreSQL reads its daily rollup), with the same result. A finished run
 * counts once, under its current outcome: a failed run retried to success moves from `failed` to
 * `succeeded`, and retention (`deleteFinishedRuns`) removes what it deletes.
 *
 * Conformance: the `aggregates` part of `storeContractSuite`.
 */
import type { DurationHistogram } from '../model/duration-histogram.js';
import type { RunRecord } from '../model/records.js';

/** Which namespaces an aggregate covers. */
export interface AggregateScope {
  /** Only these namespaces (an empty list covers nothing); absent: every namespace. */
  readonly namespaces?: readonly string[];
}

/** `[from, to)` in epoch ms, on whole hours (whole days for daily figures). */
export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

/** Finished runs (or attempts) by outcome. */
export interface OutcomeCounts {
  readonly succeeded: number;
  readonly failed: number;
  readonly canceled: number;
}

/** The runs of one DAG that finished in a window. */
export interface DagOutcomes {
  readonly namespace: string;
  readonly dagName: string;
  readonly counts: OutcomeCounts;
  /**
   * Durations (`finishedAt − (startedAt ?? createdAt)`) of its succeeded and failed runs as a histogram
   * (see `durationBucket`), sorted by bucket.
   */
  readonly durations: DurationHistogram;
}

/** Runs that finished on one UTC day. */
export interface DailyOutcomes {
  /** Midnight UTC of the day, epoch ms. */
  readonly day: number;
  readonly counts: OutcomeCounts;
}

/** The attempts of one task (of one DAG) that finished in a window. */
export interface TaskOutcomes {
  readonly namespace: string;
  readonly dagName: string;
  readonly taskName: string;
  readonly succeeded: number;
  readonly failed: number;
  /** Mean of `finishedAt − startedAt` over its succeeded and failed attempts that started, rounded; or null. */
  readonly meanDurationMs: number | null;
}

export interface TaskOutcomeQuery {
  /** `slowest`: by mean duration, longest first; `failing`: by failed attempts, most first (only tasks with some). */
  readonly order: 'slowest' | 'failing';
  /** At most this many (stores cap it at 100). */
  readonly limit: number;
}

export interface AggregateStore {
  /** Runs not finished, by state (every non-terminal state is present, 0 when none). */
  countActiveRuns(scope: AggregateScope): Promise<Readonly<Record<string, number>>>;
  /**
   * Runs waiting to start (`queued` over a run limit, or `pending`), oldest first (createdAt, then id), at most
   * `limit` (capped at 500).
   */
  listWaitingRuns(scope: AggregateScope, limit: number): Promise<RunRecord[]>;
  /** Per DAG with runs that finished in the window, ordered by namespace, then name. */
  dagOutcomes(scope: AggregateScope, window: TimeWindow): Promise<DagOutcomes[]>;
  /** Per UTC day of the window with finished runs, oldest first; days with none are left out. */
  dailyOutcomes(scope: AggregateScope, window: TimeWindow): Promise<DailyOutcomes[]>;
  /** Tasks whose attempts finished in the window, ranked; ties by namespace, DAG, task. */
  taskOutcomes(scope: AggregateScope, window: TimeWindow, query: TaskOutcomeQuery): Promise<TaskOutcomes[]>;
}
