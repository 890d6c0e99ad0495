/**
 * The container runtime: runs each task attempt as a container of a Docker Engine API (Docker, or Podman's
 * compatible service) on this machine. The single-machine counterpart of the pod runtime: the task's image
 * and command as Kubernetes would run them, one container per attempt named from the attempt id (a
 * restarted engine adopts it instead of starting a twin), logs streamed as they come, cancel and deadline
 * stop the container (SIGTERM, then SIGKILL after a grace period), and the container is removed once the
 * outcome is recorded. `sweep()` removes what a crash left behind.
 */
import { WORKSPACE_ENV, attemptEnv, silentLogger } from '@kontroler/core';
import type { AttemptContext, Logger, Runtime, TaskOutcome } from '@kontroler/core';
import {
  noSecrets,
  resolveParameters,
  SECRET_NOT_FOUND,
  SecretNotFoundError,
  type SecretSource,
} from '../secrets/index.js';
import { abortKind, type AbortKind } from '../shared/abort.js';
import { followLogs } from './container-logs.js';
import { buildContainer, CONTAINER_LABELS, containerNameFor, workspaceVolumeName } from './container-spec.js';
import {
  createContainer,
  imageExists,
  ImagePullError,
  inspectContainer,
  isNameConflict,
  listContainers,
  pullImage,
  removeContainer,
  removeVolume,
  startContainer,
  stopContainer,
  waitContainer,
  type ContainerInspect,
} from './engine-api.js';
import { containerLimits } from './resources.js';
import { createEngineClient, EngineError, parseEngineAddress, type EngineAddress } from './engine-client.js';

export interface ContainerRuntimeOptions {
  /** The engine: a `DOCKER_HOST`-style URL (`unix:///run/podman/podman.sock`, `tcp://host:2375`). */
  readonly host: string;
  /** The runtime's name, which tasks and `defaultRuntime` refer to. @default 'container' */
  readonly name?: string;
  /**
   * Names this engine's containers (`<instance>-<attempt id>`) and labels them, so that engines sharing a
   * container engine sweep only their own. @default 'kontroler'
   */
  readonly instance?: string;
  /** Image for tasks that name none. @default 'alpine:3.20' (as the pod runtime) */
  readonly defaultImage?: string;
  /** Where `{fromSecret}` parameters are resolved. @default a source with no secrets */
  readonly secretSource?: SecretSource;
  /** Extra environment for every container, below the parameters and the `KONTROLER_*` variables. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Where a run's workspace volume is mounted when the DAG enables one (as the pod runtime). @default '/workspace' */
  readonly workspaceMountPath?: string;
  /** Seconds between SIGTERM and SIGKILL on timeout and cancel. @default 10 */
  readonly stopGraceSeconds?: number;
  /** Characters kept per log line; the rest of a longer line is dropped with a marker. @default 16384 */
  readonly maxLineLength?: number;
  /** After the container ends, how long its log may take to arrive. @default 2000 */
  readonly logDrainMs?: number;
  /**
   * Whether an attempt may still be executed (its state is `ready`, `running` or `retrying`). `sweep()`
   * keeps the containers of such attempts, which a worker adopts, and removes the rest. Without it
   * `sweep()` removes nothing.
   */
  readonly isAttemptActive?: (attempt: { attemptId: string; runId: string }) => Promise<boolean>;
  /** For removal failures and adoption. @default silentLogger */
  readonly logger?: Logger;
}

export interface ContainerRuntimeStats {
  /** Attempts this runtime follows now. */
  readonly running: number;
  /** Containers it created. */
  readonly created: number;
  /** Containers it found already there and adopted. */
  readonly adopted: number;
}

export interface SweepResult {
  /** Names of the containers removed. */
  readonly removed: readonly string[];
  /** Names of the containers kept because their attempts are still active. */
  readonly kept: readonly string[];
}

