/**
 * The run event journal: every committed change to a run leaves its run events (`run.*`, `task.*`) in
 * the store, in the same transaction as the change, numbered by an increasing id; a read never steps over
 * an id that may still become visible (a writer in flight), so readers see events in id order.
 * Readers (the API's SSE, on any replica) follow it by id (`readRunEvents({afterId})`), woken by
 * `onRunEvents` (PostgreSQL: NOTIFY) and by a poll when a wake-up was missed, so nothing is lost when a
 * listener reconnects. Implemented by `MemoryStore` (in process) and `@kontroler/postgres` (`run_events`).
 */
import type { RunEventName } from '../events/engine-events.js';
import type { ApprovalRequest } from '../engine/approvals.js';
import type { AttemptRecord, RunRecord } from '../model/records.js';

/** What a run event carries: the run (and attempt) as they were right after the change. */
export interface RunEventPayload {
  readonly run: RunRecord;
  readonly attempt?: AttemptRecord;
  /** `task.failed`: whether a retry was scheduled. */
  readonly willRetry?: boolean;
  /** `task.retrying`: when the retry attempt becomes claimable (epoch ms). */
  readonly retryAt?: number;
  /** `task.awaitingApproval`: when the approval's `onTimeout` outcome applies (epoch ms). */
  readonly timeoutAt?: number;
  /** `task.awaitingApproval`: the approval's message and who may decide it. */
  readonly approval?: ApprovalRequest;
}

/** A run event to be written. */
export interface RunEventInput {
  readonly type: RunEventName;
  readonly namespace: string;
  readonly runId: string;
  readonly attemptId: string | null;
  readonly payload: RunEventPayload;
  readonly createdAt: number;
  /**
   * Deduplication key: an event whose key is already in the journal is not written again (a reclaimed
   * attempt's `task.started` is announced once, however many workers start it).
   */
  readonly key?: string;
}

/** A run event as read back from the journal. */
export interface StoredRunEvent {
  /** Increasing in commit order; the SSE event id. */
  readonly id: number;
  readonly type: RunEventName;
  readonly namespace: string;
  readonly runId: string;
  readonly attemptId: string | null;
  readonly payload: RunEventPayload;
  readonly createdAt: number;
}

export interface RunEventQuery {
  /** Events with an id greater than this one. */
  readonly afterId: number;
  /** At most this many (stores cap it at 1000). */
  readonly limit: number;
  /** Only events of runs in these namespaces; `null` or absent means every namespace. */
  readonly namespaces?: readonly string[] | null;
  readonly runId?: string;
  /**
   * Ids up to this one are known to be complete (the caller's own feed has passed them): a store whose
   * ids can become visible out of order skips missing ids below it at once instead of waiting for them.
   */
  readonly settledThrough?: number;
}

export interface RunEventBounds {
  /** The oldest id still kept (older ones were pruned), or null when the journal is empty. */
  readonly first: number | null;
  /** The newest id, or 0 when nothing was ever written. */
  readonly last: number;
  /**
   * Ids below `last`, among the newest, that were not visible when the bounds were read: a writer still in
   * flight may commit them later (the others rolled back or were skipped). A reader that starts at `last`
   * must still deliver those that commit. Absent (or empty) where ids become visible in order.
   */
  readonly unseen?: readonly number[];
}

export interface RunEventStore {
  /**
   * Appends events outside a run commit (`task.started` after a claim), atomically; events whose `key`
   * is already present are skipped.
   */
  appendRunEvents(events: readonly RunEventInput[]): Promise<void>;
  /** Events after `afterId`, oldest first. */
  readRunEvents(query: RunEventQuery): Promise<StoredRunEvent[]>;
  runEventBounds(): Promise<RunEventBounds>;
  /** Calls `listener` when events may have been appended (by any process); returns an unsubscribe. */
  onRunEvents(listener: () => void): () => void;
  /** Retention: deletes up to `limit` of the oldest events created before `before`; returns how many. */
  deleteRunEventsBefore(before: number, limit: number): Promise<number>;
}
