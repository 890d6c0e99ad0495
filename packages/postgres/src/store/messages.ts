/** The outbox of the PostgreSQL store: enqueue with a signal, per-topic claims, delivery records, requeue. */
import type {
  DeliveryAttempt,
  DeliveryResult,
  OutboxClaim,
  OutboxMessage,
  OutboxRecord,
  Store,
} from '@kontroler/core';
import { query } from '../db.js';
import { OUTBOX_CHANNEL } from '../notify.js';
import * as outbox from '../outbox.js';
import type { StoreContext } from './context.js';

export type OutboxOperations = Pick<
  Store,
  | 'enqueueOutbox'
  | 'claimOutbox'
  | 'recordDelivery'
  | 'listDeliveries'
  | 'getOutbox'
  | 'requeueOutbox'
  | 'onOutbox'
>;

export function outboxOperations(ctx: StoreContext): OutboxOperations {
  const { db, url, instanceId, run, inTransaction, wake, subscribe } = ctx;
  return {
    async enqueueOutbox(messages: readonly OutboxMessage[]): Promise<void> {
      if (messages.length === 0) return;
      await inTransaction(async (client) => {
        await outbox.enqueueOutbox(client, url, messages);
        await query(client, url, `select pg_notify('${OUTBOX_CHANNEL}', $1)`, [instanceId]);
      });
      wake(false, true);
    },

    claimOutbox: (claim: OutboxClaim): Promise<OutboxRecord[]> => outbox.claimOutbox(db, url, claim),

    recordDelivery: (id: string, result: DeliveryResult): Promise<void> =>
      outbox.recordDelivery(db, url, id, result),

    listDeliveries: (runId: string): Promise<Array<{ message: OutboxRecord; attempts: DeliveryAttempt[] }>> =>
      outbox.listDeliveries(db, url, runId),

    getOutbox: (id: string): Promise<OutboxRecord | undefined> => outbox.getOutbox(db, url, id),

    async requeueOutbox(id: string, now: number): Promise<boolean> {
      const requeued = await outbox.requeueOutbox(db, url, id, now);
      if (requeued) {
        await run(`select pg_notify('${OUTBOX_CHANNEL}', $1)`, [instanceId]);
        wake(false, true);
      }
      return requeued;
    },

    onOutbox(listener: () => void): () => void {
      return subscribe(OUTBOX_CHANNEL, listener);
    },
  };
}
