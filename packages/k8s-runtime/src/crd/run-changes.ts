/**
 * Where a CRD sync hears that runs changed. Every replica's engine executes attempts, but only the leader
 * writes DagRun status, so the leader must hear of runs another replica finished: it follows the store's run
 * event journal (PostgreSQL: NOTIFY from any process, plus a poll), not its own engine's events.
 * One journal reader serves every sync of a process (one per watched namespace); it runs while at least one
 * of them listens. It reads every event and filters by namespace itself: a filtered read would start again
 * from the last matching event each time, rescanning the other namespaces' events.
 */
import { RunEventFeed, silentLogger, type Logger, type RunEventStore, type RunRecord } from '@kontroler/core';

export interface RunChanges {
  /**
   * Calls `listener` with the record of each run that changed, as of the change (several times for a run
   * that changed several times). Resolves, with the unsubscribe, once every change from now on is delivered.
   */
  subscribe(listener: (run: RunRecord) => void): Promise<() => void>;
}

export interface RunJournalOptions {
  readonly store: Pick<RunEventStore, 'readRunEvents' | 'runEventBounds' | 'onRunEvents'>;
  /** Only runs in these namespaces. @default every namespace */
  readonly namespaces?: readonly string[];
  /** Fallback poll of the journal when a wake-up was missed. @default 1000 */
  readonly pollMs?: number;
  readonly logger?: Logger;
}

/** Run changes read from the store's run event journal, whichever process made them. */
export function followRunJournal(options: RunJournalOptions): RunChanges {
  const listeners = new Set<(run: RunRecord) => void>();
  const namespaces = options.namespaces ? new Set(options.namespaces) : undefined;
  let feed: RunEventFeed | undefined;
  return {
    async subscribe(listener) {
      listeners.add(listener);
      feed ??= new RunEventFeed({
        store: options.store,
        logger: options.logger ?? silentLogger,
        ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
        onEvents(events) {
          for (const event of events) {
            if (namespaces && !namespaces.has(event.namespace)) continue;
            for (const l of listeners) l(event.payload.run);
          }
        },
      });
      await feed.ready;
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0 || !feed) return;
        feed.stop();
        feed = undefined;
      };
    },
  };
}
