/**
 * Backfills: the runs of every cron tick of a scheduled DAG in `[from, to)`, created a few at a time by a
 * driver (`createBackfillDriver` in core) whose whole state is the record, so another process carries on
 * after a restart. Changes are compare-and-set on `revision`.
 */
import type { DagRef } from '../model/dag-ref.js';

export const BACKFILL_STATES = ['running', 'completed', 'canceled'] as const;
/** `completed`: every tick has a finished run (whatever its outcome); `canceled`: stopped as a whole. */
export type BackfillState = (typeof BACKFILL_STATES)[number];

export interface BackfillRecord {
  readonly id: string;
  readonly namespace: string;
  readonly dagName: string;
  /** Inclusive start of the range (epoch ms). */
  readonly from: number;
  /** Exclusive end of the range (epoch ms). */
  readonly to: number;
  /** The DAG's cron and time zone when the backfill was made: later schedule edits do not move its ticks. */
  readonly schedule: string;
  readonly timezone: string | null;
  /** At most this many of the backfill's runs are active at once. */
  readonly maxActiveRuns: number;
  readonly state: BackfillState;
  /** Ticks in the range. */
  readonly total: number;
  /** Ticks whose run was created (or found: the scheduler or an earlier backfill made it). */
  readonly submitted: number;
  /** Ticks whose run has finished. */
  readonly done: number;
  /** Of `done`, the runs that did not succeed. */
  readonly failed: number;
  /** The next tick to submit; null when every tick is submitted. */
  readonly nextTick: number | null;
  /** Ids of submitted runs not yet seen finished. */
  readonly inFlight: readonly string[];
  readonly revision: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly finishedAt: number | null;
  readonly createdBy: string | null;
}

export type BackfillChange = Partial<
  Pick<BackfillRecord, 'state' | 'submitted' | 'done' | 'failed' | 'nextTick' | 'inFlight' | 'finishedAt'>
>;

export interface BackfillStore {
  createBackfill(backfill: BackfillRecord): Promise<BackfillRecord>;
  getBackfill(id: string): Promise<BackfillRecord | undefined>;
  /** The backfills of one DAG, newest first (at most `limit`). */
  listBackfills(dag: DagRef, limit: number): Promise<BackfillRecord[]>;
  /** Every backfill in state `running`, oldest first: what a driver works on. */
  listRunningBackfills(): Promise<BackfillRecord[]>;
  /**
   * Applies `change` when the backfill is at `expectRevision` (then `revision` + 1, `updatedAt` = now);
   * undefined when it is not (another driver moved it) or does not exist.
   */
  updateBackfill(
    id: string,
    expectRevision: number,
    change: BackfillChange,
    now: number,
  ): Promise<BackfillRecord | undefined>;
}
