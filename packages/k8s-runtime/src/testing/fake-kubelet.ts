/**
 * A simulated node for tests: it registers a Node whose kubelet endpoint is an HTTPS server on 127.0.0.1,
 * binds pending pods to it (there is no scheduler), moves them Running → Succeeded/Failed with the exit code
 * a test chose, confirms graceful deletions (the kubelet's DELETE with grace 0), and serves
 * `/containerLogs/{ns}/{pod}/{container}` (with `follow`) so `pods/log` through the real apiserver returns
 * the lines the test scripted. It acts only on pods in namespaces it was told to manage.
 */
import { setMaxListeners } from 'node:events';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import { KubeApiError, type KubeClient } from '../client.js';
import { createInformer, type Informer } from '../informer.js';
import { runContainerOnHost } from './host-container.js';

/** What a pod does on the fake node. */
export interface PodBehaviour {
  /** Exit code of every container. @default 0 (137 with reason OOMKilled) */
  readonly exitCode?: number;
  /** How long the pod runs before it terminates; `Infinity` runs until deleted. @default 0 */
  readonly afterMs?: number;
  /** Lines the container writes (spread evenly over `afterMs`), served through `pods/log`. */
  readonly logs?: readonly string[];
  /**
   * The container's terminated reason (`OOMKilled`, `Error`, `Completed`, …). `Evicted` instead fails the
   * whole pod with status reason Evicted, as the kubelet does under node pressure.
   * @default 'Completed' for exit code 0, else 'Error'
   */
  readonly reason?: string;
  /** The image cannot be pulled: the pod stays Pending with ErrImagePull, then ImagePullBackOff. */
  readonly imagePullError?: boolean;
  /**
   * The container's termination message (`state.terminated.message`), as the kubelet copies it from the
   * container's `terminationMessagePath` — e.g. `encodePodOutputs(...)` for a task with outputs; a function
   * reads the pod (its env, its args) to answer per pod.
   */
  readonly terminationMessage?: string | ((pod: V1Pod) => string | undefined);
  /**
   * Run the container's command on the host (`runContainerOnHost`: the host's `sh`, the pod's env) and
   * report what it did — exit code, lines and termination message (a task's outputs) — instead of the
   * scripted values. `afterMs`, `logs`, `exitCode` and `terminationMessage` are then ignored.
   */
  readonly runOnHost?: boolean;
}

/** A pod name, a task name (label `kontroler.greedykomodo/task`), or a predicate. */
export type PodMatcher = string | ((pod: V1Pod) => boolean);

