/** Outbox messages, their leases and delivery histories, for the memory store. */
import type { DeliveryAttempt, OutboxMessage, OutboxRecord } from '../model/records.js';
import type { DeliveryResult, OutboxClaim } from '../ports/store.js';
import { frozenCopy } from '../dag/freeze.js';

interface OutboxRow {
  record: OutboxRecord;
  /** While leased, no other claim takes the message. */
  leaseExpiresAt: number | null;
  readonly history: DeliveryAttempt[];
}

export class OutboxTable {
  readonly #rows = new Map<string, OutboxRow>();
  /** Ids of pending messages: claims look only here. */
  readonly #pending = new Set<string>();
  readonly #idsByRun = new Map<string, Set<string>>();

  /** Adds messages; an id already present is kept as it is (enqueueing is idempotent). */
  enqueue(messages: readonly OutboxMessage[]): number {
    let added = 0;
    for (const message of messages) {
      if (this.#rows.has(message.id)) continue;
      const record: OutboxRecord = Object.freeze({
        id: message.id,
        topic: message.topic,
        runId: message.runId,
        payload: frozenCopy(message.payload),
        createdAt: message.createdAt,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: message.createdAt,
        lastError: null,
        deliveredAt: null,
      });
      this.#rows.set(record.id, { record, leaseExpiresAt: null, history: [] });
      this.#pending.add(record.id);
      if (record.runId !== null) {
        const ids = this.#idsByRun.get(record.runId) ?? new Set<string>();
        ids.add(record.id);
        this.#idsByRun.set(record.runId, ids);
      }
      added++;
    }
    return added;
  }

  /** Pending, due, unleased messages of the topics, oldest due first, leased to the claimer. */
  claim(claim: OutboxClaim): OutboxRecord[] {
    const topics = new Set(claim.topics);
    const due: OutboxRow[] = [];
    for (const id of this.#pending) {
      const row = this.#rows.get(id);
      if (
        row !== undefined &&
        topics.has(row.record.topic) &&
        row.record.nextAttemptAt <= claim.now &&
        (row.leaseExpiresAt === null || row.leaseExpiresAt <= claim.now)
      ) {
        due.push(row);
      }
    }
    due.sort(
      (a, b) =>
        a.record.nextAttemptAt - b.record.nextAttemptAt ||
        a.record.createdAt - b.record.createdAt ||
        (a.record.id < b.record.id ? -1 : 1),
    );
    const claimed = due.slice(0, Math.max(0, claim.limit));
    for (const row of claimed) row.leaseExpiresAt = claim.now + claim.leaseMs;
    return claimed.map((row) => row.record);
  }

  get(id: string): OutboxRecord | undefined {
    return this.#rows.get(id)?.record;
  }

  /** Records a delivery try; false when the message does not exist. */
  recordDelivery(id: string, result: DeliveryResult): boolean {
    const row = this.#rows.get(id);
    if (row === undefined) return false;
    const attempt = Object.freeze({ ...result.attempt, outboxId: id });
    row.history.push(attempt);
    row.leaseExpiresAt = null;
    const base = { ...row.record, attempts: row.record.attempts + 1 };
    switch (result.outcome) {
      case 'delivered':
        row.record = Object.freeze({
          ...base,
          status: 'delivered',
          deliveredAt: attempt.at,
          lastError: null,
        });
        this.#pending.delete(id);
        break;
      case 'retry':
        row.record = Object.freeze({
          ...base,
          status: 'pending',
          nextAttemptAt: result.nextAttemptAt ?? attempt.at,
          lastError: attempt.error,
        });
        this.#pending.add(id);
        break;
      case 'failed':
        row.record = Object.freeze({ ...base, status: 'failed', lastError: attempt.error });
        this.#pending.delete(id);
        break;
    }
    return true;
  }

  /** Messages of a run, oldest first, each with its delivery history (oldest try first). */
  deliveries(runId: string): Array<{ message: OutboxRecord; attempts: DeliveryAttempt[] }> {
    const rows: OutboxRow[] = [];
    for (const id of this.#idsByRun.get(runId) ?? []) {
      const row = this.#rows.get(id);
      if (row !== undefined) rows.push(row);
    }
    rows.sort((a, b) => a.record.createdAt - b.record.createdAt || (a.record.id < b.record.id ? -1 : 1));
    return rows.map((row) => ({ message: row.record, attempts: [...row.history] }));
  }

  /** Makes a delivered or failed message pending and due at `now`; false otherwise. */
  requeue(id: string, now: number): boolean {
    const row = this.#rows.get(id);
    if (row === undefined || row.record.status === 'pending') return false;
    row.record = Object.freeze({ ...row.record, status: 'pending', nextAttemptAt: now, deliveredAt: null });
    row.leaseExpiresAt = null;
    this.#pending.add(id);
    return true;
  }

  deleteRun(runId: string): void {
    for (const id of this.#idsByRun.get(runId) ?? []) {
      this.#rows.delete(id);
      this.#pending.delete(id);
    }
    this.#idsByRun.delete(runId);
  }
}
