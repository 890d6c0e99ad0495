/** The work queue of the PostgreSQL store: claims under `FOR UPDATE SKIP LOCKED`, lease renewals and hand-backs, and the work signal. */
import type { ClaimRequest, ClaimedAttempt, LeaseRenewal, Store } from '@kontroler/core';
import * as claims from '../claims.js';
import { WORK_CHANNEL } from '../notify.js';
import type { StoreContext } from './context.js';

export type QueueOperations = Pick<Store, 'claimAttempts' | 'renewLeases' | 'releaseLeases' | 'onWork'>;

export function queueOperations(ctx: StoreContext): QueueOperations {
  const { db, url, instanceId, run, wake, subscribe } = ctx;
  return {
    claimAttempts: (request: ClaimRequest): Promise<ClaimedAttempt[]> =>
      claims.claimAttempts(db, url, request),

    renewLeases: (
      owner: string,
      attemptIds: readonly string[],
      leaseMs: number,
      now: number,
    ): Promise<LeaseRenewal> => claims.renewLeases(db, url, owner, attemptIds, leaseMs, now),

    async releaseLeases(owner: string, attemptIds: readonly string[], now: number): Promise<void> {
      const released = await claims.releaseLeases(db, url, owner, attemptIds, now);
      if (released) {
        await run(`select pg_notify('${WORK_CHANNEL}', $1)`, [instanceId]);
        wake(true, false);
      }
    },

    onWork(listener: () => void): () => void {
      return subscribe(WORK_CHANNEL, listener);
    },
  };
}
