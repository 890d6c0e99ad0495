/**
 * The task runtime: pods (the Kubernetes runtime) or local child processes.
 *
 * Namespaces: pods of a DAG that lives in a watched namespace run there (its DagRuns' owner is there too);
 * any other run's pods go to the configured pod namespace, since the controller holds permissions only in
 * those namespaces.
 *
 * Pod deletion waits for `Runtime.outcomeRecorded`: a pod deleted before the engine has recorded its outcome
 * would let a replica that takes the attempt over (after a crash) find no pod and run the task again.
 */
import type { AttemptContext, Logger, Runtime } from '@kontroler/core';
import { createPodRuntime } from '@kontroler/k8s-runtime';
import { createProcessRuntime } from '@kontroler/plugins';
import type { KubeConnection } from '@kontroler/k8s-runtime';
import type { ControllerConfig } from '../config.js';

/** Which namespace an attempt's pod goes to. */
export function podNamespaceFor(
  context: Pick<AttemptContext, 'namespace'>,
  watched: readonly string[],
  fallback: string,
): string {
  return watched.includes(context.namespace) ? context.namespace : fallback;
}

export interface PodStats {
  readonly created: number;
  readonly adopted: number;
  readonly logFollows: { readonly active: number; readonly waiting: number };
}

export interface RuntimeWiring {
  readonly runtime: Runtime;
  /** Pods this replica created and adopted, and its log follows (Kubernetes only). */
  readonly stats: () => PodStats | undefined;
}

export function createRuntime(
  config: Pick<
    ControllerConfig,
    | 'runtime'
    | 'namespaces'
    | 'podNamespace'
    | 'podTtlSeconds'
    | 'kubeQps'
    | 'kubeBurst'
    | 'concurrency'
    | 'maxLogFollows'
  >,
  kubeConfig: KubeConnection | undefined,
  logger: Logger,
): RuntimeWiring {
  if (config.runtime === 'process') {
    const runtime = createProcessRuntime({ concurrency: config.concurrency, logger });
    return { runtime, stats: () => undefined };
  }
  if (kubeConfig === undefined) throw new Error('the Kubernetes runtime needs a kubeconfig');
  const pods = createPodRuntime({
    kubeConfig,
    namespace: (context) => podNamespaceFor(context, config.namespaces, config.podNamespace),
    qps: config.kubeQps,
    burst: config.kubeBurst,
    // Counted from when the engine has recorded the outcome (Runtime.outcomeRecorded), never before.
    podTtlMs: config.podTtlSeconds * 1000,
    maxLogFollows: config.maxLogFollows,
    logger,
  });
  return {
    runtime: pods,
    stats: () => ({ created: pods.created, adopted: pods.adopted, logFollows: pods.logFollows }),
  };
}
