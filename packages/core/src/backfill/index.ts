/** Backfills: the runs of a scheduled DAG's past ticks, a few at a time (see driver.ts). */
export {
  createBackfillDriver,
  BACKFILL_LABEL,
  MAX_BACKFILL_TICKS,
  type BackfillDriver,
  type BackfillDriverDeps,
  type BackfillDriverOptions,
  type CreateBackfillInput,
} from './driver.js';