export interface FakeKubelet {
  readonly nodeName: string;
  /** Port of the kubelet's HTTPS endpoint on 127.0.0.1. */
  readonly port: number;
  /**
   * The behaviour of matching pods (the most recent matching script wins). `times` limits how many pods it
   * applies to (e.g. fail the first attempt only); `namespace` limits it to one namespace (a test's own).
   * @returns a function that removes the script
   */
  script(
    match: PodMatcher,
    behaviour: PodBehaviour,
    options?: { times?: number; namespace?: string },
  ): () => void;
  /** The behaviour of pods no script matches. */
  setDefault(behaviour: PodBehaviour): void;
  /** Manage pods in this namespace. */
  manage(namespace: string): void;
  /** Pods this kubelet started, as `namespace/name`, in start order. */
  readonly started: readonly string[];
  /** When the terminal status of each pod (`namespace/name`) was sent, in epoch ms (for latency figures). */
  readonly terminations: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

export interface FakeKubeletOptions {
  /** An admin client. */
  readonly client: KubeClient;
  /** @default 'fake-0' */
  readonly nodeName?: string;
  /** PEM key and certificate of the kubelet's HTTPS server (any self-signed pair). */
  readonly tls: { key: string; cert: string };
  readonly onError?: (error: unknown) => void;
}

interface LogBuffer {
  lines: Array<{ ts: string; text: string }>;
  done: boolean;
  listeners: Set<() => void>;
}

interface PodState {
  timers: NodeJS.Timeout[];
  deleting: boolean;
}

const TASK_LABEL = 'kontroler.greedykomodo/task';

function matches(match: PodMatcher, pod: V1Pod): boolean {
  if (typeof match === 'function') return match(pod);
  return pod.metadata?.name === match || pod.metadata?.labels?.[TASK_LABEL] === match;
}

export async function startFakeKubelet(options: FakeKubeletOptions): Promise<FakeKubelet> {
  // Every request of the kubelet is aborted on stop, so none keeps retrying against a stopped apiserver.
  const lifetime = new AbortController();
  // Many requests share this signal at once (one listener each while in flight): not a leak.
  setMaxListeners(0, lifetime.signal);
  const client: Pick<KubeClient, 'request'> = {
    request: (method, path, opts = {}) =>
      options.client.request(method, path, { ...opts, signal: lifetime.signal }),
  };
  const nodeName = options.nodeName ?? 'fake-0';
  const onError = options.onError ?? (() => {});
  const namespaces = new Set<string>();
  const scripts: Array<{ match: PodMatcher; behaviour: PodBehaviour; left: number; namespace?: string }> = [];
  let defaultBehaviour: PodBehaviour = {};
  const pods = new Map<string, PodState>();
  const logs = new Map<string, LogBuffer>();
  const started: string[] = [];
  const terminations = new Map<string, number>();
  const sockets = new Set<Socket>();
  let stopped = false;

  const logBuffer = (key: string): LogBuffer => {
    let buffer = logs.get(key);
    if (!buffer) logs.set(key, (buffer = { lines: [], done: false, listeners: new Set() }));
    return buffer;
  };
  const notify = (buffer: LogBuffer): void => {
    for (const listener of [...buffer.listeners]) listener();
  };

  const server = https.createServer({ key: options.tls.key, cert: options.tls.cert }, (req, res) =>
    serveLogs(req, res),
  );
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  function serveLogs(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'containerLogs' || parts.length !== 4) {
      res.writeHead(404).end('not found');
      return;
    }
    const buffer = logs.get(parts.slice(1).join('/'));
    if (!buffer) {
      res.writeHead(404).end('no such container');
      return;
    }
    const follow = url.searchParams.get('follow') === 'true';
    const timestamps = url.searchParams.get('timestamps') === 'true';
    // Compared as times, like the kubelet: "…:05.500Z" is after "…:05Z" although it sorts before it.
    const since = url.searchParams.get('sinceTime');
    const sinceMs = since === null ? Number.NEGATIVE_INFINITY : Date.parse(since);
    const tail = url.searchParams.get('tailLines');
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    let sent = 0;
    if (tail !== null) sent = Math.max(0, buffer.lines.length - Number(tail));
    const flush = (): void => {
      for (; sent < buffer.lines.length; sent++) {
        const line = buffer.lines[sent]!;
        if (Date.parse(line.ts) < sinceMs) continue;
        res.write(timestamps ? `${line.ts} ${line.text}\n` : `${line.text}\n`);
      }
      if (!follow || buffer.done) {
        buffer.listeners.delete(flush);
        res.end();
      }
    };
    buffer.listeners.add(flush);
    req.on('close', () => buffer.listeners.delete(flush));
    flush();
  }

  const podPath = (pod: V1Pod): string =>
    `/api/v1/namespaces/${pod.metadata?.namespace ?? ''}/pods/${pod.metadata?.name ?? ''}`;

  const patchStatus = async (pod: V1Pod, status: object): Promise<void> => {
    if (stopped) return;
    try {
      await client.request('PATCH', `${podPath(pod)}/status`, { body: { status } });
    } catch (error) {
      // The pod may already be gone (deleted by the runtime or a test).
      if (!KubeApiError.is(error, 404) && !KubeApiError.is(error, 422) && !stopped) onError(error);
    }
  };

  const behaviourFor = (pod: V1Pod): PodBehaviour => {
    for (let i = scripts.length - 1; i >= 0; i--) {
      const script = scripts[i]!;
      const inNamespace = script.namespace === undefined || script.namespace === pod.metadata?.namespace;
      if (script.left > 0 && inNamespace && matches(script.match, pod)) {
        script.left--;
        return script.behaviour;
      }
    }
    return defaultBehaviour;
  };

