import { afterEach, expect, it } from 'vitest';
import {
  DAGTASK_FINALIZER,
  type DagResourceStatus,
  type DagRunResourceStatus,
  type DagTaskResourceStatus,
} from '@kontroler/k8s-runtime';
import { describeK8s, eventually, startSyncedEngine } from './helpers.js';

const GROUP = '/apis/kontroler.greedykomodo/v1alpha1/namespaces';
const API = 'kontroler.greedykomodo/v1alpha1';

interface Resource<S> {
  metadata: { name: string; uid: string; finalizers?: string[]; deletionTimestamp?: string };
  status?: S;
}

describeK8s('DagTask resources and taskRef resolution (restricted client)', (plane) => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  const controller = (ns: string) => startSyncedEngine(plane(), ns, stops);

  const path = (ns: string, plural: string, name = '') => `${GROUP}/${ns}/${plural}${name ? `/${name}` : ''}`;
  const create = (ns: string, plural: string, body: object) =>
    plane().admin.request('POST', path(ns, plural), { body });
  const get = async <S>(ns: string, plural: string, name: string) => {
    try {
      return await plane().admin.request<Resource<S>>('GET', path(ns, plural, name));
    } catch {
      return undefined;
    }
  };
  const dagTask = (name: string, spec: object) => ({
    apiVersion: API,
    kind: 'DagTask',
    metadata: { name },
    spec,
  });
  const dag = (name: string, task: object[]) => ({
    apiVersion: API,
    kind: 'DAG',
    metadata: { name },
    spec: { task },
  });
  const gitClone = {
    image: 'alpine/git:2.45',
    script: 'git clone "$REPO" /workspace/src',
    backoff: { limit: 2 },
    conditional: { enabled: true, retryCodes: [128] },
    podTemplate: { nodeSelector: { disk: 'ssd' }, activeDeadlineSeconds: 120 },
  };

  it('versions a DagTask by spec hash: the same spec again is a no-op, a changed spec is version 2', async () => {
    // No simulated behaviour: no pods.
    const ns = await plane().createNamespace('dagtask-versions');
    const { sync } = await controller(ns);
    await create(ns, 'dagtasks', dagTask('git-clone', gitClone));
    const v1 = await eventually('version 1', async () => {
      const s = (await get<DagTaskResourceStatus>(ns, 'dagtasks', 'git-clone'))?.status;
      return s?.version === 1 ? s : undefined;
    });
    expect(v1).toMatchObject({ valid: true, versions: [{ version: 1, hash: v1.hash }] });
    expect(v1.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(v1.versions?.[0]?.spec).toMatchObject({ image: 'alpine/git:2.45', backoff: { limit: 2 } });

    // Re-applying the same spec (a metadata-only change, then a PUT of the same spec) creates nothing.
    await plane().admin.request('PATCH', path(ns, 'dagtasks', 'git-clone'), {
      body: { metadata: { labels: { team: 'ci' } }, spec: gitClone },
    });
    await sync.idle();
    const same = (await get<DagTaskResourceStatus>(ns, 'dagtasks', 'git-clone'))?.status;
    expect(same?.version).toBe(1);
    expect(same?.versions).toHaveLength(1);

    await plane().admin.request('PATCH', path(ns, 'dagtasks', 'git-clone'), {
      body: { spec: { image: 'alpine/git:2.46' } },
    });
    const v2 = await eventually('version 2', async () => {
      const s = (await get<DagTaskResourceStatus>(ns, 'dagtasks', 'git-clone'))?.status;
      return s?.version === 2 ? s : undefined;
    });
    expect(v2.versions?.map((v) => [v.version, v.spec.image])).toEqual([
      [1, 'alpine/git:2.45'],
      [2, 'alpine/git:2.46'],
    ]);
    expect(v2.hash).not.toBe(v1.hash);
  });

  it('fills taskRef tasks from the referenced version (own fields win), runs them, and keeps versions across a restart', async () => {
    // Simulated: every pod Running → Succeeded(0).
    const ns = await plane().createNamespace('dagtask-ref');
    const first = await controller(ns);
    const images: Record<string, string | undefined> = {};
    plane().node.script((pod) => {
      if (pod.metadata?.namespace === ns) {
        const task = pod.metadata.labels?.['kontroler.greedykomodo/task'] ?? '';
        images[task] = pod.spec?.containers[0]?.image;
      }
      return false;
    }, {});
    await create(ns, 'dagtasks', dagTask('git-clone', gitClone));
    await create(
      ns,
      'dags',
      dag('build', [
        { name: 'prepare', image: 'busybox', script: 'true' },
        {
          name: 'clone',
          runAfter: ['prepare'],
          taskRef: { name: 'git-clone', version: 1 },
          backoff: { limit: 5 },
        },
      ]),
    );
    const status = await eventually('DAG valid', async () => {
      const s = (await get<DagResourceStatus>(ns, 'dags', 'build'))?.status;
      return s?.valid ? s : undefined;
    });
    expect(status).toMatchObject({ phase: 'Successful', version: 1 });
    const stored = await first.store.getDagVersion({ namespace: ns, name: 'build' }, 1);
    const clone = stored?.spec.tasks.find((t) => t.name === 'clone');
    expect(clone).toEqual({
      name: 'clone',
      runAfter: ['prepare'],
      image: 'alpine/git:2.45',
      script: 'git clone "$REPO" /workspace/src',
      backoff: { limit: 5 },
      conditional: { enabled: true, retryCodes: [128] },
      podTemplate: { nodeSelector: { disk: 'ssd' }, activeDeadlineSeconds: 120 },
    });

    await create(ns, 'dagruns', {
      apiVersion: API,
      kind: 'DagRun',
      metadata: { name: 'build-1' },
      spec: { dagName: 'build' },
    });
    await eventually(
      'DagRun Succeeded',
      async () => (await get<DagRunResourceStatus>(ns, 'dagruns', 'build-1'))?.status?.phase === 'Succeeded',
      20_000,
    );
    expect(images.clone).toBe('alpine/git:2.45');

    // The DagTask moves on to version 2; a restarted controller (empty store) still resolves version 1.
    await plane().admin.request('PATCH', path(ns, 'dagtasks', 'git-clone'), {
      body: { spec: { image: 'alpine/git:2.46' } },
    });
    await eventually(
      'version 2',
      async () => (await get<DagTaskResourceStatus>(ns, 'dagtasks', 'git-clone'))?.status?.version === 2,
    );
    for (const stop of stops.splice(0).reverse()) await stop();
    const second = await controller(ns);
    const again = await eventually('DAG registered after restart', () =>
      second.store.getDagVersion({ namespace: ns, name: 'build' }, 1),
    );
    expect(again.spec.tasks.find((t) => t.name === 'clone')?.image).toBe('alpine/git:2.45');
    expect(again.hash).toBe(stored?.hash);
  }, 40_000);

  it('reports an unknown DagTask or version, naming the task and the reference, and recovers when it appears', async () => {
    // No simulated behaviour: no pods.
    const ns = await plane().createNamespace('dagtask-unknown');
    const { store } = await controller(ns);
    await create(
      ns,
      'dags',
      dag('refs', [
        { name: 'first', taskRef: { name: 'missing', version: 1 } },
        { name: 'second', runAfter: ['first'], taskRef: { name: 'git-clone', version: 3 } },
      ]),
    );
    await create(ns, 'dagtasks', dagTask('git-clone', gitClone));
    const invalid = await eventually('invalid', async () => {
      const s = (await get<DagResourceStatus>(ns, 'dags', 'refs'))?.status;
      return s?.valid === false && /has no version 3/.test(s.message) ? s : undefined;
    });
    expect(invalid.phase).toBe('Failed');
    expect(invalid.message).toContain(
      'task "first": taskRef missing version 1: no DagTask named "missing" in namespace',
    );
    expect(invalid.message).toContain(
      'task "second": taskRef git-clone version 3: DagTask "git-clone" has no version 3 (versions: 1)',
    );
    expect(await store.getDag({ namespace: ns, name: 'refs' })).toBeUndefined();

    // The missing DagTask appears and the DAG is fixed to version 1: valid.
    await create(ns, 'dagtasks', dagTask('missing', { image: 'busybox', command: ['true'] }));
    await plane().admin.request('PATCH', path(ns, 'dags', 'refs'), {
      body: {
        spec: {
          task: [
            { name: 'first', taskRef: { name: 'missing', version: 1 } },
            { name: 'second', runAfter: ['first'], taskRef: { name: 'git-clone', version: 1 } },
          ],
        },
      },
    });
    await eventually('valid', async () => (await get<DagResourceStatus>(ns, 'dags', 'refs'))?.status?.valid);
    expect(
      (await store.getDagVersion({ namespace: ns, name: 'refs' }, 1))?.spec.tasks.map((t) => t.image),
    ).toEqual(['busybox', 'alpine/git:2.45']);
  });

  it('keeps a finalizer on a DagTask while a DAG refers to it: deletion waits until no DAG does', async () => {
    // No simulated behaviour: no pods.
    const ns = await plane().createNamespace('dagtask-finalizer');
    await controller(ns);
    await create(ns, 'dagtasks', dagTask('git-clone', gitClone));
    await create(ns, 'dagtasks', dagTask('unused', { image: 'busybox', script: 'true' }));
    await create(ns, 'dags', dag('uses', [{ name: 'clone', taskRef: { name: 'git-clone', version: 1 } }]));
    const inUse = await eventually('finalizer added', async () => {
      const r = await get<DagTaskResourceStatus>(ns, 'dagtasks', 'git-clone');
      return r?.metadata.finalizers?.includes(DAGTASK_FINALIZER) ? r : undefined;
    });
    await eventually(
      'usedBy',
      async () =>
        (await get<DagTaskResourceStatus>(ns, 'dagtasks', 'git-clone'))?.status?.usedBy?.[0] === 'uses',
    );
    expect(inUse.metadata.finalizers).toEqual([DAGTASK_FINALIZER]);

    // An unused DagTask is deleted at once.
    await plane().admin.request('DELETE', path(ns, 'dagtasks', 'unused'));
    await eventually('unused gone', async () => (await get(ns, 'dagtasks', 'unused')) === undefined);

    // A used one waits, and says why.
    await plane().admin.request('DELETE', path(ns, 'dagtasks', 'git-clone'));
    const waiting = await eventually('deletion waits', async () => {
      const r = await get<DagTaskResourceStatus>(ns, 'dagtasks', 'git-clone');
      return r?.metadata.deletionTimestamp && r.status?.message?.includes('in use') ? r : undefined;
    });
    expect(waiting.status?.message).toBe('deletion waits: in use by DAG uses');
    expect((await get<DagResourceStatus>(ns, 'dags', 'uses'))?.status?.valid).toBe(true);

    await plane().admin.request('DELETE', path(ns, 'dags', 'uses'));
    await eventually('DagTask deleted', async () => (await get(ns, 'dagtasks', 'git-clone')) === undefined);
  });
});
