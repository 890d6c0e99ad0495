/**
 * Who runs the singleton duties: the holder of a coordination.k8s.io Lease, or (leader election `none`)
 * every replica. `none` is safe for cron and retention, which are idempotent across replicas (cron fires
 * through a compare-and-set cursor and idempotency keys); it only costs duplicate work.
 */
import type { Clock, Logger } from '@kontroler/core';
import { createKubeClient, type KubeConnection } from '@kontroler/k8s-runtime';
import type { ControllerConfig } from '../config.js';
import { createLeaderElector, type LeaderElector } from '../leader/elector.js';
import { createLeaseClient, type LeaseClient } from '../leader/lease-client.js';

export interface LeadershipCallbacks {
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  /** A Lease request failed (counted as an apiserver error). */
  readonly onLeaseError?: (error: unknown) => void;
}

/** A LeaseClient that reports failures before rethrowing them. */
function observed(client: LeaseClient, onError: (error: unknown) => void): LeaseClient {
  return {
    get: () => client.get().catch((error: unknown) => (onError(error), Promise.reject(error))),
    write: (next, create) =>
      client.write(next, create).catch((error: unknown) => (onError(error), Promise.reject(error))),
  };
}

export function createLeadership(
  config: Pick<
    ControllerConfig,
    'leaderElection' | 'leaderNamespace' | 'leaderLeaseName' | 'leaderLeaseSeconds' | 'identity'
  >,
  deps: {
    kubeConfig: KubeConnection | undefined;
    leaseClient?: LeaseClient;
    clock: Clock;
    logger: Logger;
  },
  callbacks: LeadershipCallbacks,
): LeaderElector {
  if (config.leaderElection === 'none') return alwaysLeader(callbacks);
  let client = deps.leaseClient;
  if (client === undefined) {
    if (deps.kubeConfig === undefined) throw new Error('leader election needs a kubeconfig');
    // Few, small requests, and retries are the elector's business: no client-side retry loop here.
    client = createLeaseClient(
      createKubeClient(deps.kubeConfig, { maxAttempts: 1, maxSockets: 2 }),
      config.leaderNamespace,
      config.leaderLeaseName,
    );
  }
  return createLeaderElector({
    client: callbacks.onLeaseError ? observed(client, callbacks.onLeaseError) : client,
    identity: config.identity,
    leaseSeconds: config.leaderLeaseSeconds,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'leader-election' }),
    onStartedLeading: callbacks.onStartedLeading,
    onStoppedLeading: callbacks.onStoppedLeading,
  });
}

function alwaysLeader(callbacks: LeadershipCallbacks): LeaderElector {
  let leading = false;
  return {
    isLeader: () => leading,
    start() {
      if (leading) return;
      leading = true;
      callbacks.onStartedLeading();
    },
    async stop() {
      if (!leading) return;
      leading = false;
      callbacks.onStoppedLeading();
    },
  };
}
