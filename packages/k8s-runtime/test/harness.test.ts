import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { V1Pod } from '@kubernetes/client-node';
import { KubeApiError } from '@kontroler/k8s-runtime';
import { describeK8s, eventually } from './helpers.js';

const root = join(import.meta.dirname, '..', '..', '..');

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules') return [];
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });
}

const PATHS: Record<string, { path: string; namespaced: boolean }> = {
  DAG: { path: '/apis/kontroler.greedykomodo/v1alpha1/namespaces/{ns}/dags', namespaced: true },
  DagRun: { path: '/apis/kontroler.greedykomodo/v1alpha1/namespaces/{ns}/dagruns', namespaced: true },
  DagTask: { path: '/apis/kontroler.greedykomodo/v1alpha1/namespaces/{ns}/dagtasks', namespaced: true },
  CustomResourceDefinition: {
    path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    namespaced: false,
  },
  ClusterRole: { path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', namespaced: false },
  Role: { path: '/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles', namespaced: true },
  RoleBinding: { path: '/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings', namespaced: true },
  ServiceAccount: { path: '/api/v1/namespaces/{ns}/serviceaccounts', namespaced: true },
  Namespace: { path: '/api/v1/namespaces', namespaced: false },
  Service: { path: '/api/v1/namespaces/{ns}/services', namespaced: true },
  Deployment: { path: '/apis/apps/v1/namespaces/{ns}/deployments', namespaced: true },
  PodDisruptionBudget: { path: '/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets', namespaced: true },
  ValidatingWebhookConfiguration: {
    path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
    namespaced: false,
  },
};

describeK8s('test control plane', (plane) => {
  it('binds a pod to the fake node, runs it to the scripted exit code and serves its log through pods/log', async () => {
    // Simulated: binding, Running → Failed(3), containerLogs (follow).
    const { admin, node } = plane();
    const ns = await plane().createNamespace('smoke');
    node.script('smoke', { exitCode: 3, afterMs: 400, logs: ['one', 'two', 'three'] }, { namespace: ns });
    await admin.request('POST', `/api/v1/namespaces/${ns}/pods`, {
      body: {
        metadata: { name: 'smoke' },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x' }] },
      },
    });
    const running = await eventually('Running', async () => {
      const pod = await admin.request<V1Pod>('GET', `/api/v1/namespaces/${ns}/pods/smoke`);
      return pod.status?.phase === 'Running' ? pod : undefined;
    });
    expect(running.spec?.nodeName).toBe(node.nodeName);
    // Following while it runs: the stream ends when the container terminates.
    const res = await admin.stream(`/api/v1/namespaces/${ns}/pods/smoke/log`, { query: { follow: true } });
    let text = '';
    for await (const chunk of res) text += String(chunk);
    expect(text).toBe('one\ntwo\nthree\n');
    // As with a real kubelet, the log ends when the container exits; the pod's phase follows.
    const done = await eventually('Failed', async () => {
      const pod = await admin.request<V1Pod>('GET', `/api/v1/namespaces/${ns}/pods/smoke`);
      return pod.status?.phase === 'Failed' ? pod : undefined;
    });
    expect(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
  });

  it('confirms the graceful deletion of a running pod', async () => {
    // Simulated: the kubelet's DELETE with grace 0 after deletionTimestamp is set.
    const { admin, node } = plane();
    const ns = await plane().createNamespace('graceful');
    node.script('forever', { afterMs: Number.POSITIVE_INFINITY }, { namespace: ns });
    const path = `/api/v1/namespaces/${ns}/pods/forever`;
    await admin.request('POST', `/api/v1/namespaces/${ns}/pods`, {
      body: {
        metadata: { name: 'forever' },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x' }] },
      },
    });
    await eventually(
      'Running',
      async () => (await admin.request<V1Pod>('GET', path)).status?.phase === 'Running',
    );
    await admin.request('DELETE', path);
    await eventually('pod gone', async () => {
      try {
        await admin.request('GET', path);
        return false;
      } catch (error) {
        return KubeApiError.is(error, 404);
      }
    });
  });

  it('applies every example manifest the project ships', async () => {
    // No simulated behaviour: only the apiserver and the installed CRDs.
    const { admin } = plane();
    const ns = await plane().createNamespace('examples');
    const files = [
      ...yamlFiles(join(import.meta.dirname, 'fixtures')),
      ...yamlFiles(join(root, 'examples')),
      ...yamlFiles(join(root, 'deploy')),
    ];
    expect(files.length).toBeGreaterThanOrEqual(3);
    let applied = 0;
    for (const file of files) {
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const object = doc.toJS() as { kind?: string; metadata?: { namespace?: string } } | null;
        if (!object?.kind) continue;
        if (object.kind === 'Kustomization') {
          // Client-side only (kubectl apply -k): check that what it lists exists.
          for (const entry of (object as { resources?: string[] }).resources ?? []) {
            expect(existsSync(join(file, '..', entry)), `${relative(root, file)} lists ${entry}`).toBe(true);
          }
          applied++;
          continue;
        }
        const target = PATHS[object.kind];
        if (!target) throw new Error(`${relative(root, file)}: no path for kind ${object.kind}`);
        if (target.namespaced && object.metadata) object.metadata.namespace = ns;
        // deploy/ objects mostly exist already (the harness installed them): a dry run proves they still apply.
        const infra = relative(root, file).startsWith('deploy');
        const query = infra ? { dryRun: 'All' } : {};
        const path = target.path.replace('{ns}', ns);
        try {
          await admin.request('POST', path, { body: object, query });
        } catch (error) {
          if (!(KubeApiError.is(error, 409) && infra)) {
            throw new Error(`${relative(root, file)} (${object.kind}): ${String(error)}`, { cause: error });
          }
        }
        applied++;
      }
    }
    expect(applied).toBeGreaterThanOrEqual(files.length);
    const dag = await admin.request<{
      spec: { task: Array<{ podTemplate?: { securityContext?: object } }> };
    }>('GET', `/apis/kontroler.greedykomodo/v1alpha1/namespaces/${ns}/dags/etl`);
    // runAsUser/runAsGroup survive (Kontroler prunes them; we keep them).
    expect(dag.spec.task[1]?.podTemplate?.securityContext).toEqual({
      runAsUser: 1000,
      runAsGroup: 3000,
      fsGroup: 2000,
    });
  });

  it('rejects resources that break the CRD schema', async () => {
    // No simulated behaviour.
    const { admin } = plane();
    const ns = await plane().createNamespace('schema');
    const create = (kind: string, body: object) =>
      admin.request('POST', `/apis/kontroler.greedykomodo/v1alpha1/namespaces/${ns}/${kind}`, { body });
    await expect(
      create('dagruns', {
        apiVersion: 'kontroler.greedykomodo/v1alpha1',
        kind: 'DagRun',
        metadata: { name: 'both' },
        spec: { dagName: 'x', parameters: [{ name: 'p', value: 'v', fromSecret: 's' }] },
      }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      create('dags', {
        apiVersion: 'kontroler.greedykomodo/v1alpha1',
        kind: 'DAG',
        metadata: { name: 'empty' },
        spec: { schedule: '' },
      }),
    ).rejects.toMatchObject({ status: 422 });
  });
});
