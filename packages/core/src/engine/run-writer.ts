/**
 * `writeRun`: the one function through which the run service and the worker write a change to a run. One
 * store transaction carries the change (new run and attempts, or a `RunCommit`: run state, attempt rows,
 * outcomes), the outbox messages the notifiers make of its events, its run events for the journal
 * (`RunCommit.events`, which every API replica streams) and, for the store, its guards; after it,
 * the cached snapshot is updated and the events are emitted.
 *
 * Before anything is written, every state move is checked against the transition tables
 * (`INVALID_TRANSITION`, thrown): a new run starts `pending` (or `queued`, over a run limit) with `waiting`
 * attempts, and a commit's moves
 * are checked from the snapshot it was planned on. The stores check the same moves again inside their
 * transaction, against the rows as they are.
 *
 * Claims, lease renewals and lease hand-backs are not run changes in this sense: they are the work queue's
 * own guarded operations (`claimAttempts`, `renewLeases`, `releaseLeases`), keyed by lease owner; so is
 * the admission of queued runs (`admitQueuedRuns`: `queued → pending`, checked against the same table).
 */
import type { CompiledDag } from '../dag/compiled.js';
import { Errors } from '../errors/kontroler-error.js';
import { journalEvents, startedKey } from '../events/journal.js';
import { applyRunCommit, assertAttemptMoves, assertRunMove } from '../model/apply-commit.js';
import type { AttemptRecord, OutboxMessage, RunRecord, RunSnapshot } from '../model/records.js';
import type { Logger } from '../ports/logger.js';
import type { RunCommit, Store } from '../ports/store.js';
import type { NotifiableEvent, Notifier } from '../plugins/types.js';
import type { RunCache } from './run-cache.js';

export interface RunWriterDeps {
  readonly store: Store;
  readonly cache: RunCache;
  readonly logger: Logger;
  /** The notifiers whose outbox messages go into the same transaction. */
  readonly notifiers: () => Iterable<Notifier>;
  /** Makes outbox message ids. */
  readonly newId: () => string;
  /** Emits an event after the write (see `Reporting.emit`). */
  readonly emit: (event: NotifiableEvent) => void;
}

interface WriteBase {
  /** The DAG version the run executes (notifiers select on it). */
  readonly dag: CompiledDag;
  /** When the change is made (outbox timestamps). */
  readonly now: number;
  /** The events the change causes, derived from the run after it. */
  readonly events: (after: RunSnapshot) => readonly NotifiableEvent[];
}

/** A new run with its first attempts. */
export interface CreateRunWrite extends WriteBase {
  readonly kind: 'create';
  readonly run: RunRecord;
  readonly attempts: readonly AttemptRecord[];
}

/** A guarded change of an existing run. */
export interface CommitRunWrite extends WriteBase {
  readonly kind: 'commit';
  /** The snapshot the commit was planned on (at `commit.expectRevision`). */
  readonly before: RunSnapshot;
  readonly commit: RunCommit;
  /** The snapshot after the commit, when the caller already computed it (`applyRunCommit(before, commit)`). */
  readonly after?: RunSnapshot;
}

export type RunWrite = CreateRunWrite | CommitRunWrite;

export type RunWriteResult =
  /** Written: the run as it now is, and the events emitted for it. */
  | { readonly status: 'written'; readonly after: RunSnapshot; readonly events: readonly NotifiableEvent[] }
  /** A create whose idempotency key an earlier run holds: that run, unchanged. */
  | { readonly status: 'exists'; readonly run: RunRecord }
  /** The run changed since `before` (or a guard failed), or it no longer exists: nothing was written. */
  | { readonly status: 'conflict' | 'not-found' };

/**
 * Writes `change` in one store transaction.
 * @throws KontrolerError `INVALID_TRANSITION` when the change makes a move the transition tables forbid
 *   (nothing is written); store errors are passed on after the cached snapshot is dropped.
 */
export async function writeRun(deps: RunWriterDeps, change: RunWrite): Promise<RunWriteResult> {
  return change.kind === 'create' ? create(deps, change) : commit(deps, change);
}

