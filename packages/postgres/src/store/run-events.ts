/** The run event journal of the PostgreSQL store (`run_events`, ../run-events.ts): append, read, bounds, prune. */
import type { RunEventBounds, RunEventInput, RunEventQuery, Store, StoredRunEvent } from '@kontroler/core';
import { EVENTS_CHANNEL } from '../notify.js';
import { parameters } from '../rows.js';
import * as journal from '../run-events.js';
import type { StoreContext } from './context.js';

export type RunEventOperations = Pick<
  Store,
  'appendRunEvents' | 'readRunEvents' | 'runEventBounds' | 'onRunEvents' | 'deleteRunEventsBefore'
>;

export function runEventOperations(ctx: StoreContext): RunEventOperations {
  const { db, url } = ctx;
  // Ids a reader skipped because a lower id's transaction was still open: read again before moving on.
  const gaps = new journal.GapTracker();
  return {
    async appendRunEvents(events: readonly RunEventInput[]): Promise<void> {
      const { params, p } = parameters();
      if (await journal.appendRunEvents(db, url, events, p, params)) ctx.wake(false, false, true);
    },
    readRunEvents: (q: RunEventQuery): Promise<StoredRunEvent[]> => journal.readRunEvents(db, url, q, gaps),
    runEventBounds: (): Promise<RunEventBounds> => journal.runEventBounds(db, url),
    onRunEvents: (listener: () => void): (() => void) => ctx.subscribe(EVENTS_CHANNEL, listener),
    deleteRunEventsBefore: (before: number, limit: number): Promise<number> =>
      journal.deleteRunEventsBefore(db, url, before, limit),
  };
}