export interface ContainerRuntime extends Runtime {
  readonly name: string;
  readonly address: EngineAddress;
  /** The container name of an attempt. */
  containerNameFor(attemptId: string): string;
  stats(): ContainerRuntimeStats;
  /** Removes this instance's containers whose attempts are finished ("nothing left behind on a crash"). */
  sweep(): Promise<SweepResult>;
  /** Removes the run's remaining containers. */
  cleanupRun(runId: string): Promise<void>;
  /** Stops following; running containers keep running for the engine that takes their attempts over. */
  close(): Promise<void>;
}

/** Finished outcomes remembered so that a late duplicate `execute` gets the same answer, not a second run. */
const REMEMBERED_OUTCOMES = 1024;

function failed(reason: string, message: string, extra: Partial<TaskOutcome> = {}): TaskOutcome {
  return { status: 'failed', exitCode: null, reason, message, ...extra };
}

/** What a shell answers when the command cannot be found or run, from the OCI runtime's message. */
function startErrorExitCode(message: string): number | null {
  if (/not found|no such file or directory/i.test(message)) return 127;
  if (/permission denied/i.test(message)) return 126;
  return null;
}

/** Settles as `promise` does, or rejects as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

interface Running {
  readonly promise: Promise<TaskOutcome>;
  /** Stops following without touching the container (close, lost lease). */
  readonly detach: AbortController;
}

