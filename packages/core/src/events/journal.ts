/**
 * Engine events → journal rows, purely. The run lanes derive a commit's events with `commitEvents` and
 * hand them to the store inside the commit; this picks the run events among them and shapes the rows.
 */
import type { NotifiableEvent } from '../plugins/types.js';
import type { RunEventInput, RunEventPayload, RunEventStore } from '../ports/run-events.js';
import { RUN_EVENT_NAMES, type RunEventName } from './engine-events.js';

const RUN_EVENTS: ReadonlySet<string> = new Set(RUN_EVENT_NAMES);

/** Whether an engine event is a run event (one the journal keeps). */
export function isRunEventName(name: string): name is RunEventName {
  return RUN_EVENTS.has(name);
}

/**
 * The journal rows of `events`, in order; events that are not run events are left out.
 * @param key deduplication key per event (see `RunEventInput.key`), or undefined for none
 */
export function journalEvents(
  events: readonly NotifiableEvent[],
  createdAt: number,
  key?: (event: NotifiableEvent) => string | undefined,
): RunEventInput[] {
  const rows: RunEventInput[] = [];
  for (const event of events) {
    if (!isRunEventName(event.name)) continue;
    const payload = event.payload as RunEventPayload;
    const dedupe = key?.(event);
    rows.push({
      type: event.name,
      namespace: payload.run.namespace,
      runId: payload.run.id,
      attemptId: payload.attempt?.id ?? null,
      payload,
      createdAt,
      ...(dedupe !== undefined ? { key: dedupe } : {}),
    });
  }
  return rows;
}

/**
 * The journal key of a `task.started` event: its attempt's, so that it is journaled once whoever announces
 * it (the commit that claimed the attempt, the worker that claimed it, or a worker that reclaimed it).
 */
export function startedKey(event: NotifiableEvent): string | undefined {
  return event.name === 'task.started' && 'attempt' in event.payload && event.payload.attempt !== undefined
    ? `${event.name}:${event.payload.attempt.id}`
    : undefined;
}

/**
 * Journals `task.started` events (not part of the claim's commit), batching the ones that arrive in the
 * same wave of microtasks (the attempts of one claim start together) into one append: a claim of many
 * attempts costs one write, not one each.
 * Keyed by the attempt, so a reclaimed attempt is announced once; awaited before the attempt executes, so
 * the journal has it before the outcome's commit. A failed append is reported and does not stop attempts.
 */
export class StartedJournal {
  #pending: RunEventInput[] = [];
  #flush: Promise<void> | null = null;

  constructor(
    private readonly store: Pick<RunEventStore, 'appendRunEvents'>,
    private readonly reportError: (error: unknown, context: string) => void,
  ) {}

  add(started: NotifiableEvent, now: number): Promise<void> {
    const rows = journalEvents([started], now, startedKey);
    this.#pending.push(...rows);
    this.#flush ??= Promise.resolve().then(async () => {
      const batch = this.#pending;
      this.#pending = [];
      this.#flush = null;
      try {
        await this.store.appendRunEvents(batch);
      } catch (error) {
        this.reportError(error, `journal:${batch.length} task.started`);
      }
    });
    return this.#flush;
  }
}
