import { expect, it } from 'vitest';
import { createKubeClient, KubeApiError } from '@kontroler/k8s-runtime';
import { describeK8s } from './helpers.js';

describeK8s('controller RBAC (deploy/rbac) through the restricted client', (plane) => {
  it('allows everything the runtime and the CRD sync need', async () => {
    // No simulated behaviour: authorization only.
    const ns = await plane().createNamespace('rbac');
    const client = createKubeClient(plane().restrictedKubeConfig);
    try {
      const pods = `/api/v1/namespaces/${ns}/pods`;
      await client.request('POST', pods, {
        body: {
          metadata: { name: 'p' },
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] },
        },
      });
      await client.request('GET', `${pods}/p`);
      await client.request('GET', pods);
      const watch = await client.stream(pods, { query: { watch: 1, timeoutSeconds: 1 } });
      watch.destroy();
      // pods/log is authorized: 200, or 400 while the container has not started — never 403.
      const status = await client.request('GET', `${pods}/p/log`).then(
        () => 200,
        (e: unknown) => (KubeApiError.is(e) ? e.status : 0),
      );
      expect([200, 400]).toContain(status);
      await client.request('DELETE', `${pods}/p`);

      const pvcs = `/api/v1/namespaces/${ns}/persistentvolumeclaims`;
      await client.request('POST', pvcs, {
        body: {
          metadata: { name: 'ws' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      });
      await client.request('DELETE', `${pvcs}/ws`);

      const events = `/api/v1/namespaces/${ns}/events`;
      await client.request('POST', events, {
        body: {
          metadata: { name: 'e1' },
          involvedObject: { kind: 'Pod', name: 'p', namespace: ns },
          reason: 'Test',
          message: 'hi',
          type: 'Normal',
        },
      });
      await client.request('PATCH', `${events}/e1`, { body: { message: 'again' } });

      const leases = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
      const lease = await client.request<{ metadata: object; spec: object }>('POST', leases, {
        body: {
          metadata: { name: 'kontroler-leader' },
          spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
        },
      });
      await client.request('PUT', `${leases}/kontroler-leader`, {
        body: { ...lease, spec: { holderIdentity: 'b' } },
      });

      // CRDs: the admin creates resources (kubectl apply); the controller reads them and writes status.
      const dags = `/apis/kontroler.greedykomodo/v1alpha1/namespaces/${ns}/dags`;
      await plane().admin.request('POST', dags, {
        body: {
          apiVersion: 'kontroler.greedykomodo/v1alpha1',
          kind: 'DAG',
          metadata: { name: 'd' },
          spec: { task: [{ name: 't', image: 'x', script: 'true' }] },
        },
      });
      await client.request('GET', dags);
      await client.request('PATCH', `${dags}/d/status`, {
        body: { status: { phase: 'Successful', version: 1 } },
      });
      await client.request('PATCH', `${dags}/d`, {
        body: { metadata: { finalizers: ['kontroler.greedykomodo/cleanup'] } },
      });
      for (const plural of ['dagruns', 'dagtasks']) {
        await client.request('GET', `/apis/kontroler.greedykomodo/v1alpha1/namespaces/${ns}/${plural}`);
      }
    } finally {
      client.close();
    }
  });

  it.each([
    ['list secrets', 'GET', '/api/v1/namespaces/{ns}/secrets'],
    ['read configmaps', 'GET', '/api/v1/namespaces/{ns}/configmaps'],
    ['create deployments', 'POST', '/apis/apps/v1/namespaces/{ns}/deployments'],
    ['list nodes', 'GET', '/api/v1/nodes'],
    ['list pods cluster-wide', 'GET', '/api/v1/pods'],
    ['exec into pods', 'POST', '/api/v1/namespaces/{ns}/pods/p/exec'],
    ['patch pods', 'PATCH', '/api/v1/namespaces/{ns}/pods/p'],
    ['delete DAG resources', 'DELETE', '/apis/kontroler.greedykomodo/v1alpha1/namespaces/{ns}/dags/d'],
    ['create CRDs', 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'],
  ])('refuses to %s (403)', async (_what, method, path) => {
    // No simulated behaviour: authorization only.
    const ns = await plane().createNamespace('deny');
    const client = createKubeClient(plane().restrictedKubeConfig);
    try {
      await expect(client.request(method, path.replace('{ns}', ns), { body: {} })).rejects.toMatchObject({
        status: 403,
      });
    } finally {
      client.close();
    }
  });
});
