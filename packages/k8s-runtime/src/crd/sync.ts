/**
 * The declarative front door: DAG and DagRun resources are synced into an engine, and their status is
 * written back through the status subresource.
 *
 * - A DAG resource → `engine.registerDag` (a new version only when the spec changed); status says the
 *   version, whether it is valid, and every validation error. Deleting it suspends the DAG's schedule;
 *   its versions and runs are kept.
 * - A DagRun resource → `engine.submit` with the resource uid as idempotency key (so a restarted controller
 *   never starts it twice) and labels naming the resource (the pod runtime makes it the pods' owner); its
 *   status mirrors the run's phase, per-task states, times and observedGeneration. Deleting it cancels the run
 *   (as in Kontroler).
 *
 * - A DagTask resource → a new version in its own `status.versions` when its spec hash is new (see
 *   `dagtask.ts`); DAG tasks with `taskRef` are filled from those versions before `engine.registerDag`, and an
 *   unknown DagTask or version makes the DAG invalid. While a DAG refers to it, a DagTask carries a finalizer.
 *
 * Leadership: registering DAGs and submitting DagRuns happen on every replica (idempotent: DAG versions are
 * content-hashed, submits keyed by the resource uid). Writes to resources — status of DAGs, DagRuns and
 * DagTasks (including DagTask versions), and DagTask finalizers — happen only while `isLeader()` is true.
 * When it becomes true, every resource is reconciled once so the new leader writes the current status.
 * Runs change on whichever replica executes their attempts, so the sync hears of them through the store's
 * run event journal (`run-changes.ts`), not through its own engine's events.
 *
 * Watch handlers and run changes only enqueue keys; one queue per key serializes the work.
 */
import type {
  DagIssue,
  DagRecord,
  DagRef,
  Logger,
  RunEventStore,
  RunRecord,
  RunSnapshot,
} from '@kontroler/core';
import { KontrolerError, canonicalJson, loadManifest, silentLogger } from '@kontroler/core';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeConnection } from '../kubeconfig.js';
import { createKubeClient, KubeApiError, type KubeClient } from '../client.js';
import { createInformer, type Informer } from '../informer.js';
import { LABELS } from '../labels.js';
import { CRD_GROUP, CRD_VERSION } from '../rbac.js';
import { followRunJournal, type RunChanges } from './run-changes.js';
import {
  DAGTASK_FINALIZER,
  readDagTask,
  recordDagTaskVersion,
  resolveTaskRefs,
  taskRefNames,
  type DagTaskResourceStatus,
  type DagTaskView,
} from './dagtask.js';
import {
  dagRunStatus,
  invalidDagStatus,
  issueMessage,
  validDagStatus,
  type DagResourceStatus,
  type DagRunResourceStatus,
} from './status.js';

/** What the sync needs from an engine (`createEngine`'s handle satisfies it). */
export interface SyncEngine {
  registerDag(doc: unknown): Promise<{ dag: DagRecord; version: { version: number }; created: boolean }>;
  submit(
    dag: DagRef,
    parameters?: Readonly<Record<string, string | { readonly fromSecret: string }>>,
    options?: {
      idempotencyKey?: string;
      trigger?: 'resource';
      labels?: Readonly<Record<string, string>>;
      priority?: number;
      activeDeadlineSeconds?: number;
    },
  ): Promise<RunRecord>;
  getRun(runId: string): Promise<RunSnapshot | undefined>;
  cancel(runId: string): Promise<RunRecord>;
}

/**
 * What the sync needs from the store: suspending a deleted DAG keeps its history; the run event journal
 * tells it of runs changed by any replica.
 */
export interface SyncStore extends Pick<RunEventStore, 'readRunEvents' | 'runEventBounds' | 'onRunEvents'> {
  setDagSuspended(dag: DagRef, suspended: boolean, now: number): Promise<DagRecord | undefined>;
  getDag(dag: DagRef): Promise<DagRecord | undefined>;
}

