/**
 * `startController(config, deps?)`: the controller as a handle, so tests run it in-process and `main.ts`
 * only adds signals and exit codes. It wires the store, the runtime, the webhook notifier, plugins, the
 * engine (without its own scheduler), the CRD sync, metrics, the health server and leader election, whose
 * leader runs the singleton duties (cron, retention).
 *
 * Shutdown (`stop()`), in this order: the leader duties stop and the leader Lease is released at once (a
 * successor takes cron over without waiting a lease); the engine stops claiming, waits up to
 * `shutdownGraceMs` for running attempts and hands what is left back; then the CRD sync, the runtime, the
 * health server and the store close.
 */
import { randomBytes } from 'node:crypto';
import {
  createChildContainer,
  systemClock,
  type Clock,
  type Engine,
  type Logger,
  type Notifier,
  type Plugin,
  type Runtime,
  type Store,
} from '@kontroler/core';
import { createWebhookNotifier } from '@kontroler/plugins';
import { createDagLookup, createKubeClient, type KubeConnection } from '@kontroler/k8s-runtime';
import { startAdmissionServer, type AdmissionServer } from './admission/server.js';
import type { ControllerConfig } from './config.js';
import { startHealthServer, type HealthServer } from './health.js';
import type { LeaseClient } from './leader/lease-client.js';
import { createMetrics, type ControllerMetrics } from './metrics.js';
import { countedNotifier, countedStore, queueDepthReader } from './wiring/instrument.js';
import { createCrdSyncs, type CrdSyncs } from './wiring/crd.js';
import { registerControllerServices, resolveControllerEngine } from './wiring/di.js';
import { createLeaderDuties, type DutyOptions } from './wiring/duties.js';
import { ControllerStartError } from './wiring/errors.js';
import { logEngineEvents } from './wiring/event-log.js';
import { loadKubeConfig } from './wiring/kube.js';
import { createLeadership } from './wiring/leadership.js';
import { createLogger } from './wiring/logger.js';
import { loadPlugins, type ModuleImporter } from './wiring/plugins.js';
import { createRuntime, type PodStats } from './wiring/runtime.js';
import { connectStore } from './wiring/store.js';

/** Replaceable parts, for tests and embedding. Everything has a production default. */
export interface ControllerDeps {
  /** @default a pino logger at `config.logLevel` on stdout */
  readonly logger?: Logger;
  /** @default createPostgresStore({url: config.databaseUrl, schema: config.databaseSchema}); a store passed here is not closed by stop() */
  readonly store?: Store;
  /** @default loaded from config.kubeconfig or the default lookup (when Kubernetes is used) */
  readonly kubeConfig?: KubeConnection;
  /** @default the coordination.k8s.io Lease `config.leaderNamespace/config.leaderLeaseName` */
  readonly leaseClient?: LeaseClient;
  /** @default the runtime `config.runtime` names */
  readonly runtime?: Runtime;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default dynamic import() */
  readonly importModule?: ModuleImporter;
  /** Extra plugins besides those named in config. @default [] */
  readonly plugins?: readonly Plugin[];
  /** Duty timing (cron tick interval, retention interval and batches). */
  readonly duties?: Pick<
    DutyOptions,
    'cronIntervalMs' | 'retentionIntervalMs' | 'retentionBatchSize' | 'retentionMaxBatches'
  >;
  /** The engine's fallback store polling. @default 1000 */
  readonly pollIntervalMs?: number;
}

