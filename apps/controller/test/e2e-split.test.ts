/**
 * The deployed shape, end to end: the API (`KONTROLER_RUNTIME=none`) and two controller replicas as separate
 * OS processes over one PostgreSQL and the real kube-apiserver (pods run on the harness's fake kubelet).
 * DAGs named alike in two namespaces; runs triggered through the API; live SSE read at the API while the
 * controllers execute; the controller holding a running attempt is SIGKILLed mid-run. Every run must reach
 * its outcome, no attempt's pod may be created twice, and SSE must show every transition once, in order.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '@kontroler/postgres';
import { openSse, type SseClient } from '../../api/test/support/sse-client.js';
import { watchPods } from './reliability/chaos.js';
import { describeK8s, eventually, usePostgres, writeKubeconfig } from './support/env.js';
import { spawnApi, spawnController, type ControllerProcess } from './support/process.js';

const pg = usePostgres();
const tmp = mkdtempSync(join(tmpdir(), 'kontroler-e2e-split-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface EventData {
  run: { id: string; state: string; namespace: string };
  attempt?: { id: string; taskName: string; attempt: number; state: string };
}

/** Pods of every task run this long, so that a kill lands while attempts are running. */
const TASK_MS = 2500;

const fanIn = (name: string) => ({
  name,
  tasks: [
    { name: 'a', image: 'busybox', command: ['true'] },
    { name: 'b1', image: 'busybox', command: ['true'], runAfter: ['a'] },
    { name: 'b2', image: 'busybox', command: ['true'], runAfter: ['a'] },
    { name: 'join', image: 'busybox', command: ['true'], runAfter: ['b1', 'b2'] },
  ],
});
const failing = (name: string) => ({
  name,
  tasks: [
    { name: 'broken', image: 'busybox', command: ['false'], backoff: { limit: 1 } },
    { name: 'never', image: 'busybox', command: ['true'], runAfter: ['broken'] },
  ],
});