export interface CrdSyncOptions {
  /** Cluster credentials: `loadKubeConnection()`, or a client-node `KubeConfig`. */
  readonly kubeConfig: KubeConnection;
  /**
   * The namespace whose DAG and DagRun resources are synced. A `DAG` object `name` here is the DAG
   * `namespace/name`; a DagRun runs the DAG of its `spec.dagName` in this same namespace.
   */
  readonly namespace: string;
  readonly engine: SyncEngine;
  readonly store: SyncStore;
  /** @default Date.now */
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Informer resync; every resource is reconciled again this often. @default 300000 */
  readonly resyncMs?: number;
  /** How long a DagRun waits for its DAG to appear before it is marked Failed. @default 30000 */
  readonly dagWaitMs?: number;
  /** Client-side requests per second; 0 leaves throttling to the apiserver (see `KubeClientOptions`). @default 0 */
  readonly qps?: number;
  /** @default 100 */
  readonly burst?: number;
  /**
   * Whether this replica writes resources (status, DagTask versions and finalizers). Registering DAGs and
   * submitting DagRuns happen regardless. @default always true (a single process)
   */
  readonly isLeader?: () => boolean;
  /** How often `isLeader` is polled to notice a change when nobody calls `leadershipChanged`. @default 1000 */
  readonly leaderCheckMs?: number;
  /**
   * Where the sync hears of changed runs; syncs of several namespaces in one process share one.
   * @default `followRunJournal` on `store`, for this namespace
   */
  readonly runChanges?: RunChanges;
}

export interface CrdSync {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when no reconcile is queued or running (for tests). */
  idle(): Promise<void>;
  /**
   * Re-reads `isLeader()`; on becoming leader every resource is reconciled once, so its current status is
   * written. Called by the controller's leadership callbacks; also polled every `leaderCheckMs`.
   */
  leadershipChanged(): void;
}

interface DagResource extends KubernetesObject {
  spec?: Record<string, unknown>;
  status?: Partial<DagResourceStatus>;
}

interface DagTaskResource extends KubernetesObject {
  spec?: Record<string, unknown>;
  status?: DagTaskResourceStatus;
}

interface DagRunResource extends KubernetesObject {
  spec?: {
    dagName?: string;
    parameters?: Array<{ name: string; value?: string; fromSecret?: string }>;
    /** Order among queued runs (docs/run-limits.md); absent: the DAG's. */
    priority?: number;
    /** This run's deadline (docs/flow/deadline.md); absent: the DAG's. */
    activeDeadlineSeconds?: number;
  };
  status?: Partial<DagRunResourceStatus>;
}

/** A queue that runs at most one reconcile per key at a time and coalesces repeated requests. */
function createKeyedQueue(
  work: (key: string) => Promise<void>,
  onError: (key: string, error: unknown) => void,
) {
  const chains = new Map<string, Promise<void>>();
  const queued = new Set<string>();
  return {
    add(key: string): void {
      if (queued.has(key)) return;
      queued.add(key);
      const previous = chains.get(key) ?? Promise.resolve();
      const next = previous
        .then(() => {
          queued.delete(key);
          return work(key);
        })
        .catch((error: unknown) => onError(key, error));
      chains.set(key, next);
      void next.then(() => {
        if (chains.get(key) === next) chains.delete(key);
      });
    },
    async idle(): Promise<void> {
      while (chains.size > 0) await Promise.all([...chains.values()]);
    },
  };
}

function sameDagTaskStatus(current: DagTaskResourceStatus, next: DagTaskResourceStatus): boolean {
  return canonicalJson(current) === canonicalJson(next);
}

function sameStatus(current: object | undefined, next: object): boolean {
  if (!current) return false;
  const strip = (s: object) =>
    JSON.stringify(s, (key, value: unknown) =>
      key === 'lastTransitionTime' ? undefined : (value as unknown),
    );
  return strip(current) === strip(next);
}

