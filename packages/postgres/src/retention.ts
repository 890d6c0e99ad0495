/** Retention: deletes finished runs (with attempts, logs, outbox) older than an age, in bounded batches. */
import type { Store } from '@kontroler/core';

export interface RetentionOptions {
  /** Finished runs whose `finishedAt` is older than this are deleted. */
  readonly maxAgeMs: number;
  /** Now, epoch ms. @default Date.now() */
  readonly now?: number;
  /** Runs deleted per statement (keeps each transaction short). @default 500 */
  readonly batchSize?: number;
  /** Stop after this many batches (the rest waits for the next pass). @default Infinity */
  readonly maxBatches?: number;
}

/** Deletes batch after batch until a batch comes back short; returns how many runs were deleted. */
export async function pruneFinishedRuns(
  store: Pick<Store, 'deleteFinishedRuns'>,
  options: RetentionOptions,
): Promise<number> {
  const before = (options.now ?? Date.now()) - options.maxAgeMs;
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const maxBatches = options.maxBatches ?? Infinity;
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const deleted = await store.deleteFinishedRuns(before, batchSize);
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}

/**
 * Deletes run events (the SSE journal) older than `maxAgeMs`, batch after batch; returns how many. A
 * client resuming from a pruned id gets `event: reset`. Keep events at least as long as a client may be
 * disconnected and still expect to resume.
 */
export async function pruneRunEvents(
  store: Pick<Store, 'deleteRunEventsBefore'>,
  options: RetentionOptions,
): Promise<number> {
  const before = (options.now ?? Date.now()) - options.maxAgeMs;
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const maxBatches = options.maxBatches ?? Infinity;
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const deleted = await store.deleteRunEventsBefore(before, batchSize);
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}
