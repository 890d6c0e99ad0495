/**
 * The memory store's run event journal: an array in id order with the ids 1, 2, 3…, capped so that an
 * embedding process that never prunes does not grow without bound (the oldest events go first, as
 * retention would prune them).
 */
import type { RunEventBounds, RunEventInput, RunEventQuery, StoredRunEvent } from '../ports/run-events.js';
import type { AttemptRecord } from '../model/records.js';
import { frozenAttempt, frozenRun } from './freeze.js';

/** Stores cap a read at this many events. */
const MAX_READ = 1000;

/**
 * A frozen copy of a payload with the stored run and attempt. Built as a literal plus fields rather than a
 * spread: freezing a spread's result makes a new object shape every time (see model/record-copy.ts).
 */
function frozenPayload(payload: RunEventInput['payload'], run: RunEventInput['payload']['run']) {
  const copy: Record<string, unknown> = { run };
  for (const key in payload) {
    if (key === 'run' || !Object.prototype.hasOwnProperty.call(payload, key)) continue;
    const value = (payload as unknown as Record<string, unknown>)[key];
    copy[key] = key === 'attempt' && value !== undefined ? frozenAttempt(value as AttemptRecord) : value;
  }
  return Object.freeze(copy) as unknown as RunEventInput['payload'];
}

export class EventTable {
  /** The events kept are `#events[#first…]`: dropping the oldest moves `#first`, not every element. */
  #events: StoredRunEvent[] = [];
  /** The deduplication key of each event in `#events` (same index), so a dropped row frees its key. */
  #eventKeys: (string | undefined)[] = [];
  #first = 0;
  #lastId = 0;
  /** Keys of the events kept: as in PostgreSQL, a key is present while its row is. */
  readonly #keys = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** Appends events (skipping keys already present); returns how many were written. */
  append(events: readonly RunEventInput[]): number {
    let written = 0;
    // The events of one commit share their run record: freeze (or check) it once.
    let runIn: RunEventInput['payload']['run'] | undefined;
    let runOut: RunEventInput['payload']['run'] | undefined;
    for (const event of events) {
      if (event.key !== undefined) {
        if (this.#keys.has(event.key)) continue;
        this.#keys.add(event.key);
      }
      const { payload } = event;
      if (payload.run !== runIn) {
        runIn = payload.run;
        runOut = frozenRun(payload.run);
      }
      this.#eventKeys.push(event.key);
      this.#events.push(
        Object.freeze({
          id: ++this.#lastId,
          type: event.type,
          namespace: event.namespace,
          runId: event.runId,
          attemptId: event.attemptId,
          createdAt: event.createdAt,
          payload: frozenPayload(payload, runOut as RunEventInput['payload']['run']),
        }),
      );
      written++;
    }
    this.#trim();
    return written;
  }

  /** Drops the oldest events beyond the capacity; the array is compacted once per `capacity` drops. */
  #trim(): void {
    const kept = this.#events.length - this.#first;
    if (kept > this.capacity) {
      const first = this.#first + kept - this.capacity;
      for (let i = this.#first; i < first; i++) {
        const key = this.#eventKeys[i];
        if (key !== undefined) this.#keys.delete(key);
      }
      this.#first = first;
    }
    if (this.#first >= this.capacity) {
      this.#events = this.#events.slice(this.#first);
      this.#eventKeys = this.#eventKeys.slice(this.#first);
      this.#first = 0;
    }
  }

  read(query: RunEventQuery): StoredRunEvent[] {
    const limit = Math.max(0, Math.min(MAX_READ, Math.floor(query.limit)));
    const namespaces = query.namespaces ?? null;
    const found: StoredRunEvent[] = [];
    for (let i = this.#firstIndexAfter(query.afterId); i < this.#events.length && found.length < limit; i++) {
      const event = this.#events[i] as StoredRunEvent;
      if (namespaces !== null && !namespaces.includes(event.namespace)) continue;
      if (query.runId !== undefined && event.runId !== query.runId) continue;
      found.push(event);
    }
    return found;
  }

  bounds(): RunEventBounds {
    return { first: this.#events[this.#first]?.id ?? null, last: this.#lastId };
  }

  deleteBefore(before: number, limit: number): number {
    let left = Math.max(0, Math.floor(limit));
    const kept: StoredRunEvent[] = [];
    const keys: (string | undefined)[] = [];
    for (let i = this.#first; i < this.#events.length; i++) {
      const event = this.#events[i] as StoredRunEvent;
      const key = this.#eventKeys[i];
      if (left === 0 || event.createdAt >= before) {
        kept.push(event);
        keys.push(key);
      } else {
        left--;
        if (key !== undefined) this.#keys.delete(key);
      }
    }
    const deleted = this.#events.length - this.#first - kept.length;
    this.#events = kept;
    this.#eventKeys = keys;
    this.#first = 0;
    return deleted;
  }

  /** The index of the first event with an id above `afterId` (ids increase with the index). */
  #firstIndexAfter(afterId: number): number {
    let lo = this.#first;
    let hi = this.#events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#events[mid] as StoredRunEvent).id <= afterId) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