export function createContainerRuntime(options: ContainerRuntimeOptions): ContainerRuntime {
  const name = options.name ?? 'container';
  const address = parseEngineAddress(options.host);
  const client = createEngineClient(address);
  const instance = options.instance ?? 'kontroler';
  const defaultImage = options.defaultImage ?? 'alpine:3.20';
  const secrets = options.secretSource ?? noSecrets;
  const workspaceMountPath = options.workspaceMountPath ?? '/workspace';
  const graceSeconds = options.stopGraceSeconds ?? 10;
  const maxLineLength = options.maxLineLength ?? 16_384;
  const logDrainMs = options.logDrainMs ?? 2000;
  const logger = options.logger ?? silentLogger;
  const running = new Map<string, Running>();
  const finished = new Map<string, TaskOutcome>();
  const pulls = new Map<string, Promise<void>>();
  const removals = new Set<Promise<void>>();
  /** Aborted by `close()`: ends pulls nobody waits for any more. */
  const closing = new AbortController();
  let created = 0;
  let adopted = 0;
  let closed = false;

  const nameOf = (attemptId: string) => containerNameFor(instance, attemptId);

  /**
   * One pull per image at a time: attempts that need the same image wait for the same pull. An attempt
   * that is canceled stops waiting; the pull goes on for the others (and ends with `close()`).
   */
  async function ensureImage(image: string, ctx: AttemptContext): Promise<void> {
    if (await imageExists(client, image)) return;
    let pull = pulls.get(image);
    if (pull === undefined) {
      ctx.log({ stream: 'system', line: `pulling image ${image}` });
      pull = pullImage(client, image, closing.signal).finally(() => pulls.delete(image));
      pulls.set(image, pull);
    } else {
      ctx.log({ stream: 'system', line: `waiting for the pull of image ${image}` });
    }
    await untilAborted(pull, ctx.signal);
  }

  /** Creates and starts the attempt's container, or finds the one already there. */
  async function createOrAdopt(
    ctx: AttemptContext,
    containerName: string,
  ): Promise<{ container: ContainerInspect; adopted: boolean } | TaskOutcome> {
    const existing = await inspectContainer(client, containerName);
    if (existing !== undefined) return { container: existing, adopted: true };

    let parameters: Record<string, string>;
    try {
      parameters = await resolveParameters(ctx.parameters, secrets);
    } catch (error) {
      if (error instanceof SecretNotFoundError) {
        return failed(SECRET_NOT_FOUND, error.message, { nonRetryable: true });
      }
      throw error;
    }
    const limits = containerLimits(ctx.task.spec);
    if ('invalid' in limits) return failed('InvalidTask', limits.invalid, { nonRetryable: true });
    const image = ctx.task.spec.image ?? defaultImage;
    try {
      await ensureImage(image, ctx);
    } catch (error) {
      if (error instanceof ImagePullError) {
        return failed('ImagePullError', error.message, error.notFound ? { nonRetryable: true } : {});
      }
      throw error;
    }
    const workspace =
      ctx.dag.spec.workspace?.enable === true
        ? { volume: workspaceVolumeName(instance, ctx.runId), mountPath: workspaceMountPath }
        : undefined;
    const body = buildContainer({
      ctx,
      image,
      instance,
      workspace,
      limits,
      env: [
        options.env ?? {},
        parameters,
        attemptEnv(ctx),
        workspace ? { [WORKSPACE_ENV]: workspace.mountPath } : {},
      ],
    });
    try {
      await createContainer(client, containerName, body);
      created += 1;
    } catch (error) {
      // Another worker (or our own earlier call) created it between the inspect and the create.
      if (!isNameConflict(error)) throw error;
      const raced = await inspectContainer(client, containerName);
      if (raced === undefined) throw error;
      return { container: raced, adopted: true };
    }
    const fresh = await inspectContainer(client, containerName);
    if (fresh === undefined)
      return failed('Lost', `container ${containerName} disappeared after it was created`);
    return { container: fresh, adopted: false };
  }

  async function run(ctx: AttemptContext, detach: AbortSignal): Promise<TaskOutcome> {
    const containerName = nameOf(ctx.attemptId);
    if (ctx.signal.aborted) {
      const kind = abortKind(ctx.signal.reason);
      return failed(kind, `${kind.toLowerCase()} before the container was created`);
    }
    const found = await createOrAdopt(ctx, containerName);
    if ('status' in found) return found;
    let container = found.container;
    if (found.adopted) {
      adopted += 1;
      ctx.log({ stream: 'system', line: `adopted container ${containerName} (${container.State.Status})` });
      logger.info({ container: containerName, attemptId: ctx.attemptId }, 'adopted a running container');
    }
    if (container.State.Status === 'created') {
      try {
        await startContainer(client, container.Id);
      } catch (error) {
        if (!(error instanceof EngineError) || error.status === null) throw error;
        return failed('StartError', `could not start container ${containerName}: ${error.message}`, {
          exitCode: startErrorExitCode(error.message),
        });
      }
      container = (await inspectContainer(client, container.Id)) ?? container;
    }
    return follow(ctx, container, containerName, found.adopted, detach);
  }

  async function follow(
    ctx: AttemptContext,
    container: ContainerInspect,
    containerName: string,
    wasAdopted: boolean,
    detach: AbortSignal,
  ): Promise<TaskOutcome> {
    const stopFollowing = new AbortController();
    const onDetach = () => stopFollowing.abort();
    // Closed while the container was being created: leave it to the engine that adopts the attempt.
    if (detach.aborted) onDetach();
    else detach.addEventListener('abort', onDetach, { once: true });
    const logs = followLogs({
      client,
      containerId: container.Id,
      sink: ctx.log,
      maxLineLength,
      resumeAfter: wasAdopted ? ctx.resumeLog : undefined,
      signal: stopFollowing.signal,
    });

    let stoppedFor: AbortKind | null = null;
    let stopping: Promise<void> | null = null;
    const terminate = (kind: AbortKind) => {
      if (stoppedFor !== null) return;
      if (kind === 'Lost') {
        // Another worker owns the attempt now and adopts the container: leave it running.
        stoppedFor = kind;
        stopFollowing.abort();
        return;
      }
      stoppedFor = kind;
      const why = kind === 'Timeout' ? 'timed out' : 'canceled';
      ctx.log({ stream: 'system', line: `${why}: stopping the container (SIGKILL after ${graceSeconds}s)` });
      stopping = stopContainer(client, container.Id, graceSeconds).catch((error: unknown) => {
        logger.warn({ err: error, container: containerName }, 'could not stop a container');
      });
    };

    let deadline: ReturnType<typeof setTimeout> | undefined;
    const timeoutSeconds = ctx.task.timeoutSeconds;
    if (timeoutSeconds !== undefined) {
      // An adopted container has been running for a while: its deadline counts from its start.
      const startedAt = Date.parse(container.State.StartedAt ?? '');
      const elapsed = Number.isNaN(startedAt) || startedAt <= 0 ? 0 : Math.max(0, Date.now() - startedAt);
      deadline = setTimeout(() => terminate('Timeout'), Math.max(0, timeoutSeconds * 1000 - elapsed));
      deadline.unref();
    }
    const onAbort = () => terminate(abortKind(ctx.signal.reason));
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });

    try {
      let exitCode: number;
      try {
        exitCode = await waitContainer(client, container.Id, stopFollowing.signal);
      } catch (error) {
        if (stoppedFor === 'Lost') {
          return failed(
            'Lost',
            `this worker lost the attempt; container ${containerName} is left to the worker that took it over`,
          );
        }
        if (detach.aborted) {
          return failed(
            'Lost',
            `the container runtime closed; container ${containerName} is left for the next engine to adopt`,
          );
        }
        if (EngineError.is(error, 404)) return failed('Lost', `container ${containerName} disappeared`);
        throw error;
      }
      if (stopping !== null) await stopping;
      const state = (await inspectContainer(client, container.Id).catch(() => undefined))?.State;
      await drain(logs, stopFollowing);
      return outcomeOf(exitCode, state, stoppedFor, ctx);
    } finally {
      if (deadline !== undefined) clearTimeout(deadline);
      ctx.signal.removeEventListener('abort', onAbort);
      detach.removeEventListener('abort', onDetach);
      stopFollowing.abort();
      await logs;
    }
  }

  /** The log stream ends shortly after the container; cut it if it does not. */
  async function drain(logs: Promise<void>, stopFollowing: AbortController): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      logs,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, logDrainMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    stopFollowing.abort();
    await logs;
  }

  function outcomeOf(
    exitCode: number,
    state: ContainerInspect['State'] | undefined,
    stoppedFor: AbortKind | null,
    ctx: AttemptContext,
  ): TaskOutcome {
    if (stoppedFor === 'Timeout') {
      const after = ctx.task.timeoutSeconds;
      return failed('Timeout', after !== undefined ? `timed out after ${after}s` : 'timed out', { exitCode });
    }
    if (stoppedFor === 'Canceled') return failed('Canceled', 'canceled', { exitCode });
    if (state?.OOMKilled === true) {
      return failed('OOMKilled', 'the container ran out of memory and was killed', { exitCode });
    }
    if (exitCode === 0) return { status: 'succeeded', exitCode: 0, reason: 'Completed' };
    // Not every engine reports OOMKilled (Podman on cgroup v1 does not): say what a SIGKILL may mean.
    const memory = ctx.task.spec.podTemplate?.resources?.limits?.memory;
    const hint =
      exitCode === 137 && memory !== undefined
        ? ` (SIGKILL: perhaps over its memory limit of ${memory})`
        : '';
    return failed('Error', `exited with code ${exitCode}${hint}`, { exitCode });
  }

  /** Engine errors that are not the task's fault: infrastructure, worth retrying. */
  function engineFailure(error: unknown, ctx: AttemptContext): TaskOutcome {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof EngineError && error.code !== 'ENGINE_REFUSED') {
      return failed('EngineUnavailable', message);
    }
    if (error instanceof EngineError) {
      return failed(
        'StartError',
        `the container engine refused container ${nameOf(ctx.attemptId)}: ${message}`,
      );
    }
    logger.error({ err: error, attemptId: ctx.attemptId }, 'container runtime failed');
    return failed('RuntimeError', message);
  }

  function remember(attemptId: string, outcome: TaskOutcome): void {
    finished.set(attemptId, outcome);
    if (finished.size > REMEMBERED_OUTCOMES) {
      const oldest = finished.keys().next().value;
      if (oldest !== undefined) finished.delete(oldest);
    }
  }

  function remove(containerName: string): Promise<void> {
    const removal = removeContainer(client, containerName)
      .catch((error: unknown) => {
        // The start-up sweep of the next engine removes it.
        logger.warn({ err: error, container: containerName }, 'could not remove a container');
      })
      .finally(() => removals.delete(removal));
    removals.add(removal);
    return removal;
  }

  return {
    name,
    address,
    containerNameFor: nameOf,

    execute(ctx) {
      const current = running.get(ctx.attemptId);
      if (current) return current.promise;
      const done = finished.get(ctx.attemptId);
      if (done) return Promise.resolve(done);
      if (closed) return Promise.resolve(failed('Lost', 'the container runtime is closed'));
      const detach = new AbortController();
      const promise = run(ctx, detach.signal)
        .catch((error: unknown): TaskOutcome => {
          // Whatever broke once the attempt was aborted (a pull it stopped waiting for), the abort is the outcome.
          if (detach.signal.aborted)
            return failed('Lost', 'the container runtime closed before the container started');
          if (ctx.signal.aborted) {
            const kind = abortKind(ctx.signal.reason);
            return failed(kind, `${kind.toLowerCase()} before the container started`);
          }
          return engineFailure(error, ctx);
        })
        .then((outcome) => {
          running.delete(ctx.attemptId);
          if (outcome.reason !== 'Lost') remember(ctx.attemptId, outcome);
          return outcome;
        });
      running.set(ctx.attemptId, { promise, detach });
      return promise;
    },

    async outcomeRecorded(ctx) {
      await remove(nameOf(ctx.attemptId));
    },

    async cleanupRun(runId) {
      const leftovers = await listContainers(client, [
        `${CONTAINER_LABELS.engine}=${instance}`,
        `${CONTAINER_LABELS.run}=${runId}`,
      ]);
      await Promise.all(leftovers.map((c) => remove(c.Id)));
      // The workspace volume, when the run had one: no container uses it any more.
      await removeVolume(client, workspaceVolumeName(instance, runId)).catch((error: unknown) => {
        logger.warn({ err: error, runId }, 'could not remove a workspace volume');
      });
    },

    async sweep() {
      const removed: string[] = [];
      const kept: string[] = [];
      const isActive = options.isAttemptActive;
      if (isActive === undefined) return { removed, kept };
      const containers = await listContainers(client, [`${CONTAINER_LABELS.engine}=${instance}`]);
      for (const container of containers) {
        const label = container.Labels ?? {};
        const attemptId = label[CONTAINER_LABELS.attemptId];
        const runId = label[CONTAINER_LABELS.run];
        const containerName = container.Names?.[0]?.replace(/^\//, '') ?? container.Id;
        if (attemptId === undefined || runId === undefined || running.has(attemptId)) {
          kept.push(containerName);
          continue;
        }
        if (await isActive({ attemptId, runId })) {
          kept.push(containerName);
        } else {
          await remove(container.Id);
          removed.push(containerName);
        }
      }
      if (removed.length > 0) logger.info({ removed }, 'removed containers of finished attempts');
      return { removed, kept };
    },

    stats() {
      return { running: running.size, created, adopted };
    },

    async close() {
      closed = true;
      closing.abort();
      const pending = [...running.values()];
      for (const entry of pending) entry.detach.abort();
      await Promise.all(pending.map((entry) => entry.promise));
      await Promise.allSettled([...removals]);
      client.close();
    },
  };
}
