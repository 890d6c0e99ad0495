/**
 * Shared test helpers: connect to the globalSetup's control plane with this file's own simulated node, and
 * wait for apiserver state with a deadline (polling is fine for apiserver state; never a bare sleep).
 */
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { createEngine, createMemoryStore, type Engine, type MemoryStore } from '@kontroler/core';
import {
  createCrdSync,
  createPodRuntime,
  type CrdSync,
  type CrdSyncOptions,
  type PodRuntime,
  type SyncEngine,
} from '@kontroler/k8s-runtime';
import { connectControlPlane, type ControlPlane } from '@kontroler/k8s-runtime/testing';

/** `describe` that runs with a control plane, or is skipped locally (one-line reason) when binaries are missing. */
export function describeK8s(name: string, body: (plane: () => ControlPlane) => void): void {
  const connection = inject('k8s');
  const skipReason = inject('k8sSkipReason');
  if (!connection) {
    describe.skip(`${name} (skipped: ${skipReason})`, () => {
      it('needs a real kube-apiserver', () => {});
    });
    return;
  }
  describe(name, () => {
    let plane: ControlPlane | undefined;
    beforeAll(async () => {
      plane = await connectControlPlane(connection);
    });
    afterAll(async () => {
      await plane?.stop();
    });
    body(() => {
      if (!plane) throw new Error('control plane not connected');
      return plane;
    });
  });
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * What a controller wires, on this test's control plane: an engine on `store` (a fresh MemoryStore by
 * default) running the pod runtime in `ns` through the restricted client, and a started CRD sync. Teardown
 * is pushed onto `stops`, to be run in reverse (sync, runtime, engine).
 */
export async function startSyncedEngine(
  plane: ControlPlane,
  ns: string,
  stops: Array<() => Promise<void>>,
  options: {
    store?: MemoryStore;
    sync?: Partial<Omit<CrdSyncOptions, 'engine' | 'store'>>;
    /** Whether the engine's worker runs; a replica that is not started submits runs but never executes them. @default true */
    execute?: boolean;
    /** What the sync gets instead of the engine itself (to hold or observe its calls). */
    wrapEngine?: (engine: SyncEngine) => SyncEngine;
  } = {},
): Promise<{ engine: Engine; store: MemoryStore; sync: CrdSync; runtime: PodRuntime }> {
  const store = options.store ?? createMemoryStore();
  const runtime = createPodRuntime({ kubeConfig: plane.restrictedKubeConfig, namespace: ns });
  const engine = createEngine({
    store,
    runtimes: [runtime],
    pollIntervalMs: 100,
    scheduler: false,
    timing: { initialDelayMs: 10, factor: 1, maxDelayMs: 10, jitter: 0 },
  });
  if (options.execute !== false) await engine.start();
  const sync = createCrdSync({
    kubeConfig: plane.restrictedKubeConfig,
    namespace: ns,
    ...options.sync,
    engine: options.wrapEngine ? options.wrapEngine(engine) : engine,
    store,
  });
  await sync.start();
  stops.push(
    () => engine.stop(),
    () => runtime.close?.() ?? Promise.resolve(),
    () => sync.stop(),
  );
  return { engine, store, sync, runtime };
}
