/**
 * The Kubernetes Runtime: one pod per task attempt. `execute` creates the attempt's pod (or adopts it on
 * AlreadyExists: the name is deterministic, so there is never a twin), follows it through a watch-backed
 * informer, streams its log into `ctx.log`, and resolves with the outcome once the log is complete. The pod
 * is kept until the engine has committed that outcome (`outcomeRecorded`), then deleted after `podTtlMs`:
 * a worker that takes the attempt over in between adopts the finished pod instead of running the task again.
 * Cancel and timeout (the abort signal) delete the pod at once.
 */
import type { AttemptContext, Logger, Runtime, TaskOutcome } from '@kontroler/core';
import { silentLogger } from '@kontroler/core';
import type {
  V1ContainerState,
  V1ContainerStateRunning,
  V1ContainerStatus,
  V1Pod,
} from '@kubernetes/client-node';
import type { KubeConnection } from './kubeconfig.js';
import { createKubeClient, isRetryable, KubeApiError, type KubeClient } from './client.js';
import { createInformer, type Informer } from './informer.js';
import { LABELS, MANAGED_BY } from './labels.js';
import { createLogSlots } from './log-slots.js';
import { createLostPodChecks } from './lost-pod-checks.js';
import { streamLogs } from './logs.js';
import { abortReason, PodAttempt, type PodAttemptDeps } from './pod-attempt.js';
import { PodWatchers, type PodWatcher } from './pod-watchers.js';
import {
  buildPod,
  containerName,
  buildWorkspaceClaim,
  labelValue,
  podName,
  type PodInput,
  type PodSpecOptions,
} from './pod-spec.js';

export interface PodRuntimeOptions {
  /** Cluster credentials: `loadKubeConnection()`, or a client-node `KubeConfig`. */
  readonly kubeConfig: KubeConnection;
  /**
   * Namespace of the pods: one for all, or chosen per attempt (the controller runs pods of watched
   * namespaces there and the rest in its own). @default the attempt's `namespace`
   */
  readonly namespace?: string | ((ctx: Pick<AttemptContext, 'namespace'>) => string);
  /** @default 'kubernetes' */
  readonly name?: string;
  /** Client-side requests per second; 0 leaves throttling to the apiserver (see `KubeClientOptions`). @default 0 */
  readonly qps?: number;
  /** Client-side burst (when `qps` > 0). @default 100 */
  readonly burst?: number;
  /** Tries per apiserver request on 429/5xx/connection errors. @default 5 */
  readonly maxRequestAttempts?: number;
  /** Fail an attempt whose image cannot be pulled (or whose container cannot be created) after this long. @default 120000 */
  readonly imagePullDeadlineMs?: number;
  /** Delete a pod this long after its outcome is recorded in the store; negative keeps pods. @default 0 */
  readonly podTtlMs?: number;
  /**
   * Live log follows at once. Each holds an HTTP/2 stream to the apiserver while its pod runs (up to 100
   * share a connection; over HTTP/1.1, a connection each); past the limit,
   * running pods wait their turn (oldest first) and a pod that finishes meanwhile has its log read at the
   * end instead. @default 256
   */
  readonly maxLogFollows?: number;
  /** How long to wait for the rest of a finished pod's log. @default 5000 */
  readonly logDrainTimeoutMs?: number;
  /** Informer resync period. @default 60000 */
  readonly resyncMs?: number;
  /**
   * If a created pod does not show up in the watch, check it directly (a GET; 404 fails the attempt as
   * `Lost`) after this long, then after twice as long each time it is found, up to five minutes. At most
   * four checks are sent at once per runtime (lost-pod-checks.ts). @default 10000
   */
  readonly lostPodCheckMs?: number;
  readonly podSpec?: PodSpecOptions;
  readonly logger?: Logger;
  /** Observability hook (metrics, benchmarks): called once the attempt's pod exists, created or adopted. */
  readonly onPodCreated?: (pod: { namespace: string; name: string; adopted: boolean }) => void;
}

