/**
 * Metrics that need no engine support: claims (from the queue, and those a commit makes for its own
 * worker) and lease renewals counted at the store port, webhook
 * deliveries at the notifier, and the queue depth read from PostgreSQL at scrape time.
 */
import type { Notifier, Store } from '@kontroler/core';
import type { ControllerMetrics } from '../metrics.js';

/** The store with claims and renewals counted; every other method is the store's own. */
export function countedStore(store: Store, metrics: () => ControllerMetrics | undefined): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'claimAttempts') {
        return async (...args: Parameters<Store['claimAttempts']>) => {
          const claimed = await target.claimAttempts(...args);
          metrics()?.claims.inc(claimed.length);
          return claimed;
        };
      }
      if (property === 'commitRun') {
        // A commit that readies attempts may claim them for this worker in the same statement (ready →
        // running under a lease): claims as much as claimAttempts' are.
        return async (...args: Parameters<Store['commitRun']>) => {
          const result = await target.commitRun(...args);
          if (result.ok) {
            let claimed = 0;
            for (const change of args[0].attempts ?? []) {
              if (change.expectState === 'ready' && change.set.state === 'running') claimed += 1;
            }
            if (claimed > 0) metrics()?.claims.inc(claimed);
          }
          return result;
        };
      }
      if (property === 'renewLeases') {
        return async (...args: Parameters<Store['renewLeases']>) => {
          const renewal = await target.renewLeases(...args);
          metrics()?.leaseRenewals.inc({ result: 'renewed' }, renewal.renewed.length);
          metrics()?.leaseRenewals.inc({ result: 'lost' }, renewal.lost.length);
          return renewal;
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

/** The notifier with each delivery attempt counted by outcome. */
export function countedNotifier(notifier: Notifier, metrics: () => ControllerMetrics | undefined): Notifier {
  return {
    ...notifier,
    select: (event, dag) => notifier.select(event, dag),
    async deliver(message) {
      const result = await notifier.deliver(message);
      metrics()?.webhookDeliveries.inc({ outcome: result.ok ? 'delivered' : 'failed' });
      return result;
    },
  };
}

/** Attempts waiting for a worker, when the store offers SQL (PostgreSQL). */
export function queueDepthReader(store: Store): (() => Promise<number>) | undefined {
  const sql = (store as { sql?: <T>(text: string) => Promise<T[]> }).sql;
  if (typeof sql !== 'function') return undefined;
  return async () => {
    const rows = await sql<{ n: number }>(
      `select count(*)::int as n from attempts
        where state = 'ready'
           or (state = 'retrying' and available_at <= now())
           or (state = 'running' and lease_expires_at < now())`,
    );
    return rows[0]?.n ?? 0;
  };
}
