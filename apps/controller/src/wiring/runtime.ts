/**
 * The task runtime: pods (the Kubernetes runtime) or local child processes.
 *
 * Namespaces: pods of a DAG that lives in a watched namespace run there (its DagRuns' owner is there too);
 * any other run's pods go to the configured pod namespace, since the controller holds permissions only in
 * those namespaces.
 *
 * Pod deletion: the pod runtime would delete a finished pod as soon as its outcome is known, which is before
 * the engine has recorded it. If the replica dies (or its commit fails while PostgreSQL restarts) in between,
 * another replica reclaims the attempt, finds no pod and creates a twin that runs the task again. So pods are
 * kept by the runtime and deleted by an `afterTaskEnd` hook, which runs only once the outcome is recorded.
 */
import { definePlugin, type AttemptContext, type Logger, type Plugin, type Runtime } from '@kontroler/core';
import { KubeApiError, createPodRuntime, podName } from '@kontroler/k8s-runtime';
import { createProcessRuntime } from '@kontroler/plugins';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ControllerConfig } from '../config.js';

/** Which namespace an attempt's pod goes to. */
export function podNamespaceFor(
  context: Pick<AttemptContext, 'namespace'>,
  watched: readonly string[],
  fallback: string,
): string {
  return watched.includes(context.namespace) ? context.namespace : fallback;
}

export interface RuntimeWiring {
  readonly runtime: Runtime;
  /** Plugins the runtime needs (the pod deletion hook). */
  readonly plugins: readonly Plugin[];
  /** Pods this replica created and adopted (Kubernetes only). */
  readonly stats: () => { created: number; adopted: number } | undefined;
}

export function createRuntime(
  config: Pick<
    ControllerConfig,
    'runtime' | 'namespaces' | 'podNamespace' | 'podTtlSeconds' | 'kubeQps' | 'kubeBurst' | 'concurrency'
  >,
  kubeConfig: KubeConfig | undefined,
  logger: Logger,
): RuntimeWiring {
  if (config.runtime === 'process') {
    const runtime = createProcessRuntime({ concurrency: config.concurrency, logger });
    return { runtime, plugins: [], stats: () => undefined };
  }
  if (kubeConfig === undefined) throw new Error('the Kubernetes runtime needs a kubeconfig');
  const pods = createPodRuntime({
    kubeConfig,
    qps: config.kubeQps,
    burst: config.kubeBurst,
    // Kept: the hook below deletes them once the outcome is recorded.
    podTtlMs: -1,
    logger,
  });
  const namespaceOf = (context: Pick<AttemptContext, 'namespace'>) =>
    podNamespaceFor(context, config.namespaces, config.podNamespace);
  const pendingDeletes = new Set<NodeJS.Timeout>();
  const deletePod = async (namespace: string, name: string): Promise<void> => {
    try {
      await pods.client.request('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
      });
    } catch (error) {
      if (!KubeApiError.is(error, 404))
        logger.warn({ err: error, pod: name }, 'could not delete a finished pod');
    }
  };
  const cleanup = definePlugin({
    name: 'controller-pod-cleanup',
    setup(host) {
      host.registerHooks({
        afterTaskEnd(context) {
          if (context.task.spec.type !== undefined) return; // a plugin task type: no pod
          const namespace = namespaceOf(context);
          const name = podName(context.runId, context.taskName, context.attempt);
          const timer = setTimeout(() => {
            pendingDeletes.delete(timer);
            void deletePod(namespace, name);
          }, config.podTtlSeconds * 1000);
          timer.unref();
          pendingDeletes.add(timer);
        },
      });
    },
  });
  const runtime: Runtime = {
    name: pods.name,
    execute: (context) => pods.execute({ ...context, namespace: namespaceOf(context) }),
    cleanupRun: (runId) => pods.cleanupRun?.(runId) ?? Promise.resolve(),
    close: async () => {
      // Pods whose TTL has not run out stay; they are finished and recorded.
      for (const timer of pendingDeletes) clearTimeout(timer);
      await pods.close?.();
    },
  };
  return { runtime, plugins: [cleanup], stats: () => ({ created: pods.created, adopted: pods.adopted }) };
}