export interface PodRuntime extends Runtime {
  /** Pods this instance created (not adopted), for tests and metrics. */
  readonly created: number;
  /** Pods this instance adopted after AlreadyExists. */
  readonly adopted: number;
  /** Log follows streaming now and pods waiting for one (`maxLogFollows`). */
  readonly logFollows: { readonly active: number; readonly waiting: number };
  /** The REST client, shared with the CRD sync. */
  readonly client: KubeClient;
}

/** What a running container's state is reduced to: only its presence is read. */
const RUNNING: V1ContainerStateRunning = Object.freeze({});

/** Direct GETs of pods the watch has not delivered, at once per runtime (lost-pod-checks.ts). */
const LOST_POD_CHECKS_AT_ONCE = 4;
/** First wait before asking an apiserver that did not answer again; doubles up to the next. */
const UNANSWERED_FIRST_WAIT_MS = 500;
const UNANSWERED_MAX_WAIT_MS = 5000;
/**
 * How long a 401/403 from an apiserver whose own /readyz fails too is taken for one that is still starting.
 * A restarted kube-apiserver answers 403 to everything, /readyz included, until its authorizer's caches have
 * synced (about 0.2 s on the test harness); a cluster that forbids /readyz to the controller for good would
 * otherwise turn a missing RBAC rule into an endless wait.
 */
const UNSETTLED_MAX_MS = 60_000;

/** The main container's status as the runtime reads it (`mainStatus` in outcome.ts picks the same one). */
function trimStatus(statuses: readonly V1ContainerStatus[] | undefined, main: string | undefined) {
  const status = statuses?.find((s) => s.name === main) ?? statuses?.[0];
  if (status === undefined) return undefined;
  const { running, terminated, waiting } = status.state ?? {};
  const state: V1ContainerState = {};
  if (running) state.running = RUNNING;
  if (terminated)
    state.terminated = {
      exitCode: terminated.exitCode,
      reason: terminated.reason,
      message: terminated.message,
    };
  if (waiting) state.waiting = { reason: waiting.reason, message: waiting.message };
  // The image, readiness and restart count the type requires are not read: left out of the cache.
  return [{ name: status.name, state } as V1ContainerStatus];
}

/**
 * What the runtime keeps of a watched pod: the fields `classifyPod`, `hasStarted`, `collectOutputs` and
 * `cleanupRun` read. Full pods (managedFields, the whole spec, conditions) cost kilobytes each; with
 * thousands of attempts active the informer cache would hold them all, so even the main container's image,
 * readiness and start time are left out.
 */
export function trimPod(pod: V1Pod): V1Pod {
  const { metadata, spec, status } = pod;
  const run = metadata?.labels?.[LABELS.run];
  const main = spec?.containers[0];
  return {
    metadata: metadata && {
      name: metadata.name,
      resourceVersion: metadata.resourceVersion,
      ...(run !== undefined ? { labels: { [LABELS.run]: run } } : {}),
      deletionTimestamp: metadata.deletionTimestamp,
    },
    spec: spec && {
      nodeName: spec.nodeName,
      restartPolicy: spec.restartPolicy,
      containers: main ? [{ name: main.name }] : [],
    },
    status: status && {
      phase: status.phase,
      reason: status.reason,
      message: status.message,
      containerStatuses: trimStatus(status.containerStatuses, main?.name),
    },
  };
}

