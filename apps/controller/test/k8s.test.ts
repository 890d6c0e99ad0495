/**
 * The controller against the real kube-apiserver (with the restricted, least-privilege client) and real
 * PostgreSQL: leader election with two electors (failover within the lease when the leader dies, hand-over
 * at once on release), a DAG run as pods, a DagRun resource synced and its status written back, and
 * SIGTERM of a child-process controller handing its work to another.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { createEngine, silentLogger, systemClock, type Engine } from '@kontroler/core';
import { uniqueName } from '@kontroler/core/testing';
import { createKubeClient } from '@kontroler/k8s-runtime';
import { createPostgresStore } from '@kontroler/postgres';
import { CoordinationV1Api, type V1Lease, type V1Pod } from '@kubernetes/client-node';
import { startController, type ControllerHandle } from '../src/controller.js';
import { createLeaderElector, type LeaderElector } from '../src/leader/elector.js';
import { createLeaseClient, type LeaseClient } from '../src/leader/lease-client.js';
import { configFrom, describeK8s, eventually, usePostgres, writeKubeconfig } from './support/env.js';
import { spawnController } from './support/process.js';

const pg = usePostgres();
const tmp = mkdtempSync(join(tmpdir(), 'kontroler-ctl-k8s-'));
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describeK8s('controller on the real apiserver', (plane) => {
  function electorPair(namespace: string, leaseSeconds: number, retryPeriodMs: number) {
    const api = createKubeClient(plane().restrictedKubeConfig);
    cleanups.push(() => api.close());
    const log: Array<{ who: string; leading: boolean; at: number }> = [];
    const make = (who: string, client: LeaseClient): LeaderElector => {
      const elector = createLeaderElector({
        client,
        identity: who,
        leaseSeconds,
        retryPeriodMs,
        clock: systemClock,
        logger: silentLogger,
        onStartedLeading: () => log.push({ who, leading: true, at: Date.now() }),
        onStoppedLeading: () => log.push({ who, leading: false, at: Date.now() }),
      });
      cleanups.push(() => elector.stop());
      return elector;
    };
    return { api, log, make, client: () => createLeaseClient(api, namespace, 'leader-test') };
  }

  it('fails over within the lease when the leader dies, never with two leaders at once', async () => {
    const ns = await plane().createNamespace('lead');
    const { log, make, client } = electorPair(ns, 2, 300);
    let dead = false;
    const real = client();
    // The leader "dies": every request of its loop fails from now on, and it never releases the Lease.
    const mortal: LeaseClient = {
      get: () => (dead ? Promise.reject(new Error('killed')) : real.get()),
      write: (next, create) => (dead ? Promise.reject(new Error('killed')) : real.write(next, create)),
    };
    const a = make('a', mortal);
    a.start();
    await eventually('a to lead', () => a.isLeader());
    const b = make('b', client());
    b.start();
    // While a renews, b waits: watch for longer than a lease.
    const watchUntil = Date.now() + 2500;
    while (Date.now() < watchUntil) {
      expect(b.isLeader()).toBe(false);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(a.isLeader()).toBe(true);

    const killedAt = Date.now();
    dead = true;
    await eventually('b to take over', () => b.isLeader(), 10_000, 20);
    const tookOverMs = Date.now() - killedAt;
    // Within the lease (2 s) plus a retry period and request time: never a second lease period.
    expect(tookOverMs).toBeLessThan(2 * 2000);
    const aStopped = log.find((e) => e.who === 'a' && !e.leading);
    const bStarted = log.find((e) => e.who === 'b' && e.leading);
    expect(aStopped).toBeDefined();
    // a stepped down (renew deadline) before b could take the Lease.
    expect(aStopped!.at).toBeLessThanOrEqual(bStarted!.at);
    const lease = await real.get();
    expect(lease).toMatchObject({ holder: 'b', transitions: 1 });
  });

  it('hands the Lease over at once when the leader stops', async () => {
    const ns = await plane().createNamespace('release');
    // A long lease: a successor that waited for expiry would need 30 s.
    const { make, client } = electorPair(ns, 30, 200);
    const a = make('a', client());
    a.start();
    await eventually('a to lead', () => a.isLeader());
    const b = make('b', client());
    b.start();
    await new Promise((r) => setTimeout(r, 500));
    expect(b.isLeader()).toBe(false);
    const stoppedAt = Date.now();
    await a.stop();
    expect(a.isLeader()).toBe(false);
    await eventually('b to lead after the release', () => b.isLeader(), 15_000, 20);
    // Far below the 30 s lease: b did not wait for it to expire (a third of it leaves room for a busy machine).
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
  });

  it('runs a DAG as pods, syncs a DagRun resource and writes its status back', async () => {
    const ns = await plane().createNamespace('run');
    const controller = await startController(
      configFrom({
        DATABASE_URL: pg().url,
        KONTROLER_DATABASE_SCHEMA: pg().schema(),
        KONTROLER_NAMESPACES: ns,
        KONTROLER_POD_NAMESPACE: ns,
        KONTROLER_LEADER_NAMESPACE: ns,
        KONTROLER_LEADER_LEASE_SECONDS: '5',
      }),
      { kubeConfig: plane().restrictedKubeConfig, pollIntervalMs: 200 },
    );
    cleanups.push(() => controller.stop());
    await eventually('leadership', () => controller.isLeader());
    await eventually(
      'readiness',
      async () => (await fetch(`http://127.0.0.1:${controller.port}/readyz`)).status === 200,
    );

    const { admin } = plane();
    const dag = uniqueName('pods');
    // Kontroler's CRD spec names the task list `task`.
    await admin.request('POST', `/apis/kontroler.greedykomodo/v1alpha1/namespaces/${ns}/dags`, {
      body: {
        apiVersion: 'kontroler.greedykomodo/v1alpha1',
        kind: 'DAG',
        metadata: { name: dag },
        spec: {
          task: [
            { name: 'first', image: 'busybox', command: ['true'] },
            { name: 'second', image: 'busybox', command: ['true'], runAfter: ['first'] },
          ],
        },
      },
    });
    await admin.request('POST', `/apis/kontroler.greedykomodo/v1alpha1/namespaces/${ns}/dagruns`, {
      body: {
        apiVersion: 'kontroler.greedykomodo/v1alpha1',
        kind: 'DagRun',
        metadata: { name: `${dag}-1` },
        spec: { dagName: dag },
      },
    });
    const status = await eventually(
      'DagRun status Succeeded',
      async () => {
        const resource = await admin.request<{ status?: { phase?: string; dagRunId?: string } }>(
          'GET',
          `/apis/kontroler.greedykomodo/v1alpha1/namespaces/${ns}/dagruns/${dag}-1`,
        );
        return resource.status?.phase === 'Succeeded' ? resource.status : undefined;
      },
      30_000,
    );
    const snapshot = await controller.engine.getRun(status.dagRunId ?? '');
    expect(snapshot?.run.state).toBe('succeeded');
    expect(snapshot?.attempts.map((a) => a.taskName).sort()).toEqual(['first', 'second']);
    const podsStarted = plane().node.started.filter((p) => p.startsWith(`${ns}/`));
    expect(podsStarted).toHaveLength(2);
    expect(new Set(podsStarted).size).toBe(2);
    expect(controller.podStats()).toEqual({
      created: 2,
      adopted: 0,
      logFollows: { active: 0, waiting: 0 },
    });
    const metrics = await (await fetch(`http://127.0.0.1:${controller.port}/metrics`)).text();
    expect(metrics).toMatch(/^kontroler_log_follows\{state="active"\} 0$/m);
    expect(metrics).toMatch(/^kontroler_log_follows\{state="waiting"\} 0$/m);
  });

  it('writes CRD status only while leading: a follower registers and submits, the new leader writes status', async () => {
    const ns = await plane().createNamespace('status-leader');
    const lease = uniqueName('lease');
    // Another replica holds the Lease first.
    const other = createLeaderElector({
      client: createLeaseClient(createKubeClient(plane().restrictedKubeConfig), ns, lease),
      identity: 'other',
      leaseSeconds: 2,
      retryPeriodMs: 200,
      clock: systemClock,
      logger: silentLogger,
      onStartedLeading: () => undefined,
      onStoppedLeading: () => undefined,
    });
    cleanups.push(() => other.stop());
    other.start();
    await eventually('other to lead', () => other.isLeader());
    const controller = await startController(
      configFrom({
        DATABASE_URL: pg().url,
        KONTROLER_DATABASE_SCHEMA: pg().schema(),
        KONTROLER_NAMESPACES: ns,
        KONTROLER_POD_NAMESPACE: ns,
        KONTROLER_LEADER_NAMESPACE: ns,
        KONTROLER_LEADER_LEASE_NAME: lease,
        KONTROLER_LEADER_LEASE_SECONDS: '2',
      }),
      { kubeConfig: plane().restrictedKubeConfig, pollIntervalMs: 200 },
    );
    cleanups.push(() => controller.stop());
    await eventually(
      'readiness',
      async () => (await fetch(`http://127.0.0.1:${controller.port}/readyz`)).status === 200,
    );
    expect(controller.isLeader()).toBe(false);

    const { admin } = plane();
    const base = `/apis/kontroler.greedykomodo/v1alpha1/namespaces/${ns}`;
    const dag = uniqueName('follow');
    await admin.request('POST', `${base}/dags`, {
      body: {
        apiVersion: 'kontroler.greedykomodo/v1alpha1',
        kind: 'DAG',
        metadata: { name: dag },
        spec: { task: [{ name: 'only', image: 'busybox', command: ['true'] }] },
      },
    });
    await admin.request('POST', `${base}/dagruns`, {
      body: {
        apiVersion: 'kontroler.greedykomodo/v1alpha1',
        kind: 'DagRun',
        metadata: { name: `${dag}-1` },
        spec: { dagName: dag },
      },
    });
    // The follower registers the DAG and runs the DagRun, but writes no status.
    const runs = await eventually(
      'run finished in the store',
      async () => {
        const page = await controller.engine.listRuns({ dag: { namespace: ns, name: dag } }, { limit: 10 });
        return page.items[0]?.state === 'succeeded' ? page.items : undefined;
      },
      30_000,
    );
    expect(runs).toHaveLength(1);
    const read = <S>(plural: string, name: string) =>
      admin.request<{ status?: S }>('GET', `${base}/${plural}/${name}`).then((r) => r.status);
    expect(await read('dags', dag)).toBeUndefined();
    expect(await read('dagruns', `${dag}-1`)).toBeUndefined();

    // The other replica goes away: this one leads and writes the current status of every resource.
    await other.stop();
    await eventually('controller to lead', () => controller.isLeader(), 10_000);
    const runStatus = await eventually('DagRun status Succeeded', async () => {
      const s = await read<{ phase?: string; dagRunId?: string }>('dagruns', `${dag}-1`);
      return s?.phase === 'Succeeded' ? s : undefined;
    });
    expect(runStatus.dagRunId).toBe(runs[0]?.id);
    // The new leader reconciles every resource through its work queue, in no set order: on a busy machine
    // the DagRun's status came first (the DAG's waits on registering it again), so wait for the DAG's too.
    const dagStatus = await eventually('DAG status written', () => read('dags', dag));
    expect(dagStatus).toMatchObject({ phase: 'Successful', valid: true, version: 1 });
  });

  it('on SIGTERM a child-process controller exits 0, hands its leases and the Lease back, and another finishes the run', async () => {
    const ns = await plane().createNamespace('term');
    const schema = pg().schema();
    const { connection, node } = plane();
    const kubeconfig = writeKubeconfig(tmp, {
      url: connection.url,
      caData: connection.caData,
      token: connection.controllerToken,
      user: `ctl-${ns}`,
    });
    node.script('slow', { exitCode: 0, afterMs: 8000, logs: ['working'] });
    const env = {
      DATABASE_URL: pg().url,
      KONTROLER_DATABASE_SCHEMA: schema,
      KUBECONFIG: kubeconfig,
      KONTROLER_NAMESPACES: ns,
      KONTROLER_POD_NAMESPACE: ns,
      KONTROLER_LEADER_NAMESPACE: ns,
      KONTROLER_LEADER_LEASE_SECONDS: '15',
      KONTROLER_METRICS_PORT: '0',
      KONTROLER_SHUTDOWN_GRACE_MS: '1000',
    };
    const child = spawnController({ ...env, POD_NAME: 'child-a' });
    cleanups.push(() => child.kill());
    await child.waitFor('became leader');

    const store = await createPostgresStore({ url: pg().url, schema });
    cleanups.push(() => store.close());
    const submitter: Engine = createEngine({ store });
    const dag = uniqueName('term');
    await submitter.registerDag({
      name: dag,
      namespace: ns,
      tasks: [
        { name: 'slow', image: 'busybox', command: ['true'] },
        { name: 'after', image: 'busybox', command: ['true'], runAfter: ['slow'] },
      ],
    });
    const run = await submitter.submit({ namespace: ns, name: dag });
    const claimed = await eventually(
      'the child to run the slow task',
      async () => {
        const snapshot = await store.getRunSnapshot(run.id);
        const slow = snapshot?.attempts.find((a) => a.taskName === 'slow');
        return slow?.state === 'running' && slow.leaseOwner?.startsWith('child-a') ? slow : undefined;
      },
      30_000,
    );
    await eventually('the slow pod', () => node.started.some((p) => p.startsWith(`${ns}/slow`)), 15_000);

    const signalledAt = Date.now();
    const code = await child.kill('SIGTERM');
    const exitMs = Date.now() - signalledAt;
    expect(code, child.text().slice(-4000)).toBe(0);
    expect(exitMs).toBeLessThan(1000 + 4000);

    const handedBack = (await store.getRunSnapshot(run.id))?.attempts.find((a) => a.id === claimed.id);
    expect(handedBack?.state).toBe('running');
    expect(handedBack?.leaseExpiresAt).toBeLessThanOrEqual(Date.now());
    const lease = await plane()
      .restrictedKubeConfig.makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'kontroler-controller', namespace: ns });
    expect((lease as V1Lease).spec?.holderIdentity ?? null).toBeNull();

    const successor: ControllerHandle = await startController(
      configFrom({ ...env, KONTROLER_SHUTDOWN_GRACE_MS: '2000' }, 'successor'),
      { kubeConfig: plane().restrictedKubeConfig, pollIntervalMs: 200 },
    );
    cleanups.push(() => successor.stop());
    const done = await eventually(
      'the successor to finish the run',
      async () => {
        const snapshot = await store.getRunSnapshot(run.id);
        return snapshot?.run.state === 'succeeded' ? snapshot : undefined;
      },
      40_000,
    );
    expect(done.attempts.filter((a) => a.taskName === 'slow')).toHaveLength(1);
    // The slow pod was adopted, never created twice.
    const slowPods = node.started.filter((p) => p.startsWith(`${ns}/slow`));
    expect(slowPods).toHaveLength(1);
    expect(successor.podStats()?.adopted).toBe(1);
    const pods = await plane().admin.request<{ items: V1Pod[] }>('GET', `/api/v1/namespaces/${ns}/pods`);
    expect(
      pods.items.every((p) => p.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'kontroler'),
    ).toBe(true);
  }, 120_000);
});
