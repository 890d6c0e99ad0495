/**
 * Dashboard benchmark (`npm run bench -- dashboard`): the API's aggregate endpoints over 1,000,000 runs in
 * embedded PostgreSQL with its default durable settings. Runs are seeded with generate_series in batches
 * (so the rollup triggers do the work they do in production, a statement at a time): 50 DAGs in 2
 * namespaces, finished over the last 30 days, 2 finished attempts each, plus waiting runs and schedules.
 * Then each endpoint is called over HTTP, one request at a time, and the home page's three requests
 * together, as the console sends them. Target: p95 < 100 ms.
 *
 * Options (env): BENCH_RUNS (default 1000000), BENCH_SAMPLES per row (default 200).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, printMachine, printTable, versus, type BenchRow } from './lib/report.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const BATCH = 100_000;
const DAGS = 50;
const fmt = (n: number, digits = 1): string => n.toFixed(digits);

async function main(): Promise<void> {
  const { createEngine } = await import('@kontroler/core');
  const { createPostgresStore, startEmbeddedPostgres } = await import('@kontroler/postgres');
  const { createApp } = await import('../apps/api/src/app.js');
  const { hashPassword } = await import('../apps/api/src/auth/crypto.js');
  const { createIdentity } = await import('../apps/api/src/auth/identity.js');
  const log = (message: string): void => void process.stderr.write(`[bench:dashboard] ${message}\n`);

  const dataDir = mkdtempSync(join(tmpdir(), 'kontroler-bench-dashboard-'));
  log('starting embedded PostgreSQL (default durable settings)');
  const pg = await startEmbeddedPostgres({ dataDir, settings: { shared_buffers: '256MB' } });
  let server: Server | undefined;
  const store = await createPostgresStore({ url: pg.url, poolSize: 20 });
  try {
    const engine = createEngine({ store });
    const app = createApp({ store, engine, sql: store.sql, auth: { jwtSecret: 'd'.repeat(48) } });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server?.once('listening', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const identity = createIdentity(store.sql);
    const login = async (
      username: string,
      grants: Array<{ role: 'admin' | 'viewer'; namespace: string | null }>,
    ) => {
      await identity.createUser({
        username,
        passwordHash: await hashPassword('bench-password'),
        mustChangePassword: false,
        grants,
      });
      const reply = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: 'bench-password' }),
      });
      return ((await reply.json()) as { accessToken: string }).accessToken;
    };
    const admin = await login('bench-admin', [{ role: 'admin', namespace: null }]);
    const viewer = await login('bench-viewer', [{ role: 'viewer', namespace: 'team-a' }]);

    for (let d = 0; d < DAGS; d++) {
      const namespace = d % 2 === 0 ? 'team-a' : 'team-b';
      const reply = await fetch(`${url}/api/v1/namespaces/${namespace}/dags`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `dag-${d}`,
          schedule: `${d % 60} * * * *`,
          tasks: [
            { name: 'a', image: 'alpine', command: ['true'] },
            { name: 'b', image: 'alpine', command: ['true'], runAfter: ['a'] },
          ],
        }),
      });
      if (reply.status !== 201) throw new Error(`DAG create failed: ${reply.status}`);
    }

    log(`seeding ${RUNS.toLocaleString('en')} finished runs and ${(2 * RUNS).toLocaleString('en')} attempts`);
    const seedStart = performance.now();
    // Finished over the last 30 days; 1 in 10 failed, 1 in 50 canceled; durations 1–600 s.
    for (let from = 1; from <= RUNS; from += BATCH) {
      const to = Math.min(RUNS, from + BATCH - 1);
      await store.transaction(async (sql) => {
        await sql(
          `insert into runs (id, dag_name, namespace, dag_version, state, parameters, trigger, created_at, started_at, finished_at)
           select 'seed-' || g, 'dag-' || (g % ${DAGS}), case when g % ${DAGS} % 2 = 0 then 'team-a' else 'team-b' end, 1,
                  case when g % 50 = 0 then 'canceled' when g % 10 = 0 then 'failed' else 'succeeded' end, '{}', 'schedule',
                  f - (1 + g % 600) * interval '1 second' - interval '2 seconds',
                  f - (1 + g % 600) * interval '1 second', f
             from generate_series($1::int, $2::int) g,
                  lateral (select now() - (g::float8 / $3) * interval '30 days' as f) t`,
          [from, to, RUNS],
        );
        await sql(
          `insert into attempts (id, run_id, task_name, attempt, round, state, exit_code, created_at, started_at, finished_at)
           select r.id || '-' || t, r.id, t, 1, 1, case when r.state = 'failed' and t = 'b' then 'failed' else 'succeeded' end,
                  0, r.started_at, r.started_at, r.finished_at
             from runs r, unnest(array['a', 'b']) t
            where r.id = any(array(select 'seed-' || g from generate_series($1::int, $2::int) g))`,
          [from, to],
        );
      });
      log(`  ${to.toLocaleString('en')} runs`);
    }
    await store.sql(
      `insert into runs (id, dag_name, namespace, dag_version, state, parameters, trigger, created_at)
       select 'wait-' || g, 'dag-' || (g % ${DAGS}), case when g % ${DAGS} % 2 = 0 then 'team-a' else 'team-b' end, 1,
              'pending', '{}', 'api', now() - g * interval '1 second'
         from generate_series(1, 1000) g`,
    );
    await store.sql('analyze');
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const [sizes] = await store.sql<{ runs: number; tasks: number }>(
      'select (select count(*)::int from run_rollup) as runs, (select count(*)::int from task_rollup) as tasks',
    );
    log(`seeded in ${fmt(seedSeconds)} s; rollup rows: ${sizes?.runs} runs, ${sizes?.tasks} tasks`);

    const get = async (path: string, token: string): Promise<void> => {
      const reply = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
      if (reply.status !== 200) throw new Error(`${path}: ${reply.status} ${await reply.text()}`);
      await reply.arrayBuffer();
    };
    const measure = async (call: () => Promise<unknown>): Promise<number[]> => {
      for (let i = 0; i < 10; i++) await call();
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const start = performance.now();
        await call();
        times.push(performance.now() - start);
      }
      return times;
    };
    const row = (name: string, times: number[], note?: string): BenchRow => {
      const p95 = percentile(times, 95);
      return {
        name,
        value: `p50 ${fmt(percentile(times, 50), 2)} ms, p95 ${fmt(p95, 2)} ms`,
        target: 'p95 < 100 ms',
        ratio: versus(p95, 100, 'ms'),
        ...(note ? { note } : {}),
      };
    };
    const V1 = '/api/v1/dashboard';
    const rows: BenchRow[] = [
      row(
        `summary (states, 50 DAGs × 24 h/7 d, 14 days), ${RUNS.toLocaleString('en')} runs`,
        await measure(() => get(`${V1}/summary`, admin)),
        `global admin; seeded in ${fmt(seedSeconds)} s`,
      ),
      row('  same, a viewer of one namespace', await measure(() => get(`${V1}/summary`, viewer))),
      row('tasks (slowest, most failing; 7 d)', await measure(() => get(`${V1}/tasks`, admin))),
      row('queue (1,000 waiting runs, 50 schedules)', await measure(() => get(`${V1}/queue`, admin))),
      row(
        'home page: the three together',
        await measure(() =>
          Promise.all([get(`${V1}/summary`, admin), get(`${V1}/tasks`, admin), get(`${V1}/queue`, admin)]),
        ),
        `rollup rows: ${sizes?.runs} (runs), ${sizes?.tasks} (tasks)`,
      ),
    ];
    printTable('dashboard API (embedded PostgreSQL, synchronous_commit=on)', rows);
    printMachine({
      'load start': loadavg()
        .map((n) => n.toFixed(1))
        .join(' / '),
    });
  } finally {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await store.close();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