export function createPodRuntime(options: PodRuntimeOptions): PodRuntime {
  const logger = (options.logger ?? silentLogger).child({ component: 'pod-runtime' });
  const client = createKubeClient(options.kubeConfig, {
    qps: options.qps,
    burst: options.burst,
    maxAttempts: options.maxRequestAttempts ?? 5,
  });
  // Log follows last as long as their pods run. They share HTTP/2 connections; should the apiserver offer
  // only HTTP/1.1, each holds a socket, and on the shared pool 64 running pods would take every socket and
  // starve pod creation, deletes and the watch. So they get their own client, its pool sized for the follows.
  const maxLogFollows = options.maxLogFollows ?? 256;
  const logSlots = createLogSlots(maxLogFollows);
  const logClient = createKubeClient(options.kubeConfig, {
    qps: options.qps,
    burst: options.burst,
    maxAttempts: options.maxRequestAttempts ?? 5,
    maxSockets: maxLogFollows + 64,
    // A TLS socket each would cost ~120 KB of memory apiece (npm run bench -- controller).
    multiplexStreams: true,
  });
  const informers = new Map<string, Promise<Informer<V1Pod>>>();
  const pendingDeletes = new Set<Promise<void>>();
  const claims = new Map<string, { namespace: string; name: string }>();
  const podTtlMs = options.podTtlMs ?? 0;
  const imagePullDeadlineMs = options.imagePullDeadlineMs ?? 120_000;
  const logDrainTimeoutMs = options.logDrainTimeoutMs ?? 5000;
  const lostPodCheckMs = options.lostPodCheckMs ?? 10_000;
  const lostPodChecks = createLostPodChecks(async (path) => {
    try {
      // Only whether it exists matters: the pod sent back is not parsed.
      await client.request('GET', path, { discardBody: true });
      return true;
    } catch (error) {
      if (KubeApiError.is(error, 404)) return false;
      throw error;
    }
  }, LOST_POD_CHECKS_AT_ONCE);
  const resyncing = (options.resyncMs ?? 60_000) > 0;
  let created = 0;
  let adopted = 0;
  let closed = false;

  const podsPath = (ns: string) => `/api/v1/namespaces/${ns}/pods`;
  const chosen = options.namespace;
  const namespaceOf: (ctx: Pick<AttemptContext, 'namespace'>) => string =
    chosen === undefined ? (ctx) => ctx.namespace : typeof chosen === 'string' ? () => chosen : chosen;

  /** Per-pod watchers, so each watch event reaches only the attempt that waits for that pod. */
  const watchers = new PodWatchers();

  function informerFor(namespace: string): Promise<Informer<V1Pod>> {
    let informer = informers.get(namespace);
    if (!informer) {
      const created = createInformer<V1Pod>({
        client,
        path: podsPath(namespace),
        labelSelector: `${LABELS.managedBy}=${MANAGED_BY}`,
        resyncMs: options.resyncMs ?? 60_000,
        transform: trimPod,
        onError: (error) => logger.debug({ err: error, namespace }, 'pod watch interrupted; resuming'),
      });
      created.on((event, pod) => watchers.notify(namespace, pod.metadata?.name ?? '', event));
      informer = created.start().then(() => created);
      informer.catch(() => informers.delete(namespace));
      informers.set(namespace, informer);
    }
    return informer;
  }

  async function deletePod(namespace: string, name: string): Promise<void> {
    try {
      await client.request('DELETE', `${podsPath(namespace)}/${name}`, {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
      });
    } catch (error) {
      if (!KubeApiError.is(error, 404)) logger.warn({ err: error, pod: name }, 'could not delete pod');
    }
  }

  function scheduleDelete(namespace: string, name: string): void {
    if (podTtlMs < 0) return;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => void deletePod(namespace, name).finally(resolve), podTtlMs);
      if (podTtlMs > 0) timer.unref();
    });
    pendingDeletes.add(done);
    void done.finally(() => pendingDeletes.delete(done));
  }

  async function ensureClaim(input: PodInput): Promise<void> {
    if (!input.workspace?.enable) return;
    const claim = buildWorkspaceClaim({ ...input, workspace: input.workspace });
    const name = claim.metadata?.name ?? '';
    claims.set(input.runId, { namespace: input.namespace, name });
    try {
      await client.request('POST', `/api/v1/namespaces/${input.namespace}/persistentvolumeclaims`, {
        body: claim,
      });
    } catch (error) {
      if (!KubeApiError.is(error, 409)) throw error;
    }
  }

  /**
   * Runs `request` until the apiserver answers it (resolves with its value), or the attempt is aborted
   * (resolves undefined). The client already retries a few times within a second or two; an apiserver that
   * is restarting or being upgraded can be away far longer, and that is no failure of the task: burning one
   * of its attempts on it (a task without retries failed its run) is what a chaos run saw on a busy machine.
   * So the attempt waits for the apiserver as a running pod's watch does, with a `system` line in its log
   * saying so.
   */
  async function untilAnswered<T>(
    ctx: AttemptContext,
    watcher: PodWatcher,
    what: string,
    request: () => Promise<T>,
  ): Promise<{ value: T } | undefined> {
    let waitMs = UNANSWERED_FIRST_WAIT_MS;
    let told = false;
    let unsettledSince: number | undefined;
    for (;;) {
      if (watcher.aborted) return undefined;
      try {
        return { value: await request() };
      } catch (error) {
        if (!isRetryable(error)) {
          if (!(await refusedUnsettled(error))) throw error;
          unsettledSince ??= Date.now();
          if (Date.now() - unsettledSince > UNSETTLED_MAX_MS) throw error;
        }
        const message = error instanceof Error ? error.message : String(error);
        if (!told) {
          ctx.log({
            stream: 'system',
            line: `${what}: ${message}; trying again until the API server answers`,
          });
          told = true;
        }
        logger.warn({ err: error, attemptId: ctx.attemptId }, `${what}; trying again`);
        await watcher.wait(waitMs);
        waitMs = Math.min(waitMs * 2, UNANSWERED_MAX_WAIT_MS);
      }
    }
  }

  /**
   * Whether `error` is a 401/403 from an apiserver that cannot yet authorize anything: it refuses its own
   * /readyz too (public to every user by default), as a restarted kube-apiserver does until its caches sync.
   */
  async function refusedUnsettled(error: unknown): Promise<boolean> {
    if (!KubeApiError.is(error, 401) && !KubeApiError.is(error, 403)) return false;
    try {
      await client.request('GET', '/readyz', { noRetry: true });
      return false;
    } catch {
      return true;
    }
  }

  /**
   * Creates the attempt's pod (and the run's workspace claim), or adopts it on AlreadyExists. Resolves with
   * an outcome only when the apiserver refuses the pod; waits while it does not answer (`untilAnswered`),
   * and resolves with nothing when the attempt is aborted meanwhile (the caller reports the abort). Its own
   * function so that the pod body is not kept by the frame of an attempt that may run for hours.
   */
  async function createOrAdopt(
    ctx: AttemptContext,
    namespace: string,
    name: string,
    watcher: PodWatcher,
  ): Promise<TaskOutcome | undefined> {
    const runLabels = ctx.runLabels;
    const input: PodInput = {
      attemptId: ctx.attemptId,
      runId: ctx.runId,
      dagName: ctx.dagName,
      dagVersion: ctx.dagVersion,
      namespace,
      runNamespace: ctx.namespace,
      taskName: ctx.taskName,
      attempt: ctx.attempt,
      task: ctx.task.spec,
      ...(ctx.dag.spec.workspace ? { workspace: ctx.dag.spec.workspace } : {}),
      parameters: ctx.parameters,
      ...(runLabels ? { runLabels } : {}),
    };
    if (!(await untilAnswered(ctx, watcher, 'WorkspaceClaimPending', () => ensureClaim(input)))) return;
    try {
      // The pod is built when its turn under the rate limit comes, and the created pod sent back is dropped:
      // ten thousand attempts claimed at once would otherwise hold ten thousand pods while they queue.
      const answered = await untilAnswered(ctx, watcher, 'PodCreatePending', () =>
        client.request('POST', podsPath(namespace), {
          makeBody: () => buildPod(input, options.podSpec),
          discardBody: true,
        }),
      );
      if (!answered) return undefined;
      created++;
      options.onPodCreated?.({ namespace, name, adopted: false });
    } catch (error) {
      if (!KubeApiError.is(error, 409)) {
        const message = error instanceof Error ? error.message : String(error);
        // 4xx other than AlreadyExists: the pod spec is wrong (forbidden, invalid) and stays wrong, a
        // failure to start (only OnError/Always retry it). 429, 5xx and no answer never get here.
        const refused = error instanceof KubeApiError && error.status >= 400 && error.status < 500;
        ctx.log({ stream: 'system', line: `PodCreateFailed: ${message}` });
        return {
          status: 'failed',
          exitCode: null,
          reason: 'PodCreateFailed',
          message,
          failureKind: refused ? 'start' : 'transient',
        };
      }
      adopted++;
      options.onPodCreated?.({ namespace, name, adopted: true });
      ctx.log({ stream: 'system', line: `adopted existing pod ${name}` });
    }
    return undefined;
  }

  const podDeps: PodAttemptDeps = {
    watchers,
    logSlots,
    lostPodChecks,
    lostPodCheckMs,
    imagePullDeadlineMs,
    logDrainTimeoutMs,
    resyncing,
    podsPath,
    deletePod,
    followLog: (ctx, namespace, pod, signal) =>
      streamLogs({
        client: logClient,
        namespace,
        pod,
        container: containerName(ctx.taskName),
        sink: (line) => ctx.log(line),
        ...(ctx.resumeLog ? { resumeAfter: ctx.resumeLog } : {}),
        signal,
        onError: (error) => logger.debug({ err: error, pod }, 'log stream interrupted'),
      }),
  };

  /**
   * Starts the attempt's pod watch, creates (or adopts) its pod, and hands the pod to a `PodAttempt`
   * that follows it to its outcome; this frame ends there, whatever the task's length.
   */
  async function execute(ctx: AttemptContext): Promise<TaskOutcome> {
    if (closed) throw new Error('the pod runtime is closed');
    const namespace = namespaceOf(ctx);
    const pod = new PodAttempt(podDeps, ctx, namespace, podName(ctx.runId, ctx.taskName, ctx.attempt));
    const { watcher } = pod;
    let following = false;
    try {
      // The namespace's first attempt starts its pod watch, which lists first: an apiserver that is away
      // then is waited for, as for the pod's create.
      const watching = await untilAnswered(ctx, watcher, 'PodWatchPending', () => informerFor(namespace));
      if (watching === undefined || watcher.aborted) {
        return { status: 'failed', exitCode: null, reason: abortReason(watcher) };
      }
      const refused = await createOrAdopt(ctx, namespace, pod.name, watcher);
      if (refused) return refused;
      following = true;
      return pod.follow(watching.value);
    } finally {
      if (!following) pod.close();
    }
  }

  return {
    name: options.name ?? 'kubernetes',
    client,
    get created() {
      return created;
    },
    get adopted() {
      return adopted;
    },
    get logFollows() {
      return { active: logSlots.active, waiting: logSlots.waiting };
    },
    execute,
    outcomeRecorded(ctx) {
      if (closed) return;
      scheduleDelete(namespaceOf(ctx), podName(ctx.runId, ctx.taskName, ctx.attempt));
    },
    async cleanupRun(runId) {
      const claim = claims.get(runId);
      claims.delete(runId);
      const runLabel = labelValue(runId);
      // Pods live where this runtime has put pods (an informer per namespace), and by the run's claim.
      const namespaces = new Set<string>([
        ...(typeof chosen === 'string' ? [chosen] : []),
        ...informers.keys(),
        ...(claim ? [claim.namespace] : []),
      ]);
      await Promise.all(
        [...namespaces].map(async (namespace) => {
          const informer = await informerFor(namespace);
          const leftovers = informer
            .list()
            .filter((p) => p.metadata?.labels?.[LABELS.run] === runLabel && !p.metadata.deletionTimestamp);
          await Promise.all(leftovers.map((p) => deletePod(namespace, p.metadata?.name ?? '')));
        }),
      );
      if (claim) {
        try {
          await client.request(
            'DELETE',
            `/api/v1/namespaces/${claim.namespace}/persistentvolumeclaims/${claim.name}`,
          );
        } catch (error) {
          if (!KubeApiError.is(error, 404)) throw error;
        }
      }
    },
    async close() {
      closed = true;
      await Promise.all([...pendingDeletes]);
      for (const informer of informers.values())
        void informer.then(
          (i) => i.stop(),
          () => {},
        );
      informers.clear();
      client.close();
      logClient.close();
    },
  };
}