describeK8s('one system across processes', (plane) => {
  it('runs DAGs of two namespaces through the API on two controllers, one SIGKILLed, with every transition on SSE once', async () => {
    const t0 = Date.now();
    const nsA = await plane().createNamespace('e2e-a');
    const nsB = await plane().createNamespace('e2e-b');
    // A database of its own: the API and the controllers all use its default schema, as deployed.
    const database = `e2e_${randomBytes(4).toString('hex')}`;
    const admin: PostgresStore = await createPostgresStore({ url: pg().url, migrate: false });
    await admin.sql(`create database ${database}`);
    await admin.close();
    const url = new URL(pg().url);
    url.pathname = `/${database}`;
    const databaseUrl = url.href;

    const kubeconfig = writeKubeconfig(tmp, {
      url: plane().connection.url,
      caData: plane().connection.caData,
      token: plane().connection.controllerToken,
      user: `e2e-${nsA}`,
    });
    const processes: ControllerProcess[] = [];
    const controller = (i: number): ControllerProcess => {
      const p = spawnController({
        DATABASE_URL: databaseUrl,
        KUBECONFIG: kubeconfig,
        POD_NAME: `ctl-${i}`,
        KONTROLER_NAMESPACES: `${nsA},${nsB}`,
        KONTROLER_POD_NAMESPACE: nsA,
        KONTROLER_LEADER_NAMESPACE: nsA,
        KONTROLER_LEADER_LEASE_SECONDS: '3',
        KONTROLER_ATTEMPT_LEASE_MS: '3000',
        KONTROLER_METRICS_PORT: '0',
        KONTROLER_SHUTDOWN_GRACE_MS: '1000',
        LOG_LEVEL: 'info',
      });
      processes.push(p);
      return p;
    };
    const api = spawnApi({
      DATABASE_URL: databaseUrl,
      KONTROLER_RUNTIME: 'none',
      KONTROLER_ENV: 'development',
      DATA_DIR: join(tmp, 'api'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    processes.push(api);
    const store = await createPostgresStore({ url: databaseUrl });
    const pods = watchPods(plane(), nsA);
    const podsB = watchPods(plane(), nsB);
    await pods.informer.start();
    await podsB.informer.start();
    let sse: SseClient | undefined;
    try {
      const [ctl0, ctl1] = [controller(0), controller(1)];
      await Promise.all([
        api.waitFor('Kontroler is running at', 180_000),
        ctl0.waitFor('controller started', 180_000),
        ctl1.waitFor('controller started', 180_000),
      ]);
      const started = Date.now() - t0;
      const base = /running at (http:\/\/\S+)/.exec(api.text())?.[1]?.replace('localhost', '127.0.0.1') ?? '';
      const password = /one-time password: (\S+)/.exec(api.text())?.[1] ?? '';
      const call = async <T>(method: string, path: string, token?: string, body?: unknown) => {
        const response = await fetch(base + path, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await response.text();
        return { status: response.status, text, body: (text ? JSON.parse(text) : {}) as T };
      };
      const login = await call<{ accessToken: string }>('POST', '/api/v1/auth/login', undefined, {
        username: 'admin',
        password,
      });
      expect(login.status, login.text).toBe(200);
      const changed = await call<{ accessToken: string }>(
        'POST',
        '/api/v1/me/password',
        login.body.accessToken,
        {
          currentPassword: password,
          newPassword: 'e2e-password-long-enough',
        },
      );
      expect(changed.status, changed.text).toBe(200);
      const token = changed.body.accessToken;

      // The same DAG name in both namespaces: `etl` fans in and succeeds in A, fails in B.
      for (const [ns, doc] of [
        [nsA, fanIn('etl')],
        [nsB, failing('etl')],
      ] as const) {
        const saved = await call('POST', `/api/v1/namespaces/${ns}/dags`, token, doc);
        expect(saved.status, saved.text).toBe(201);
      }
      plane().node.setDefault({ exitCode: 0, afterMs: TASK_MS });
      plane().node.script((pod) => pod.metadata?.labels?.['kontroler.greedykomodo/task'] === 'broken', {
        exitCode: 3,
        afterMs: 500,
      });

      sse = await openSse(`${base}/api/v1/events`, { authorization: `Bearer ${token}` });
      expect(sse.status).toBe(200);
      const expected = new Map<string, { ns: string; outcome: string }>();
      for (const [ns, outcome, count] of [
        [nsA, 'succeeded', 2],
        [nsB, 'failed', 1],
      ] as const) {
        for (let i = 0; i < count; i++) {
          const run = await call<{ id: string }>('POST', `/api/v1/namespaces/${ns}/dags/etl/runs`, token, {});
          expect(run.status, run.text).toBe(201);
          expected.set(run.body.id, { ns, outcome });
        }
      }

      // Mid-run: kill the replica holding a running attempt, so the other one must take it over.
      const { victim, orphan } = await eventually(
        'an attempt running on a controller',
        async () => {
          for (const id of expected.keys()) {
            const snapshot = await store.getRunSnapshot(id);
            const running = snapshot?.attempts.find((a) => a.state === 'running' && a.leaseOwner !== null);
            if (running?.leaseOwner?.startsWith('ctl-0-')) return { victim: ctl0, orphan: running };
            if (running?.leaseOwner?.startsWith('ctl-1-')) return { victim: ctl1, orphan: running };
          }
          return undefined;
        },
        60_000,
        50,
      );
      await victim.kill('SIGKILL');
      const killedAt = Date.now() - t0;

      await eventually(
        'every run to finish',
        async () => {
          for (const id of expected.keys()) {
            const run = await store.getRun(id);
            if (run === undefined || run.state === 'pending' || run.state === 'running') return false;
          }
          return true;
        },
        60_000,
        100,
      );
      for (const [id, { ns, outcome }] of expected) {
        const run = await call<{ run: { state: string } }>(
          'GET',
          `/api/v1/namespaces/${ns}/runs/${id}`,
          token,
        );
        expect(run.status, run.text).toBe(200);
        expect(run.body.run.state, `run ${id}`).toBe(outcome);
      }
      // SSE: wait for every run's run.finished, then check every attempt's transitions.
      for (const id of expected.keys()) {
        await sse.waitFor(
          (e) => e.event === 'run.finished' && (JSON.parse(e.data) as EventData).run.id === id,
          30_000,
        );
      }
      const events = sse.events.filter((e) => e.event !== 'reset');
      const ids = events.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size).toBe(ids.length);
      for (const [id, { outcome }] of expected) {
        const snapshot = await store.getRunSnapshot(id);
        const ofRun = events.filter((e) => (JSON.parse(e.data) as EventData).run.id === id);
        const names = ofRun.map((e) => e.event);
        expect(names[0], `run ${id}`).toBe('run.created');
        expect(names[1], `run ${id}`).toBe('run.started');
        expect(names.at(-1), `run ${id}`).toBe('run.finished');
        expect(
          names.filter((n) => n.startsWith('run.')),
          `run ${id}`,
        ).toEqual(['run.created', 'run.started', 'run.finished']);
        expect((JSON.parse(ofRun.at(-1)?.data ?? '{}') as EventData).run.state).toBe(outcome);
        for (const attempt of snapshot?.attempts ?? []) {
          const seen = ofRun
            .filter((e) => (JSON.parse(e.data) as EventData).attempt?.id === attempt.id)
            .map((e) => e.event);
          const label = `${attempt.taskName}#${attempt.attempt} of ${id}: ${seen.join(', ')}`;
          // Each transition of the attempt once, in lifecycle order.
          const want =
            attempt.state === 'skipped'
              ? ['task.skipped']
              : attempt.attempt > 1
                ? ['task.started', `task.${attempt.state}`]
                : ['task.ready', 'task.started', `task.${attempt.state}`];
          expect(
            seen.filter((n) => n !== 'task.retrying'),
            label,
          ).toEqual(want);
        }
      }
      // The attempt the killed replica held was finished by the survivor, on the pod it had created.
      const taken = (await store.getRunSnapshot(orphan.runId))?.attempts.find((a) => a.id === orphan.id);
      expect(taken?.state, `${orphan.taskName} held by the killed replica`).toMatch(/^(succeeded|failed)$/);
      expect(taken?.attempt).toBe(orphan.attempt);
      // No attempt's pod was created twice, the killed replica's included (the survivor adopted it).
      const uids = [...pods.uids.values(), ...podsB.uids.values()];
      expect(uids.filter((s) => s.size > 1)).toEqual([]);
      const attempts = (
        await Promise.all(
          [...expected.keys()].map(async (id) => (await store.getRunSnapshot(id))?.attempts ?? []),
        )
      ).flat();
      expect(uids.length).toBe(attempts.filter((a) => a.state !== 'skipped').length);
      process.stdout.write(
        `e2e split: processes up after ${started} ms, kill at ${killedAt} ms, done after ${Date.now() - t0} ms, ` +
          `${ids.length} SSE events, ${uids.length} pods\n`,
      );
    } finally {
      sse?.close();
      pods.informer.stop();
      podsB.informer.stop();
      await Promise.all(
        processes.map(async (p) => {
          if (p.exited()) return;
          const timer = setTimeout(() => void p.kill('SIGKILL'), 10_000);
          await p.kill('SIGTERM');
          clearTimeout(timer);
        }),
      );
      await store.close();
    }
  }, 300_000);
});
