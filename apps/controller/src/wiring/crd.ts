/**
 * DAG and DagRun resources of each watched namespace, synced into the engine. Every replica runs the sync:
 * submits are idempotent by the resource uid, and status is written from the store's state, so the replica
 * whose engine recorded a change writes it back at once. Readiness waits until every informer has synced.
 */
import type { Engine, Logger, Store } from '@kontroler/core';
import { createCrdSync, type CrdSync } from '@kontroler/k8s-runtime';
import type { KubeConfig } from '@kubernetes/client-node';

export interface CrdSyncs {
  /** Starts every namespace's sync; resolves when all informers hold their initial lists. */
  start(): Promise<void>;
  readonly synced: () => boolean;
  stop(): Promise<void>;
}

export function createCrdSyncs(options: {
  namespaces: readonly string[];
  kubeConfig: KubeConfig;
  engine: Engine;
  store: Store;
  logger: Logger;
  qps: number;
  burst: number;
}): CrdSyncs {
  const syncs: CrdSync[] = options.namespaces.map((namespace) =>
    createCrdSync({
      kubeConfig: options.kubeConfig,
      namespace,
      engine: options.engine,
      store: options.store,
      logger: options.logger,
      qps: options.qps,
      burst: options.burst,
    }),
  );
  let synced = false;
  return {
    async start() {
      await Promise.all(syncs.map((s) => s.start()));
      synced = true;
    },
    synced: () => synced,
    async stop() {
      synced = false;
      await Promise.all(syncs.map((s) => s.stop().catch(() => undefined)));
    },
  };
}
