/**
 * The dashboard rollups against the rows they sum: after a mixed workload (inserts in bulk, commits that
 * finish, retry and re-finish runs, retention) every rollup row equals a GROUP BY over `runs` and `attempts`,
 * and PostgreSQL's duration bucket equals core's for every duration tried.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durationBucket, MAX_BUCKETED_MS } from '@kontroler/core';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore, type PostgresStore } from '@kontroler/postgres';
import { T0, makeAttempt, makeRun } from './helpers.js';

let db: TestDatabase;
let store: PostgresStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await createPostgresStore({ url: db.url });
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

/** The rollups recomputed from scratch, minus the rollups as kept: every row should be zero. */
async function drift(): Promise<unknown[]> {
  const runs: unknown[] = [];
  for (const [table, column, width] of [
    ['run_rollup', 'hour', '1 hour'],
    ['run_rollup_daily', 'day', '1 day'],
  ] as const) {
    runs.push(
      ...(await store.sql(
        `with truth as (
           select date_bin('${width}', finished_at, timestamptz 'epoch') as ${column}, namespace, dag_name, state,
                  kontroler_duration_bucket((extract(epoch from finished_at - coalesce(started_at, created_at)) * 1000)::bigint) as bucket,
                  count(*)::int as runs
             from runs where state in ('succeeded', 'failed', 'canceled') and finished_at is not null
            group by 1, 2, 3, 4, 5)
         select '${table}' as rollup, * from truth t full join ${table} r using (${column}, namespace, dag_name, state, bucket)
          where coalesce(t.runs, 0) <> coalesce(r.runs, 0)`,
      )),
    );
  }
  const tasks = await store.sql(
    `with truth as (
       select date_bin('1 hour', a.finished_at, timestamptz 'epoch') as hour, r.namespace, r.dag_name, a.task_name,
              a.state, count(*)::int as attempts, count(a.started_at)::int as timed,
              coalesce(sum(greatest(0, (extract(epoch from a.finished_at - a.started_at) * 1000)::bigint)), 0)::bigint as ms
         from attempts a join runs r on r.id = a.run_id
        where a.state in ('succeeded', 'failed') and a.finished_at is not null
        group by 1, 2, 3, 4, 5)
     select * from truth t full join task_rollup k using (hour, namespace, dag_name, task_name, state)
      where coalesce(t.attempts, 0) <> coalesce(k.attempts, 0) or coalesce(t.timed, 0) <> coalesce(k.timed, 0)
         or coalesce(t.ms, 0) <> coalesce(k.duration_ms_sum, 0)`,
  );
  return [...runs, ...tasks];
}

describe('dashboard rollups', () => {
  it('bucket durations exactly as core does', async () => {
    const samples = fc.sample(fc.integer({ min: -5, max: MAX_BUCKETED_MS + 10 }), 2000);
    samples.push(0, 1, 2, 3, 4, 1023, 1024, 1025, 2 ** 30, MAX_BUCKETED_MS);
    const rows = await store.sql<{ ms: string; bucket: number }>(
      'select ms::text, kontroler_duration_bucket(ms) as bucket from unnest($1::bigint[]) as ms',
      [samples],
    );
    expect(rows.map((r) => r.bucket)).toEqual(rows.map((r) => durationBucket(Number(r.ms))));
  });

  it('equal a GROUP BY over runs and attempts after bulk inserts, commits, retries and retention', async () => {
    const ns = 'rollup';
    // Bulk: many runs and attempts in one statement each, as a seed or a migration would write them.
    await store.sql(
      `insert into runs (id, dag_name, namespace, dag_version, state, trigger, created_at, started_at, finished_at)
       select 'bulk-' || g, 'dag-' || (g % 3), $1, 1, (array['succeeded', 'failed', 'canceled', 'running'])[1 + g % 4],
              'api', $2::timestamptz + g * interval '7 minutes', $2::timestamptz + g * interval '7 minutes' + interval '1 second',
              case when g % 4 = 3 then null else $2::timestamptz + g * interval '7 minutes' + (g % 17) * interval '1 second' end
         from generate_series(1, 400) g`,
      [ns, new Date(T0)],
    );
    await store.sql(
      `insert into attempts (id, run_id, task_name, attempt, round, state, created_at, started_at, finished_at)
       select r.id || '-' || t, r.id, t, 1, 1, case when r.state = 'failed' and t = 'b' then 'failed' else 'succeeded' end,
              r.created_at, case when t = 'c' then null else r.started_at end, coalesce(r.finished_at, r.started_at)
         from runs r, unnest(array['a', 'b', 'c']) t where r.namespace = $1`,
      [ns],
    );
    expect(await drift()).toEqual([]);

    // Through the store: finish, retry, re-finish; a run created already finished.
    const run = makeRun({ namespace: ns, dagName: 'live', state: 'running', startedAt: T0 });
    await store.createRun({
      run,
      attempts: [makeAttempt(run.id, { taskName: 'x', state: 'running', startedAt: T0 })],
    });
    const [attempt] = (await store.getRunSnapshot(run.id))?.attempts ?? [];
    await store.commitRun({
      runId: run.id,
      expectRevision: 0,
      run: { state: 'failed', finishedAt: T0 + 5000 },
      attempts: [
        { id: attempt?.id ?? '', expectState: 'running', set: { state: 'failed', finishedAt: T0 + 4000 } },
      ],
    });
    expect(await drift()).toEqual([]);
    await store.commitRun({ runId: run.id, expectRevision: 1, run: { state: 'running', finishedAt: null } });
    expect(await drift()).toEqual([]);
    await store.commitRun({
      runId: run.id,
      expectRevision: 2,
      run: { state: 'succeeded', finishedAt: T0 + 9000 },
    });
    expect(await drift()).toEqual([]);

    // Retention deletes in batches; the sums lose exactly what it deleted.
    while ((await store.deleteFinishedRuns(T0 + 24 * 3_600_000, 37)) > 0);
    expect(await drift()).toEqual([]);
    const [left] = await store.sql<{ n: number }>(
      'select coalesce(sum(runs), 0)::int as n from run_rollup_daily',
    );
    const [finished] = await store.sql<{ n: number }>(
      `select count(*)::int as n from runs where state in ('succeeded', 'failed', 'canceled')`,
    );
    expect(left?.n).toBe(finished?.n);
    expect(finished?.n).toBeGreaterThan(0);
  });
});
