import { afterEach, expect, it } from 'vitest';
import { createMemoryStore, type MemoryStore } from '@kontroler/core';
import {
  type CrdSync,
  type DagResourceStatus,
  type DagRunResourceStatus,
  type DagTaskResourceStatus,
} from '@kontroler/k8s-runtime';
import { describeK8s, eventually, startSyncedEngine } from './helpers.js';

const GROUP = '/apis/kontroler.greedykomodo/v1alpha1/namespaces';
const API = 'kontroler.greedykomodo/v1alpha1';
/** Replica A's sync clock: every status it writes carries a timestamp from 2001. */
const A_NOW = Date.parse('2001-01-01T00:00:00Z');

describeK8s('CRD status writing is a leader duty (two syncs, one store, restricted client)', (plane) => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  async function replica(
    ns: string,
    store: MemoryStore,
    isLeader: () => boolean,
    now?: () => number,
    execute = true,
  ): Promise<CrdSync> {
    const sync = { isLeader, leaderCheckMs: 100, ...(now ? { now } : {}) };
    return (await startSyncedEngine(plane(), ns, stops, { store, sync, execute })).sync;
  }

  const path = (ns: string, plural: string, name = '') => `${GROUP}/${ns}/${plural}${name ? `/${name}` : ''}`;
  const status = async <S>(ns: string, plural: string, name: string) =>
    (await plane().admin.request<{ status?: S }>('GET', path(ns, plural, name))).status;
  const dag = (image: string) => ({
    apiVersion: API,
    kind: 'DAG',
    metadata: { name: 'hello' },
    spec: {
      task: [
        { name: 'a', image, script: 'echo a' },
        { name: 'b', runAfter: ['a'], taskRef: { name: 'shared', version: 1 } },
      ],
    },
  });
  const run = (name: string) => ({
    apiVersion: API,
    kind: 'DagRun',
    metadata: { name },
    spec: { dagName: 'hello' },
  });

  /** The DagTask `shared`, the DAG `hello` (busybox) that refers to it, and the DagRun `r1` of it. */
  async function createHelloRun(ns: string): Promise<void> {
    await plane().admin.request('POST', path(ns, 'dagtasks'), {
      body: {
        apiVersion: API,
        kind: 'DagTask',
        metadata: { name: 'shared' },
        spec: { image: 'x', script: 'true' },
      },
    });
    await plane().admin.request('POST', path(ns, 'dags'), { body: dag('busybox') });
    await plane().admin.request('POST', path(ns, 'dagruns'), { body: run('r1') });
  }

  it('registers and submits on every replica, writes status only from the leader, and a new leader catches up', async () => {
    // Simulated: every pod Running → Succeeded(0).
    const ns = await plane().createNamespace('sync-leader');
    const store = createMemoryStore();
    let leader: 'a' | 'b' | 'none' = 'none';
    const a = await replica(
      ns,
      store,
      () => leader === 'a',
      () => A_NOW,
    );
    const b = await replica(ns, store, () => leader === 'b');

    // No leader: the DAG is registered and the run submitted (once) and run, but no resource gets a status.
    await createHelloRun(ns);
    // Without a leader no DagTask version is recorded, so the DAG waits for it: nothing registered yet.
    await a.idle();
    await b.idle();
    expect(await store.getDag({ namespace: ns, name: 'hello' })).toBeUndefined();
    expect(await status(ns, 'dagtasks', 'shared')).toBeUndefined();
    expect(await status(ns, 'dags', 'hello')).toBeUndefined();
    expect(await status(ns, 'dagruns', 'r1')).toBeUndefined();

    // A leads: it records the DagTask version; both replicas register the DAG and submit the run (one run).
    leader = 'a';
    a.leadershipChanged();
    const runA = await eventually(
      'r1 Succeeded (written by A)',
      async () => {
        const s = await status<DagRunResourceStatus>(ns, 'dagruns', 'r1');
        return s?.phase === 'Succeeded' ? s : undefined;
      },
      20_000,
    );
    expect(runA.tasks?.map((t) => t.name).sort()).toEqual(['a', 'b']);
    const dagA = await status<DagResourceStatus>(ns, 'dags', 'hello');
    expect(dagA).toMatchObject({ valid: true, version: 1 });
    expect(dagA?.conditions[0]?.lastTransitionTime).toBe('2001-01-01T00:00:00Z');
    expect((await status<DagTaskResourceStatus>(ns, 'dagtasks', 'shared'))?.versions?.[0]?.createdAt).toBe(
      '2001-01-01T00:00:00Z',
    );
    expect(
      (await store.listRuns({ dag: { namespace: ns, name: 'hello' } }, { limit: 10 })).items,
    ).toHaveLength(1);

    // A loses leadership and nobody leads: changes are registered and runs submitted, status stays stale.
    leader = 'none';
    a.leadershipChanged();
    b.leadershipChanged();
    await plane().admin.request('PATCH', path(ns, 'dags', 'hello'), { body: dag('busybox:1.36') });
    await plane().admin.request('POST', path(ns, 'dagruns'), { body: run('r2') });
    await eventually(
      'version 2 registered',
      async () => (await store.getDag({ namespace: ns, name: 'hello' }))?.latestVersion === 2,
    );
    await eventually(
      'r2 finished in the store',
      async () =>
        (await store.listRuns({ dag: { namespace: ns, name: 'hello' } }, { limit: 10 })).items.filter(
          (r) => r.state === 'succeeded',
        ).length === 2,
      20_000,
    );
    await a.idle();
    await b.idle();
    expect((await status<DagResourceStatus>(ns, 'dags', 'hello'))?.version).toBe(1);
    expect(await status(ns, 'dagruns', 'r2')).toBeUndefined();

    // B becomes leader (noticed by its own polling of isLeader): it writes the current status of everything.
    leader = 'b';
    const dagB = await eventually('B wrote version 2', async () => {
      const s = await status<DagResourceStatus>(ns, 'dags', 'hello');
      return s?.version === 2 ? s : undefined;
    });
    expect(dagB.conditions[0]?.lastTransitionTime).not.toBe('2001-01-01T00:00:00Z');
    expect(dagB.observedGeneration).toBe(2);
    const r2 = await eventually('B wrote r2', async () => {
      const s = await status<DagRunResourceStatus>(ns, 'dagruns', 'r2');
      return s?.phase === 'Succeeded' ? s : undefined;
    });
    expect(r2.version).toBe(2);
    expect((await status<DagRunResourceStatus>(ns, 'dagruns', 'r1'))?.phase).toBe('Succeeded');
  }, 60_000);

  it('the leader writes the status of a run that another replica executed, through the run event journal', async () => {
    // A leads but its engine never claims work; B executes every attempt and writes nothing.
    const ns = await plane().createNamespace('sync-journal');
    const store = createMemoryStore();
    await replica(ns, store, () => true, undefined, false);
    await replica(ns, store, () => false);
    await createHelloRun(ns);
    const written = await eventually(
      'r1 Succeeded (written by A, executed by B)',
      async () => {
        const s = await status<DagRunResourceStatus>(ns, 'dagruns', 'r1');
        return s?.phase === 'Succeeded' ? s : undefined;
      },
      20_000,
    );
    expect(written.tasks?.map((t) => [t.name, t.state]).sort()).toEqual([
      ['a', 'succeeded'],
      ['b', 'succeeded'],
    ]);
  }, 60_000);
});