async function create(deps: RunWriterDeps, change: CreateRunWrite): Promise<RunWriteResult> {
  const { run, attempts } = change;
  if (run.state !== 'pending' && run.state !== 'queued')
    throw Errors.invalidTransition('run', 'new', run.state, run.id);
  for (const attempt of attempts) {
    if (attempt.state !== 'waiting' || attempt.runId !== run.id) {
      throw Errors.invalidTransition('attempt', 'new', attempt.state, attempt.id);
    }
  }
  const after: RunSnapshot = { run, attempts: [...attempts] };
  const events = change.events(after);
  const outbox = selectMessages(deps, events, change);
  const result = await deps.store.createRun({
    run,
    attempts,
    ...(outbox.length > 0 ? { outbox } : {}),
    events: journalEvents(events, change.now),
  });
  if (!result.created) return { status: 'exists', run: result.run };
  const written: RunSnapshot = { run: result.run, attempts: after.attempts };
  deps.cache.set(written);
  for (const event of events) deps.emit(event);
  return { status: 'written', after: written, events };
}

async function commit(deps: RunWriterDeps, change: CommitRunWrite): Promise<RunWriteResult> {
  const { before, commit: runCommit } = change;
  assertAttemptMoves(runCommit);
  assertRunMove(before.run.id, before.run.state, runCommit.run);
  let after = change.after;
  if (after === undefined) {
    const applied = applyRunCommit(before, runCommit);
    if (applied === 'conflict') return { status: 'conflict' };
    after = applied;
  }
  const events = change.events(after);
  const outbox = selectMessages(deps, events, change);
  let answer;
  try {
    const journal = journalEvents(events, change.now, startedKey);
    answer = await deps.store.commitRun({
      ...runCommit,
      ...(outbox.length > 0 ? { outbox } : {}),
      ...(journal.length > 0 ? { events: journal } : {}),
    });
  } catch (error) {
    deps.cache.forget(before.run.id);
    throw error;
  }
  if (!answer.ok) {
    deps.cache.forget(before.run.id);
    return { status: answer.reason === 'not-found' ? 'not-found' : 'conflict' };
  }
  // The store increments the revision exactly as applyRunCommit does; trust its number all the same.
  const written =
    answer.revision === after.run.revision
      ? after
      : { run: { ...after.run, revision: answer.revision }, attempts: after.attempts };
  deps.cache.set(written);
  for (const event of events) deps.emit(event);
  return { status: 'written', after: written, events };
}

function selectMessages(deps: RunWriterDeps, events: readonly NotifiableEvent[], change: RunWrite) {
  return selectOutbox(
    deps.notifiers(),
    events,
    change.dag,
    change.now,
    (topic, event) => {
      const attempt = event.name === 'task.started' ? event.payload.attempt : undefined;
      return attempt === undefined ? deps.newId() : startedMessageId(attempt.id, topic);
    },
    deps.logger,
  );
}

/**
 * The outbox id of an attempt's `task.started` message for a topic: the same whoever announces the attempt
 * (the commit that claimed it, or the worker that claimed or reclaimed it), so a store that holds it
 * ignores the second: neither lost nor sent twice.
 */
export function startedMessageId(attemptId: string, topic: string): string {
  return `task.started:${attemptId}:${topic}`;
}

/** The outbox messages the notifiers make of `events` (a notifier whose `select` throws is logged and skipped). */
export function selectOutbox(
  notifiers: Iterable<Notifier>,
  events: readonly NotifiableEvent[],
  dag: CompiledDag,
  now: number,
  newId: (topic: string, event: NotifiableEvent) => string,
  logger: Logger,
): OutboxMessage[] {
  const messages: OutboxMessage[] = [];
  for (const notifier of notifiers) {
    for (const event of events) {
      try {
        const selected = notifier.select(event, dag);
        if (selected !== null)
          messages.push({
            ...selected,
            id: newId(notifier.topic, event),
            topic: notifier.topic,
            createdAt: now,
          });
      } catch (error) {
        logger.error({ err: error, notifier: notifier.name, event: event.name }, 'notifier select threw');
      }
    }
  }
  return messages;
}
