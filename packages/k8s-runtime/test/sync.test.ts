import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createEngine, createMemoryStore } from '@kontroler/core';
import {
  createCrdSync,
  createPodRuntime,
  type DagResourceStatus,
  type DagRunResourceStatus,
} from '@kontroler/k8s-runtime';
import { describeK8s, eventually, startSyncedEngine } from './helpers.js';

const GROUP = '/apis/kontroler.greedykomodo/v1alpha1/namespaces';

describeK8s('CRD sync with createEngine + MemoryStore + the pod runtime (restricted client)', (plane) => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  const controller = (ns: string) => startSyncedEngine(plane(), ns, stops, { sync: { dagWaitMs: 10_000 } });

  const apply = async (ns: string, docs: object[]) => {
    for (const doc of docs as Array<{ kind: string }>) {
      await plane().admin.request('POST', `${GROUP}/${ns}/${doc.kind === 'DAG' ? 'dags' : 'dagruns'}`, {
        body: doc,
      });
    }
  };
  const fixture = (name: string) =>
    parseAllDocuments(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')).map(
      (d) => d.toJS() as object,
    );
  const get = <T>(ns: string, plural: string, name: string) =>
    plane().admin.request<T>('GET', `${GROUP}/${ns}/${plural}/${name}`);
  const runStatus = (ns: string, name: string) =>
    get<{ status?: DagRunResourceStatus }>(ns, 'dagruns', name).then((r) => r.status);
  const dagStatus = (ns: string, name: string) =>
    get<{ status?: DagResourceStatus }>(ns, 'dags', name).then((r) => r.status);
  /** The DagRun's status once its phase is one of `phases`. */
  const runInPhase = (
    ns: string,
    name: string,
    phases: ReadonlyArray<DagRunResourceStatus['phase']>,
    timeoutMs?: number,
  ) =>
    eventually(
      `DagRun ${name} ${phases.join(' or ')}`,
      async () => {
        const s = await runStatus(ns, name);
        return s !== undefined && phases.includes(s.phase) ? s : undefined;
      },
      timeoutMs,
    );

  it('runs the diamond DagRun to Succeeded and mirrors phase, tasks, times and observedGeneration', async () => {
    // Simulated: every pod Running → Succeeded(0), logs, deletion.
    const ns = await plane().createNamespace('sync-diamond');
    const { engine, store } = await controller(ns);
    for (const t of ['a', 'b', 'c', 'd']) {
      plane().node.script(
        (p) => p.metadata?.namespace === ns && p.metadata.labels?.['kontroler.greedykomodo/task'] === t,
        {
          logs: [`task ${t} says hi`],
        },
      );
    }
    const owners: unknown[] = [];
    plane().node.script((pod) => {
      if (pod.metadata?.namespace === ns) owners.push(pod.metadata.ownerReferences);
      return false;
    }, {});
    await apply(ns, fixture('diamond.yaml'));
    const status = await runInPhase(ns, 'diamond-1', ['Succeeded'], 20_000);
    expect(status.tasks?.map((t) => [t.name, t.state, t.attempt]).sort()).toEqual([
      ['a', 'succeeded', 1],
      ['b', 'succeeded', 1],
      ['c', 'succeeded', 1],
      ['d', 'succeeded', 1],
    ]);
    expect(status.dagRunId).toBeTruthy();
    expect(status.version).toBe(1);
    expect(status.observedGeneration).toBe(1);
    expect(Date.parse(status.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(status.startedAt ?? ''));
    expect(await dagStatus(ns, 'diamond')).toMatchObject({
      phase: 'Successful',
      valid: true,
      version: 1,
      observedGeneration: 1,
    });
    expect(plane().node.started.filter((p) => p.startsWith(`${ns}/`))).toHaveLength(4);
    // The logs reached the store through ctx.log.
    const snapshot = await engine.getRun(status.dagRunId ?? '');
    const attemptD = snapshot?.attempts.find((a) => a.taskName === 'd');
    const stored = await store.readLogs(attemptD?.id ?? '');
    expect(stored.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['task d says hi']);
    // Every pod is owned by the DagRun resource.
    const uid = (await get<{ metadata: { uid: string } }>(ns, 'dagruns', 'diamond-1')).metadata.uid;
    expect(owners).toHaveLength(4);
    for (const refs of owners)
      expect(refs).toEqual([expect.objectContaining({ kind: 'DagRun', name: 'diamond-1', uid })]);
  }, 40_000);

  it('submits a DagRun with its own priority and deadline; the apiserver refuses one out of range', async () => {
    const ns = await plane().createNamespace('sync-options');
    const { engine } = await controller(ns);
    const [dag] = fixture('diamond.yaml');
    const run = (name: string, spec: object) => ({
      apiVersion: 'kontroler.greedykomodo/v1alpha1',
      kind: 'DagRun',
      metadata: { name },
      spec: { dagName: 'diamond', ...spec },
    });
    await apply(ns, [dag as object, run('urgent', { priority: 7, activeDeadlineSeconds: 600 })]);
    const runId = await eventually(
      'DagRun submitted',
      async () => (await runStatus(ns, 'urgent'))?.dagRunId,
      20_000,
    );
    const snapshot = await engine.getRun(runId);
    expect(snapshot?.run).toMatchObject({ priority: 7, activeDeadlineSeconds: 600 });
    // The CRD's schema bounds them, so a bad value never reaches the controller.
    await expect(apply(ns, [run('bad', { activeDeadlineSeconds: 0 })])).rejects.toThrow(
      /activeDeadlineSeconds/,
    );
  }, 40_000);

  it('keeps the same DAG name in two namespaces as two DAGs: both run, statuses independent', async () => {
    // One engine and store, as a controller watching two namespaces; pods go to each attempt's namespace.
    const [nsA, nsB] = [await plane().createNamespace('same-a'), await plane().createNamespace('same-b')];
    const store = createMemoryStore();
    const runtime = createPodRuntime({ kubeConfig: plane().restrictedKubeConfig });
    const engine = createEngine({
      store,
      runtimes: [runtime],
      pollIntervalMs: 100,
      scheduler: false,
      timing: { initialDelayMs: 10, factor: 1, maxDelayMs: 10, jitter: 0 },
    });
    await engine.start();
    stops.push(
      () => engine.stop(),
      () => runtime.close?.() ?? Promise.resolve(),
    );
    for (const namespace of [nsA, nsB]) {
      const sync = createCrdSync({ kubeConfig: plane().restrictedKubeConfig, namespace, engine, store });
      await sync.start();
      stops.push(() => sync.stop());
    }
    // Simulated: in B task `b` exits 1 (no retries); every other pod succeeds (the node's default).
    plane().node.script(
      (p) => p.metadata?.namespace === nsB && p.metadata.labels?.['kontroler.greedykomodo/task'] === 'b',
      { exitCode: 1 },
    );
    const [dagA, runA] = fixture('diamond.yaml');
    const [dagB, runB] = fixture('diamond.yaml');
    // B's document differs, so B's DAG is another document, not a second version of A's.
    (dagB as { spec: { description?: string } }).spec.description = 'team b';
    await apply(nsA, [dagA!, runA!]);
    await apply(nsB, [dagB!, runB!]);
    const finished = (ns: string, phase: string) =>
      eventually(
        `DagRun ${phase} in ${ns}`,
        async () => {
          const s = await runStatus(ns, 'diamond-1');
          return s?.phase === phase ? s : undefined;
        },
        20_000,
      );
    const [statusA, statusB] = await Promise.all([finished(nsA, 'Succeeded'), finished(nsB, 'Failed')]);
    expect(statusA.tasks?.map((t) => [t.name, t.state]).sort()).toEqual([
      ['a', 'succeeded'],
      ['b', 'succeeded'],
      ['c', 'succeeded'],
      ['d', 'succeeded'],
    ]);
    expect(statusB.tasks?.find((t) => t.name === 'b')?.state).toBe('failed');
    expect(statusB.dagRunId).not.toBe(statusA.dagRunId);
    // Each run belongs to its own namespace's DAG, at that DAG's own version 1.
    for (const [ns, status] of [
      [nsA, statusA],
      [nsB, statusB],
    ] as const) {
      const run = (await store.getRun(status.dagRunId ?? ''))!;
      expect(run).toMatchObject({ namespace: ns, dagName: 'diamond', dagVersion: 1 });
      expect((await store.getDag({ namespace: ns, name: 'diamond' }))?.latestVersion).toBe(1);
      expect(await dagStatus(ns, 'diamond')).toMatchObject({ valid: true, version: 1 });
    }
    expect((await store.getDagVersion({ namespace: nsB, name: 'diamond' }, 1))?.spec.description).toBe(
      'team b',
    );
    expect(plane().node.started.filter((p) => p.startsWith(`${nsA}/`))).toHaveLength(4);
    // B stopped at the failed `b` (after its retries): `d` never ran there.
    expect(statusB.tasks?.find((t) => t.name === 'd')?.state).toBe('skipped');
  }, 60_000);

  it('makes a new DAG version only when the spec changes, and reports every validation error', async () => {
    // No simulated behaviour: no runs.
    const ns = await plane().createNamespace('sync-versions');
    const { store } = await controller(ns);
    const [dag] = fixture('diamond.yaml');
    await apply(ns, [dag!]);
    await eventually('version 1', async () => (await dagStatus(ns, 'diamond'))?.version === 1);
    const path = `${GROUP}/${ns}/dags/diamond`;
    // Metadata only: same generation, no new version.
    await plane().admin.request('PATCH', path, { body: { metadata: { labels: { team: 'data' } } } });
    await plane().admin.request('PATCH', path, { body: { spec: { schedule: '0 3 * * *' } } });
    const v2 = await eventually('version 2', async () => {
      const s = await dagStatus(ns, 'diamond');
      return s?.version === 2 && s.observedGeneration === 2 ? s : undefined;
    });
    expect(v2).toMatchObject({ phase: 'Successful', valid: true });
    expect((await store.getDag({ namespace: ns, name: 'diamond' }))?.latestVersion).toBe(2);

    await apply(ns, [
      {
        apiVersion: 'kontroler.greedykomodo/v1alpha1',
        kind: 'DAG',
        metadata: { name: 'broken' },
        spec: {
          task: [
            { name: 'a', image: 'x', script: 'true', runAfter: ['b'] },
            { name: 'b', image: 'x', script: 'true', runAfter: ['a'] },
            { name: 'c', image: 'x', script: 'true', runAfter: ['missing'] },
          ],
        },
      },
    ]);
    const invalid = await eventually('invalid status', async () => {
      const s = await dagStatus(ns, 'broken');
      return s?.valid === false ? s : undefined;
    });
    expect(invalid.phase).toBe('Failed');
    expect(invalid.message.split('\n').length).toBeGreaterThanOrEqual(2);
    expect(invalid.message).toMatch(/missing/);
  });

  it('runs a DagRun applied right after a change of its DAG on the changed DAG, even when the change registers late', async () => {
    // Simulated: every pod Running → Succeeded(0).
    const ns = await plane().createNamespace('sync-dag-change');
    // Registering a DAG waits for `held`: held back, the DagRun is reconciled before its DAG's change.
    let held: Promise<void> = Promise.resolve();
    const { store } = await startSyncedEngine(plane(), ns, stops, {
      sync: { dagWaitMs: 10_000 },
      wrapEngine: (engine) => ({
        registerDag: async (doc) => {
          await held;
          return engine.registerDag(doc);
        },
        submit: (...args) => engine.submit(...args),
        getRun: (id) => engine.getRun(id),
        cancel: (id) => engine.cancel(id),
      }),
    });
    const [dag] = fixture('diamond.yaml');
    await apply(ns, [dag!]);
    await eventually('version 1', async () => (await dagStatus(ns, 'diamond'))?.version === 1);
    let release: () => void = () => {};
    held = new Promise((resolve) => (release = resolve));
    await plane().admin.request('PATCH', `${GROUP}/${ns}/dags/diamond`, {
      body: { spec: { schedule: '0 3 * * *' } },
    });
    await apply(ns, [
      {
        apiVersion: 'kontroler.greedykomodo/v1alpha1',
        kind: 'DagRun',
        metadata: { name: 'after-change' },
        spec: { dagName: 'diamond' },
      },
    ]);
    const pending = await runInPhase(ns, 'after-change', ['Pending']);
    expect(pending.message).toBe('waiting for DAG diamond (generation 2) to be registered');
    expect((await store.listRuns({ dag: { namespace: ns, name: 'diamond' } }, { limit: 10 })).items).toEqual(
      [],
    );
    release();
    const done = await runInPhase(ns, 'after-change', ['Succeeded'], 20_000);
    expect(done.version).toBe(2);
  });

  it('retries on a listed exit code and refuses an unlisted one, as the DagRun status shows', async () => {
    // Simulated: task "flaky" exits 2 once, then 0; task "hard" exits 3.
    const ns = await plane().createNamespace('sync-retry');
    await controller(ns);
    const node = plane().node;
    node.script(
      (p) => p.metadata?.namespace === ns && p.metadata.labels?.['kontroler.greedykomodo/task'] === 'flaky',
      { exitCode: 2 },
      { times: 1 },
    );
    node.script(
      (p) => p.metadata?.namespace === ns && p.metadata.labels?.['kontroler.greedykomodo/task'] === 'hard',
      { exitCode: 3 },
    );
    const dag = (name: string, task: string) => ({
      apiVersion: 'kontroler.greedykomodo/v1alpha1',
      kind: 'DAG',
      metadata: { name },
      spec: {
        task: [
          {
            name: task,
            image: 'x',
            script: 'exit 1',
            backoff: { limit: 2 },
            conditional: { enabled: true, retryCodes: [2] },
          },
        ],
      },
    });
    const run = (name: string, dagName: string) => ({
      apiVersion: 'kontroler.greedykomodo/v1alpha1',
      kind: 'DagRun',
      metadata: { name },
      spec: { dagName },
    });
    await apply(ns, [
      dag('retry-listed', 'flaky'),
      dag('retry-unlisted', 'hard'),
      run('r1', 'retry-listed'),
      run('r2', 'retry-unlisted'),
    ]);
    const listed = await runInPhase(ns, 'r1', ['Succeeded', 'Failed'], 20_000);
    expect(listed.phase).toBe('Succeeded');
    expect(listed.tasks).toEqual([
      expect.objectContaining({ name: 'flaky', state: 'succeeded', attempt: 2, exitCode: 0 }),
    ]);
    const unlisted = await runInPhase(ns, 'r2', ['Succeeded', 'Failed'], 20_000);
    expect(unlisted.phase).toBe('Failed');
    expect(unlisted.tasks).toEqual([
      expect.objectContaining({ name: 'hard', state: 'failed', attempt: 1, exitCode: 3 }),
    ]);
  }, 40_000);

  it('never starts a DagRun twice across controller restarts, and deleting a DAG suspends it but keeps history', async () => {
    // Simulated: pods Running → Succeeded(0).
    const ns = await plane().createNamespace('sync-restart');
    const first = await controller(ns);
    await apply(ns, fixture('diamond.yaml'));
    await eventually(
      'Succeeded',
      async () => (await runStatus(ns, 'diamond-1'))?.phase === 'Succeeded',
      20_000,
    );
    // A second sync on the same engine and store (a restarted controller) sees the same resources.
    const again = createCrdSync({
      kubeConfig: plane().restrictedKubeConfig,
      namespace: ns,
      engine: first.engine,
      store: first.store,
    });
    await again.start();
    await again.idle();
    await again.stop();
    const runs = await first.engine.listRuns({ dag: { namespace: ns, name: 'diamond' } }, { limit: 10 });
    expect(runs.items).toHaveLength(1);

    await plane().admin.request('DELETE', `${GROUP}/${ns}/dags/diamond`);
    const record = await eventually('suspended', async () => {
      const r = await first.store.getDag({ namespace: ns, name: 'diamond' });
      return r?.suspended ? r : undefined;
    });
    expect(record.latestVersion).toBe(1);
    expect(await first.store.getDagVersion({ namespace: ns, name: 'diamond' }, 1)).toBeDefined();
    expect(await first.engine.getRun(runs.items[0]!.id)).toBeDefined();
  }, 40_000);
});
