import type { TestProject } from 'vitest/node';
import {
  locateBinaries,
  startControlPlane,
  type ControlPlane,
  type ControlPlaneConnection,
} from '../src/testing/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared control plane, or null with `k8sSkipReason` set (locally only, never in CI). */
    k8s: ControlPlaneConnection | null;
    k8sSkipReason: string;
    k8sStartMs: number;
  }
}

let plane: ControlPlane | undefined;

export async function setup(project: TestProject): Promise<void> {
  const { dir, missing } = locateBinaries();
  if (missing.length > 0) {
    const reason = `kube-apiserver/etcd not found in ${dir} (run scripts/build-control-plane.sh)`;
    // In CI a missing control plane is a failure, never a skip.
    if (process.env.CI) throw new Error(reason);
    project.provide('k8s', null);
    project.provide('k8sSkipReason', reason);
    project.provide('k8sStartMs', 0);
    return;
  }
  const t0 = Date.now();
  plane = await startControlPlane({ controlEndpoint: true });
  const startMs = Date.now() - t0;
  console.log(`[k8s-runtime] control plane up in ${startMs} ms (${JSON.stringify(plane.timings)})`);
  project.provide('k8s', plane.connection);
  project.provide('k8sSkipReason', '');
  project.provide('k8sStartMs', startMs);
}

export async function teardown(): Promise<void> {
  await plane?.stop();
}