export interface ControllerHandle {
  readonly engine: Engine;
  readonly store: Store;
  readonly metrics: ControllerMetrics;
  readonly logger: Logger;
  /** This replica's leader-election identity. */
  readonly identity: string;
  /** The engine's lease owner id (identity plus a per-start suffix). */
  readonly workerId: string;
  /** Port of /healthz, /readyz and /metrics. */
  readonly port: number;
  /** The admission webhook (HTTPS, `POST /validate`), when its certificate is configured. */
  readonly admission: AdmissionServer | undefined;
  readonly isLeader: () => boolean;
  /** Pods this replica created and adopted, and its log follows (Kubernetes runtime only). */
  readonly podStats: () => PodStats | undefined;
  /** Graceful shutdown; idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startController(
  config: ControllerConfig,
  deps: ControllerDeps = {},
): Promise<ControllerHandle> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger({ level: config.logLevel, identity: config.identity });
  const cleanups: Array<() => Promise<void> | void> = [];
  const undo = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse())
      await Promise.resolve(cleanup()).catch(() => undefined);
  };

  try {
    const plugins = [...(await loadPlugins(config.plugins, deps.importModule)), ...(deps.plugins ?? [])];
    const needsKube =
      (config.runtime === 'kubernetes' && (deps.runtime === undefined || config.namespaces.length > 0)) ||
      (config.leaderElection === 'kubernetes' && deps.leaseClient === undefined);
    const kubeConfig = deps.kubeConfig ?? (needsKube ? loadKubeConfig(config.kubeconfig) : undefined);

    const rawStore =
      deps.store ??
      (await connectStore({
        url: config.databaseUrl,
        schema: config.databaseSchema,
        applicationName: `kontroler-controller ${config.identity}`,
        clock,
        logger,
      }));
    if (deps.store === undefined) cleanups.push(() => rawStore.close());
    // Metrics exist once the engine (whose events feed them) does; the store and notifier count into them.
    const metricsRef: { current?: ControllerMetrics } = {};
    const store = countedStore(rawStore, () => metricsRef.current);

    const wiredRuntime =
      deps.runtime !== undefined
        ? { runtime: deps.runtime, stats: () => undefined }
        : createRuntime(config, kubeConfig, logger);
    cleanups.push(() => wiredRuntime.runtime.close?.());

    const notifiers: Notifier[] = [
      countedNotifier(
        createWebhookNotifier({
          ...(config.webhookSecret !== undefined ? { secret: config.webhookSecret } : {}),
          ...(config.webhookUrl !== undefined ? { defaults: { url: config.webhookUrl } } : {}),
        }),
        () => metricsRef.current,
      ),
    ];
    const workerId = `${config.identity}-${randomBytes(3).toString('hex')}`;
    // The composition root: services bound by core's tokens, checked, then the run service and the worker
    // resolved from the container (each plugin sets up in a child container of it).
    const container = createChildContainer();
    registerControllerServices(container, {
      store,
      clock,
      logger,
      runtime: wiredRuntime.runtime,
      notifiers,
      plugins,
      worker: {
        defaultRuntime: wiredRuntime.runtime.name,
        concurrency: config.concurrency,
        leaseMs: config.attemptLeaseMs,
        workerId,
        // The leader drives the scheduler (duties.ts); the engine never starts it on its own.
        scheduler: { autoStart: false, maxCatchUp: config.cronMaxCatchUp },
        ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
      },
    });
    const engine = resolveControllerEngine(container);
    const engineMetrics = createMetrics(engine.events, {
      queueDepth: queueDepthReader(rawStore),
      logFollows: () => wiredRuntime.stats()?.logFollows,
    });
    metricsRef.current = engineMetrics;
    cleanups.push(() => engineMetrics.detach());
    const stopEventLog = logEngineEvents(engine.events, logger);
    cleanups.push(stopEventLog);

    try {
      await engine.start();
    } catch (error) {
      if (error instanceof ControllerStartError) throw error;
      throw new ControllerStartError(
        'PLUGIN_SETUP_FAILED',
        `the engine did not start: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    cleanups.push(() => engine.stop());

    let crd: CrdSyncs | undefined;
    if (config.runtime === 'kubernetes' && kubeConfig !== undefined && config.namespaces.length > 0) {
      crd = createCrdSyncs({
        namespaces: config.namespaces,
        kubeConfig,
        engine,
        store,
        logger,
        qps: config.kubeQps,
        burst: config.kubeBurst,
      });
      const syncs = crd;
      cleanups.push(() => syncs.stop());
      // Readiness reports the sync until its informers hold their lists; start-up does not wait on it.
      syncs.start().catch((error: unknown) => logger.error({ err: error }, 'CRD sync failed to start'));
    }

    const duties = createLeaderDuties({
      engine,
      store,
      clock,
      logger,
      retentionDays: config.retentionDays,
      ...deps.duties,
    });
    const elector = createLeadership(
      config,
      { kubeConfig, clock, logger, ...(deps.leaseClient ? { leaseClient: deps.leaseClient } : {}) },
      {
        onStartedLeading: () => {
          engineMetrics.leader.set(1);
          duties.start();
        },
        onStoppedLeading: () => {
          engineMetrics.leader.set(0);
          void duties.stop();
        },
        onLeaseError: () => engineMetrics.apiserverErrors.inc({ operation: 'lease' }),
      },
    );
    elector.start();
    cleanups.push(async () => {
      await duties.stop();
      await elector.stop();
    });

    let admission: AdmissionServer | undefined;
    if (config.admissionCertFile !== undefined && config.admissionKeyFile !== undefined) {
      const client =
        kubeConfig !== undefined
          ? createKubeClient(kubeConfig, { qps: config.kubeQps, burst: config.kubeBurst })
          : undefined;
      try {
        admission = await startAdmissionServer({
          port: config.admissionPort,
          certFile: config.admissionCertFile,
          keyFile: config.admissionKeyFile,
          reloadMs: config.admissionReloadMs,
          lookups: { lookupDag: createDagLookup({ ...(client ? { client } : {}), store }) },
          logger: logger.child({ component: 'admission' }),
        });
      } catch (error) {
        throw new ControllerStartError(
          'ADMISSION_SERVER_FAILED',
          `the admission webhook did not start: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      const server = admission;
      cleanups.push(() => server.close());
    }

    const health: HealthServer = await startHealthServer({
      port: config.metricsPort,
      registry: engineMetrics.registry,
      checks: {
        store: () => store.ping(),
        informers: async () => {
          if (crd !== undefined && !crd.synced()) throw new Error('CRD informers have not synced yet');
        },
      },
    });
    cleanups.push(() => health.close());
    logger.info(
      {
        workerId,
        runtime: config.runtime,
        namespaces: config.namespaces,
        port: health.port,
        admissionPort: admission?.port,
      },
      'controller started',
    );

    let stopping: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        logger.info({ graceMs: config.shutdownGraceMs }, 'shutting down');
        // Singleton work first: a successor takes the Lease at once instead of waiting for it to expire.
        await duties.stop();
        await elector.stop();
        await engine.stop({ drain: config.shutdownGraceMs > 0, timeoutMs: config.shutdownGraceMs });
        await undo();
        logger.info({}, 'controller stopped');
      })();
      return stopping;
    };

    return {
      engine,
      store: rawStore,
      metrics: engineMetrics,
      logger,
      identity: config.identity,
      workerId,
      port: health.port,
      admission,
      isLeader: () => elector.isLeader(),
      podStats: wiredRuntime.stats,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