export function createCrdSync(options: CrdSyncOptions): CrdSync {
  const { engine, store, namespace } = options;
  const now = options.now ?? Date.now;
  const logger = (options.logger ?? silentLogger).child({ component: 'crd-sync', namespace });
  const client: KubeClient = createKubeClient(options.kubeConfig, {
    qps: options.qps,
    burst: options.burst,
  });
  const base = `/apis/${CRD_GROUP}/${CRD_VERSION}/namespaces/${namespace}`;
  const resyncMs = options.resyncMs ?? 300_000;
  const dagWaitMs = options.dagWaitMs ?? 30_000;
  const dags: Informer<DagResource> = createInformer<DagResource>({
    client,
    path: `${base}/dags`,
    resyncMs,
    onError: (error) => logger.debug({ err: error }, 'DAG watch interrupted; resuming'),
  });
  const runs: Informer<DagRunResource> = createInformer<DagRunResource>({
    client,
    path: `${base}/dagruns`,
    resyncMs,
    onError: (error) => logger.debug({ err: error }, 'DagRun watch interrupted; resuming'),
  });
  const dagTasks: Informer<DagTaskResource> = createInformer<DagTaskResource>({
    client,
    path: `${base}/dagtasks`,
    resyncMs,
    onError: (error) => logger.debug({ err: error }, 'DagTask watch interrupted; resuming'),
  });
  const isLeader = options.isLeader ?? (() => true);
  const leaderCheckMs = options.leaderCheckMs ?? 1000;
  let leading = false;
  let leaderTimer: NodeJS.Timeout | undefined;
  /** DAG resource name → DagTask names its spec refers to (to requeue a DagTask a DAG stopped using). */
  const dagRefs = new Map<string, readonly string[]>();
  /** DagTask name → the recorded versions last seen, so DAGs referring to it are requeued when they change. */
  const taskFingerprints = new Map<string, string>();
  /** DagRun resource name → run id, and back. */
  const runIds = new Map<string, string>();
  const labelsOf = (name: string, uid: string) => ({
    [LABELS.dagRunUid]: uid,
    [LABELS.dagRunName]: name,
    [LABELS.dagRunNamespace]: namespace,
  });
  const waitingSince = new Map<string, number>();
  /**
   * DAG resource name → the generation this replica last registered (or found invalid). A DagRun applied
   * right after its DAG changed waits for it: the DagRun's watch event may come before the DAG's.
   */
  const registeredGenerations = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const queue = createKeyedQueue(
    async (key) => {
      const [kind, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      if (kind === 'dag') await reconcileDag(name);
      else if (kind === 'task') await reconcileDagTask(name);
      else await reconcileRun(name);
    },
    (key, error) => {
      logger.warn({ err: error, key }, 'reconcile failed; retrying');
      requeueAfter(key, 1000);
    },
  );

  function requeueAfter(key: string, ms: number): void {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      queue.add(key);
    }, ms);
    timers.add(timer);
  }

  async function writeStatus(plural: string, name: string, status: object): Promise<void> {
    if (!isLeader()) return; // a singleton duty: the leader writes status
    try {
      // A merge patch of the status subresource carries no resourceVersion, so concurrent writers of the
      // main resource (kubectl apply) never make it conflict.
      await client.request('PATCH', `${base}/${plural}/${name}/status`, { body: { status } });
    } catch (error) {
      if (KubeApiError.is(error, 404)) return; // deleted meanwhile
      throw error;
    }
  }

  /** What `taskRef` resolution sees of a DagTask: its recorded versions, and whether one is about to be added. */
  function dagTaskView(name: string): DagTaskView | undefined {
    const resource = dagTasks.get(name);
    if (!resource) return undefined;
    const versions = resource.status?.versions ?? [];
    const read = readDagTask(name, resource.spec ?? {});
    const pending = read.ok && !versions.some((v) => v.hash === read.hash);
    return { versions, pending };
  }

  /** DAG resources (not being deleted) whose spec refers to the DagTask `name`. */
  function dagsUsing(name: string): string[] {
    return dags
      .list()
      .filter((d) => !d.metadata?.deletionTimestamp && taskRefNames(d.spec).includes(name))
      .map((d) => d.metadata?.name ?? '')
      .sort();
  }

  async function reconcileDag(name: string): Promise<void> {
    const resource = dags.get(name);
    const ref: DagRef = { namespace, name };
    if (!resource || resource.metadata?.deletionTimestamp) {
      registeredGenerations.delete(name);
      const record = await store.getDag(ref);
      if (record && !record.suspended) await store.setDagSuspended(ref, true, now());
      return;
    }
    const generation = resource.metadata?.generation;
    const loaded = loadManifest(
      JSON.stringify({
        apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
        kind: 'DAG',
        metadata: { name, namespace },
        spec: resource.spec ?? {},
      }),
    );
    let issues: readonly DagIssue[] | undefined;
    if (!loaded.ok) issues = loaded.errors;
    else {
      const doc = loaded.documents[0];
      if (doc?.kind !== 'DAG') {
        issues = [{ code: 'UNKNOWN_KIND', path: '', message: 'the resource is not a DAG' }];
      } else {
        const resolved = resolveTaskRefs(doc.dag, resource.spec, namespace, dagTaskView);
        if (resolved.kind === 'pending') {
          // A DagTask's new version is about to be recorded; its status event requeues this DAG.
          logger.debug({ dag: name, waitingFor: resolved.waitingFor }, 'waiting for DagTask versions');
          return;
        }
        if (resolved.kind === 'invalid') issues = resolved.issues;
        else {
          try {
            const result = await engine.registerDag(resolved.dag);
            if (generation !== undefined) registeredGenerations.set(name, generation);
            const suspended = resolved.dag.suspended ?? false;
            if (result.dag.suspended !== suspended) await store.setDagSuspended(ref, suspended, now());
            const status = validDagStatus(result.version.version, result.created, generation, now());
            const current = resource.status;
            // Re-registering an unchanged spec (resync, restart) must not rewrite the status.
            if (
              current?.valid === true &&
              current.version === status.version &&
              current.observedGeneration === generation
            ) {
              return;
            }
            await writeStatus('dags', name, status);
            return;
          } catch (error) {
            if (!KontrolerError.is(error, 'DAG_INVALID')) throw error;
            issues = error.details.issues;
          }
        }
      }
    }
    if (generation !== undefined) registeredGenerations.set(name, generation);
    const previous = (await store.getDag(ref))?.latestVersion;
    const status = invalidDagStatus(issues, previous, generation, now());
    if (sameStatus(resource.status, status)) return;
    await writeStatus('dags', name, status);
  }

  /**
   * A DagTask: the leader records a new version when the spec hash is new, shows which DAGs use it and keeps
   * the finalizer exactly while one does. Every replica requeues the DAGs that refer to it when its recorded
   * versions change (or it appears or disappears).
   */
  async function reconcileDagTask(name: string): Promise<void> {
    const resource = dagTasks.get(name);
    const fingerprint = resource
      ? JSON.stringify((resource.status?.versions ?? []).map((v) => [v.version, v.hash]))
      : undefined;
    if (fingerprint !== taskFingerprints.get(name)) {
      if (fingerprint === undefined) taskFingerprints.delete(name);
      else taskFingerprints.set(name, fingerprint);
      for (const dag of dagsUsing(name)) queue.add(`dag/${dag}`);
    }
    if (!resource || !isLeader()) return;
    const usedBy = dagsUsing(name);
    const metadata = resource.metadata ?? {};
    const deleting = metadata.deletionTimestamp !== undefined;
    const current = resource.status ?? {};
    const generation = metadata.generation;
    let status: DagTaskResourceStatus;
    const read = readDagTask(name, resource.spec ?? {});
    if (read.ok) {
      const recorded = recordDagTaskVersion(current.versions ?? [], read.task, read.hash, now());
      if (recorded.created)
        logger.info({ dagTask: name, version: recorded.version }, 'DagTask version stored');
      status = {
        version: recorded.version,
        hash: read.hash,
        valid: true,
        message: deleting
          ? usedBy.length > 0
            ? `deletion waits: in use by DAG ${usedBy.join(', ')}`
            : 'deleting'
          : recorded.created
            ? `stored as version ${recorded.version}`
            : `unchanged: version ${recorded.version}`,
        versions: recorded.versions,
        usedBy,
        ...(generation !== undefined ? { observedGeneration: generation } : {}),
      };
    } else {
      status = {
        ...current,
        valid: false,
        message: issueMessage(read.issues),
        usedBy,
        ...(generation !== undefined ? { observedGeneration: generation } : {}),
      };
    }
    if (!sameDagTaskStatus(current, status)) {
      try {
        // resourceVersion makes the patch conditional: two writers never both append version N+1.
        await client.request('PATCH', `${base}/dagtasks/${name}/status`, {
          body: { metadata: { resourceVersion: metadata.resourceVersion }, status },
        });
      } catch (error) {
        if (KubeApiError.is(error, 404)) return;
        if (KubeApiError.is(error, 409)) return requeueAfter(`task/${name}`, 100);
        throw error;
      }
      // The finalizer is handled on the next event, against the resourceVersion the status write produced.
      return;
    }
    const finalizers = metadata.finalizers ?? [];
    const has = finalizers.includes(DAGTASK_FINALIZER);
    const want = usedBy.length > 0;
    if (has === want) return;
    const next = want
      ? [...finalizers, DAGTASK_FINALIZER]
      : finalizers.filter((f) => f !== DAGTASK_FINALIZER);
    try {
      await client.request('PATCH', `${base}/dagtasks/${name}`, {
        body: { metadata: { resourceVersion: metadata.resourceVersion, finalizers: next } },
      });
      logger.info({ dagTask: name, usedBy }, want ? 'DagTask in use: finalizer added' : 'finalizer removed');
    } catch (error) {
      if (KubeApiError.is(error, 404)) return;
      if (KubeApiError.is(error, 409)) return requeueAfter(`task/${name}`, 100);
      throw error;
    }
  }

  /** A DAG resource's `metadata.generation` as the apiserver has it now; undefined when it does not exist. */
  async function dagGenerationNow(name: string): Promise<number | undefined> {
    if (!name) return undefined;
    try {
      const resource = await client.request<KubernetesObject>('GET', `${base}/dags/${name}`);
      return resource.metadata?.generation;
    } catch (error) {
      if (KubeApiError.is(error, 404)) return undefined;
      throw error;
    }
  }

  async function reconcileRun(name: string): Promise<void> {
    const resource = runs.get(name);
    const known = runIds.get(name);
    if (!resource) {
      // Kontroler's cancel is "delete the DagRun".
      if (known) {
        runIds.delete(name);
        await engine.cancel(known).catch((error: unknown) => {
          if (!KontrolerError.is(error, 'RUN_FINISHED') && !KontrolerError.is(error, 'RUN_NOT_FOUND'))
            throw error;
        });
      }
      return;
    }
    const generation = resource.metadata?.generation;
    let runId = known ?? resource.status?.dagRunId;
    if (!runId) {
      const dagName = resource.spec?.dagName ?? '';
      /** Writes a Pending status and reads the DagRun again soon; false once it has waited `dagWaitMs`. */
      const waitFor = async (message: string): Promise<boolean> => {
        const since = waitingSince.get(name) ?? now();
        waitingSince.set(name, since);
        if (now() - since >= dagWaitMs) return false;
        const pending: DagRunResourceStatus = {
          phase: 'Pending',
          message,
          ...(generation !== undefined ? { observedGeneration: generation } : {}),
        };
        if (!sameStatus(resource.status, pending)) await writeStatus('dagruns', name, pending);
        requeueAfter(`run/${name}`, 200);
        return true;
      };
      // Applied in one go with a change of its DAG, a DagRun runs the changed DAG: the DAG as the apiserver
      // has it now (not as the DAG watch has delivered it so far) must be registered first.
      const dagGeneration = await dagGenerationNow(dagName);
      if (
        dagGeneration !== undefined &&
        (registeredGenerations.get(dagName) ?? 0) < dagGeneration &&
        (await waitFor(`waiting for DAG ${dagName} (generation ${dagGeneration}) to be registered`))
      ) {
        return;
      }
      const parameters: Record<string, string | { fromSecret: string }> = {};
      for (const p of resource.spec?.parameters ?? []) {
        parameters[p.name] = p.fromSecret !== undefined ? { fromSecret: p.fromSecret } : (p.value ?? '');
      }
      try {
        // A DagRun finds its DAG in its own namespace, never another team's of the same name.
        const run = await engine.submit({ namespace, name: dagName }, parameters, {
          idempotencyKey: resource.metadata?.uid ?? `${namespace}/${name}`,
          trigger: 'resource',
          labels: labelsOf(name, resource.metadata?.uid ?? ''),
          ...(resource.spec?.priority !== undefined ? { priority: resource.spec.priority } : {}),
          ...(resource.spec?.activeDeadlineSeconds !== undefined
            ? { activeDeadlineSeconds: resource.spec.activeDeadlineSeconds }
            : {}),
        });
        runId = run.id;
        waitingSince.delete(name);
      } catch (error) {
        if (!(error instanceof KontrolerError)) throw error;
        // Applied in one file with its DAG: the DAG may not be registered yet.
        if (error.code === 'DAG_NOT_FOUND' && (await waitFor(`waiting for DAG ${dagName}`))) return;
        waitingSince.delete(name);
        await writeStatus('dagruns', name, {
          phase: 'Failed',
          message: error.message,
          ...(generation !== undefined ? { observedGeneration: generation } : {}),
        });
        return;
      }
    }
    runIds.set(name, runId);
    const snapshot = await engine.getRun(runId);
    if (!snapshot) return;
    const status = dagRunStatus(snapshot, [], generation);
    if (sameStatus(resource.status, status)) return;
    await writeStatus('dagruns', name, status);
  }

  const runChanges = options.runChanges ?? followRunJournal({ store, namespaces: [namespace], logger });
  let unsubscribeRuns: (() => void) | undefined;
  const onRunChanged = (run: RunRecord): void => {
    const name = run.labels[LABELS.dagRunName];
    if (!name || run.labels[LABELS.dagRunNamespace] !== namespace) return;
    queue.add(`run/${name}`);
  };

  /** Every resource once more (a new leader writes the current status of each). */
  function reconcileAll(): void {
    for (const d of dags.list()) queue.add(`dag/${d.metadata?.name ?? ''}`);
    for (const t of dagTasks.list()) queue.add(`task/${t.metadata?.name ?? ''}`);
    for (const r of runs.list()) queue.add(`run/${r.metadata?.name ?? ''}`);
  }

  function leadershipChanged(): void {
    if (stopped) return;
    const now = isLeader();
    if (now === leading) return;
    leading = now;
    logger.info({ leader: now }, now ? 'writing resource status as leader' : 'no longer writing status');
    if (now) reconcileAll();
  }

  return {
    async start() {
      dags.on((event, object) => {
        const name = object.metadata?.name ?? '';
        queue.add(`dag/${name}`);
        // The DagTasks it uses now and used before: their finalizers and usedBy may change.
        const refs =
          event === 'delete' || object.metadata?.deletionTimestamp ? [] : taskRefNames(object.spec);
        for (const ref of new Set([...(dagRefs.get(name) ?? []), ...refs])) queue.add(`task/${ref}`);
        if (refs.length > 0) dagRefs.set(name, refs);
        else dagRefs.delete(name);
      });
      dagTasks.on((_event, object) => queue.add(`task/${object.metadata?.name ?? ''}`));
      runs.on((_event, object) => queue.add(`run/${object.metadata?.name ?? ''}`));
      // Before the informers list: a run that changes after its resource's first reconcile is heard of.
      unsubscribeRuns = await runChanges.subscribe(onRunChanged);
      await Promise.all([dags.start(), dagTasks.start(), runs.start()]);
      leading = isLeader();
      if (options.isLeader !== undefined) {
        leaderTimer = setInterval(leadershipChanged, leaderCheckMs);
        leaderTimer.unref();
      }
    },
    async stop() {
      stopped = true;
      if (leaderTimer) clearInterval(leaderTimer);
      unsubscribeRuns?.();
      for (const timer of timers) clearTimeout(timer);
      dags.stop();
      dagTasks.stop();
      runs.stop();
      await queue.idle();
      client.close();
    },
    idle: () => queue.idle(),
    leadershipChanged,
  };
}
