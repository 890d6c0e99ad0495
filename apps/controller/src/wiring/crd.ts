/**
 * DAG, DagRun and DagTask resources of each watched namespace, synced into the engine. Every replica runs
 * the sync and registers DAGs and submits DagRuns (idempotent: versions are content-hashed, submits keyed by
 * the resource uid), so whichever replica's engine records a change sees it at once. Writing to the
 * resources — status, DagTask versions and finalizers — is a singleton duty: it happens only while this
 * replica leads (attached to the engine's leader duties, see `duties.ts`), and a new leader writes the
 * current status of every resource once; it hears of runs that other replicas changed through the store's run
 * event journal. Readiness waits until every informer has synced.
 */
import type { Engine, Logger, Store } from '@kontroler/core';
import { createCrdSync, followRunJournal, type CrdSync } from '@kontroler/k8s-runtime';
import type { KubeConnection } from '@kontroler/k8s-runtime';
import { attachLeaderDuty } from './duties.js';

export interface CrdSyncs {
  /** Starts every namespace's sync; resolves when all informers hold their initial lists. */
  start(): Promise<void>;
  readonly synced: () => boolean;
  /** Whether this replica writes resource status now. */
  readonly writing: () => boolean;
  stop(): Promise<void>;
}

export function createCrdSyncs(options: {
  namespaces: readonly string[];
  kubeConfig: KubeConnection;
  engine: Engine;
  store: Store;
  logger: Logger;
  qps: number;
  burst: number;
  /**
   * Whether this replica writes status. @default while the leader duties of `engine` run
   * (`createLeaderDuties` started by the leadership callbacks)
   */
  isLeader?: () => boolean;
}): CrdSyncs {
  let leader = false;
  const isLeader = options.isLeader ?? (() => leader);
  // One reader of the run event journal for every namespace, not one per namespace.
  const runChanges = followRunJournal({
    store: options.store,
    namespaces: options.namespaces,
    logger: options.logger,
  });
  const syncs: CrdSync[] = options.namespaces.map((namespace) =>
    createCrdSync({
      kubeConfig: options.kubeConfig,
      namespace,
      engine: options.engine,
      store: options.store,
      logger: options.logger,
      qps: options.qps,
      burst: options.burst,
      isLeader,
      runChanges,
    }),
  );
  const changed = () => {
    for (const sync of syncs) sync.leadershipChanged();
  };
  const detach =
    options.isLeader === undefined
      ? attachLeaderDuty(options.engine, {
          name: 'crd-status',
          start() {
            leader = true;
            changed();
          },
          stop() {
            leader = false;
            changed();
          },
        })
      : () => undefined;
  let synced = false;
  return {
    async start() {
      await Promise.all(syncs.map((s) => s.start()));
      synced = true;
    },
    synced: () => synced,
    writing: isLeader,
    async stop() {
      synced = false;
      detach();
      await Promise.all(syncs.map((s) => s.stop().catch(() => undefined)));
    },
  };
}