  function run(pod: V1Pod): void {
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const state: PodState = { timers: [], deleting: false };
    pods.set(pod.metadata?.uid ?? name, state);
    started.push(`${ns}/${name}`);
    const behaviour = behaviourFor(pod);
    const containers = pod.spec?.containers ?? [];
    const now = (): string => new Date().toISOString();
    const startedAt = now();

    if (behaviour.imagePullError) {
      const waiting = (reason: string) =>
        patchStatus(pod, {
          phase: 'Pending',
          hostIP: '127.0.0.1',
          startTime: startedAt,
          containerStatuses: containers.map((c) => ({
            name: c.name,
            image: c.image ?? '',
            imageID: '',
            ready: false,
            restartCount: 0,
            started: false,
            state: { waiting: { reason, message: `Back-off pulling image "${c.image ?? ''}"` } },
          })),
        });
      void waiting('ErrImagePull');
      state.timers.push(setTimeout(() => void waiting('ImagePullBackOff'), 200));
      return;
    }

    for (const c of containers) logBuffer(`${ns}/${name}/${c.name}`);
    void patchStatus(pod, {
      phase: 'Running',
      hostIP: '127.0.0.1',
      startTime: startedAt,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: startedAt }],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt } },
      })),
    }).then(() => {
      const afterMs = behaviour.afterMs ?? 0;
      const lines = behaviour.logs ?? [];
      const deadline = pod.spec?.activeDeadlineSeconds;
      const write = (text: string): void => {
        for (const c of containers) {
          const buffer = logBuffer(`${ns}/${name}/${c.name}`);
          buffer.lines.push({ ts: new Date().toISOString(), text });
          notify(buffer);
        }
      };
      const finishLogs = (): void => {
        for (const c of containers) {
          const buffer = logBuffer(`${ns}/${name}/${c.name}`);
          buffer.done = true;
          notify(buffer);
        }
      };
      const step = Number.isFinite(afterMs) && lines.length > 0 ? afterMs / lines.length : 0;
      lines.forEach((text, i) => {
        if (step === 0 || i === 0) write(text);
        else state.timers.push(setTimeout(() => write(text), step * i));
      });
      const terminate = (
        phase: 'Succeeded' | 'Failed',
        exitCode: number,
        reason: string,
        podReason?: string,
        hostMessage?: string,
      ) => {
        finishLogs();
        const message =
          hostMessage ??
          (typeof behaviour.terminationMessage === 'function'
            ? behaviour.terminationMessage(pod)
            : behaviour.terminationMessage);
        const finishedAt = now();
        terminations.set(`${ns}/${name}`, Date.now());
        void patchStatus(pod, {
          phase,
          ...(podReason ? { reason: podReason, message: `simulated ${podReason}` } : {}),
          conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: finishedAt }],
          containerStatuses: containers.map((c) => ({
            name: c.name,
            image: c.image ?? '',
            imageID: '',
            ready: false,
            restartCount: 0,
            started: false,
            state: {
              terminated: {
                exitCode,
                reason,
                startedAt,
                finishedAt,
                ...(message !== undefined ? { message } : {}),
              },
            },
          })),
        });
      };
      if (deadline !== undefined && deadline * 1000 < afterMs) {
        // The kubelet enforces activeDeadlineSeconds: it kills the containers and fails the pod.
        state.timers.push(
          setTimeout(() => terminate('Failed', 137, 'Error', 'DeadlineExceeded'), deadline * 1000),
        );
        return;
      }
      if (behaviour.runOnHost) {
        void runContainerOnHost(pod, { signal: lifetime.signal }).then((ran) => {
          if (state.deleting || stopped) return;
          for (const line of ran.lines) write(line);
          const ok = ran.exitCode === 0;
          const reason = ok ? 'Completed' : 'Error';
          terminate(ok ? 'Succeeded' : 'Failed', ran.exitCode, reason, undefined, ran.terminationMessage);
        });
        return;
      }
      if (!Number.isFinite(afterMs)) return;
      const finish = (): void => {
        if (behaviour.reason === 'Evicted') return terminate('Failed', 137, 'Error', 'Evicted');
        const exitCode = behaviour.exitCode ?? (behaviour.reason === 'OOMKilled' ? 137 : 0);
        const reason = behaviour.reason ?? (exitCode === 0 ? 'Completed' : 'Error');
        terminate(exitCode === 0 ? 'Succeeded' : 'Failed', exitCode, reason);
      };
      if (afterMs <= 0) finish();
      else state.timers.push(setTimeout(finish, afterMs));
    });
  }

  function handle(pod: V1Pod): void {
    if (stopped) return;
    const ns = pod.metadata?.namespace ?? '';
    if (!namespaces.has(ns)) return;
    const key = pod.metadata?.uid ?? '';
    const nodeOfPod = pod.spec?.nodeName;
    if (pod.metadata?.deletionTimestamp) {
      if (nodeOfPod !== nodeName) return;
      const state = pods.get(key);
      if (state?.deleting) return;
      if (state) {
        state.deleting = true;
        for (const timer of state.timers) clearTimeout(timer);
      } else pods.set(key, { timers: [], deleting: true });
      for (const c of pod.spec?.containers ?? []) {
        const buffer = logs.get(`${ns}/${pod.metadata?.name ?? ''}/${c.name}`);
        if (buffer) {
          buffer.done = true;
          notify(buffer);
        }
      }
      // The kubelet confirms a graceful deletion once the containers are gone.
      void client
        .request('DELETE', podPath(pod), {
          body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 },
        })
        .catch((error: unknown) => {
          if (!KubeApiError.is(error, 404) && !stopped) onError(error);
        });
      return;
    }
    if (!nodeOfPod) {
      if (pods.has(`bind:${key}`)) return;
      pods.set(`bind:${key}`, { timers: [], deleting: false });
      void client
        .request('POST', `${podPath(pod)}/binding`, {
          body: {
            apiVersion: 'v1',
            kind: 'Binding',
            metadata: { name: pod.metadata?.name },
            target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
          },
        })
        .catch((error: unknown) => {
          if (!KubeApiError.is(error, 404) && !KubeApiError.is(error, 409) && !stopped) onError(error);
        });
      return;
    }
    if (nodeOfPod !== nodeName || pods.has(key)) return;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    run(pod);
  }

  const now = new Date().toISOString();
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName, type: 'fake-kubelet' } },
    status: {
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: port } },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'fake kubelet',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      capacity: { cpu: '64', memory: '256Gi', pods: '10000' },
      allocatable: { cpu: '64', memory: '256Gi', pods: '10000' },
    },
  };
  try {
    await client.request('POST', '/api/v1/nodes', { body: node });
  } catch (error) {
    if (!KubeApiError.is(error, 409)) throw error;
  }
  // Status in a create may be dropped; a status patch makes it stick (and updates the port after a restart).
  await client.request('PATCH', `/api/v1/nodes/${nodeName}/status`, { body: { status: node.status } });

  const informer: Informer<V1Pod> = createInformer<V1Pod>({
    client: options.client,
    path: '/api/v1/pods',
    resyncMs: 0,
    onError,
  });
  informer.on((event, pod) => {
    if (event !== 'delete') handle(pod);
    else {
      const state = pods.get(pod.metadata?.uid ?? '');
      if (state) for (const timer of state.timers) clearTimeout(timer);
    }
  });
  await informer.start();

  return {
    nodeName,
    port,
    script(match, behaviour, opts = {}) {
      const entry = {
        match,
        behaviour,
        left: opts.times ?? Number.POSITIVE_INFINITY,
        ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
      };
      scripts.push(entry);
      return () => {
        const index = scripts.indexOf(entry);
        if (index >= 0) scripts.splice(index, 1);
      };
    },
    setDefault(behaviour) {
      defaultBehaviour = behaviour;
    },
    manage(namespace) {
      namespaces.add(namespace);
      for (const pod of informer.list()) if (pod.metadata?.namespace === namespace) handle(pod);
    },
    get started() {
      return started;
    },
    terminations,
    async stop() {
      stopped = true;
      lifetime.abort();
      informer.stop();
      for (const state of pods.values()) for (const timer of state.timers) clearTimeout(timer);
      for (const buffer of logs.values()) {
        buffer.done = true;
        notify(buffer);
      }
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
