/**
 * The memory store's work queue: which attempts a claim may take, in which order, without scanning every
 * attempt. Three heaps with lazy deletion:
 *
 * - `ready`: attempts in `ready` (and `retrying` ones whose backoff has passed), oldest
 *   (availableAt, createdAt, id) first;
 * - `retrying`: attempts in `retrying`, by the end of their backoff, and approval attempts `awaiting` a
 *   decision, by their timeout; moved to `ready` once due;
 * - `leases`: `running` attempts by lease expiry, so expired leases are found without a scan.
 *
 * An entry is only a hint: it is checked against the attempt's current record when it surfaces, and
 * dropped when the attempt has moved on. `track` must see every write of an attempt.
 */
import type { AttemptRecord } from '../model/records.js';
import { MinHeap } from '../util/min-heap.js';

interface QueueEntry {
  readonly id: string;
  /** availableAt, or createdAt when the attempt has none. */
  readonly at: number;
  readonly createdAt: number;
  /** Matches `tokens.get(id)` while the entry is current; increases with every entry made. */
  readonly token: number;
}

interface LeaseEntry {
  readonly id: string;
  readonly expiresAt: number;
}

/** A claimable attempt, with whether it is taken over from an expired lease. */
export interface ClaimCandidate {
  readonly attempt: AttemptRecord;
  readonly reclaimed: boolean;
}

/** Claimable now (`ready`) or from its `availableAt` (a retry's backoff, an approval's timeout). */
const isQueued = (attempt: AttemptRecord): boolean =>
  attempt.state === 'ready' || attempt.state === 'retrying' || attempt.state === 'awaiting';

/** Oldest (availableAt, createdAt) first; ties in queueing order, a number compare, not an id compare. */
const byAvailability = (a: QueueEntry, b: QueueEntry): number =>
  a.at - b.at || a.createdAt - b.createdAt || a.token - b.token;

export class AttemptQueue {
  readonly #ready = new MinHeap<QueueEntry>(byAvailability);
  readonly #retrying = new MinHeap<QueueEntry>(byAvailability);
  readonly #leases = new MinHeap<LeaseEntry>((a, b) => a.expiresAt - b.expiresAt);
  /** The current entry token per queued attempt; absent when the attempt is not claimable. */
  readonly #tokens = new Map<string, number>();
  #nextToken = 1;

  /** Records that an attempt was written (`next`) or deleted (`next` undefined). */
  track(previous: AttemptRecord | undefined, next: AttemptRecord | undefined): void {
    if (next === undefined) {
      if (previous !== undefined) this.#tokens.delete(previous.id);
      return;
    }
    if (isQueued(next)) {
      const unchanged =
        previous !== undefined &&
        previous.state === next.state &&
        previous.availableAt === next.availableAt &&
        this.#tokens.has(next.id);
      if (!unchanged) this.#enqueue(next);
      return;
    }
    this.#tokens.delete(next.id);
    if (next.state === 'running' && next.leaseExpiresAt !== null) {
      const sameLease = previous?.state === 'running' && previous.leaseExpiresAt === next.leaseExpiresAt;
      if (!sameLease) this.#leases.push({ id: next.id, expiresAt: next.leaseExpiresAt });
    }
  }

  /**
   * Up to `limit` claimable attempts at `now`, oldest first, expired leases before queued work (they are
   * overdue by definition). They leave the queue: the caller must write them (as `running`) at once.
   */
  take(limit: number, now: number, find: (id: string) => AttemptRecord | undefined): ClaimCandidate[] {
    const taken: ClaimCandidate[] = [];
    while (taken.length < limit) {
      const lease = this.#leases.peek();
      if (lease === undefined || lease.expiresAt >= now) break;
      this.#leases.pop();
      const attempt = find(lease.id);
      // Two entries can match the same lease (released, then claimed again until the old expiry).
      const duplicate = taken.some((candidate) => candidate.attempt.id === lease.id);
      if (attempt?.state === 'running' && attempt.leaseExpiresAt === lease.expiresAt && !duplicate) {
        taken.push({ attempt, reclaimed: true });
      }
    }
    if (taken.length >= limit) return taken;
    this.#promoteDueRetries(now, find);
    while (taken.length < limit) {
      const entry = this.#ready.pop();
      if (entry === undefined) break;
      const attempt = this.#current(entry, find);
      if (attempt !== undefined) {
        this.#tokens.delete(entry.id);
        taken.push({ attempt, reclaimed: false });
      }
    }
    return taken;
  }

  #enqueue(attempt: AttemptRecord): void {
    const token = this.#nextToken++;
    this.#tokens.set(attempt.id, token);
    const entry: QueueEntry = {
      id: attempt.id,
      at: attempt.availableAt ?? attempt.createdAt,
      createdAt: attempt.createdAt,
      token,
    };
    (attempt.state === 'ready' ? this.#ready : this.#retrying).push(entry);
  }

  /** Moves retrying attempts whose backoff has passed into the ready heap (same entry, same order key). */
  #promoteDueRetries(now: number, find: (id: string) => AttemptRecord | undefined): void {
    for (;;) {
      const entry = this.#retrying.peek();
      if (entry === undefined || entry.at > now) return;
      this.#retrying.pop();
      if (this.#current(entry, find) !== undefined) this.#ready.push(entry);
    }
  }

  /** The attempt behind an entry when the entry is still current and the attempt claimable. */
  #current(entry: QueueEntry, find: (id: string) => AttemptRecord | undefined): AttemptRecord | undefined {
    if (this.#tokens.get(entry.id) !== entry.token) return undefined;
    const attempt = find(entry.id);
    return attempt !== undefined && isQueued(attempt) ? attempt : undefined;
  }
}
