/**
 * The SQL of the dashboard rollups, shared by their migration (triggers, backfill) and by retention. Each
 * rollup is a sum over the rows that exist now: a change adds the new row's figures and subtracts the old
 * row's, so a retried run moves from `failed` to `succeeded` and deleted runs leave the sums. Rows are
 * upserted in key order, so two transactions touching the same rollup rows lock them in the same order and
 * cannot deadlock. Migration 20261207030000 embeds this text: change it only together with a new migration.
 */

/** Hour (UTC) of a timestamp, independent of the session's time zone. */
export const hourOf = (column: string): string =>
  `date_bin('1 hour', ${column}, timestamptz '1970-01-01 00:00:00+00')`;

/** Milliseconds between two timestamptz columns, exact (timestamps are stored to the microsecond). */
export const msBetween = (from: string, to: string): string =>
  `(extract(epoch from (${to} - ${from})) * 1000)::bigint`;

/** Where finished runs are summed: per UTC hour (the 24-hour figures) and per UTC day (7 days, the chart). */
export const RUN_ROLLUPS = [
  { table: 'run_rollup', column: 'hour', width: '1 hour' },
  { table: 'run_rollup_daily', column: 'day', width: '1 day' },
] as const;

/**
 * Signed run figures from transition tables or queries into one rollup: `sources` are `[relation, sign]`
 * pairs. Only finished runs count; a `+1` and a `-1` of the same key cancel out (an update that changed
 * nothing).
 */
export function runRollupUpsert(
  sources: ReadonlyArray<readonly [string, 1 | -1]>,
  rollup: (typeof RUN_ROLLUPS)[number],
): string {
  const { table, column, width } = rollup;
  const parts = sources.map(
    ([relation, sign]) =>
      `select date_bin('${width}', finished_at, timestamptz '1970-01-01 00:00:00+00') as ${column}, namespace, dag_name, state,
              kontroler_duration_bucket(${msBetween('coalesce(started_at, created_at)', 'finished_at')}) as bucket,
              ${sign} as n
         from ${relation}
        where state in ('succeeded', 'failed', 'canceled') and finished_at is not null`,
  );
  return `insert into ${table} as r (${column}, namespace, dag_name, state, bucket, runs)
    select ${column}, namespace, dag_name, state, bucket, sum(n) from (${parts.join(' union all ')}) d
     group by ${column}, namespace, dag_name, state, bucket having sum(n) <> 0
     order by ${column}, namespace, dag_name, state, bucket
    on conflict (${column}, namespace, dag_name, state, bucket) do update set runs = r.runs + excluded.runs`;
}

/** Signed attempt figures (succeeded and failed attempts), keyed by their run's DAG. */
export function taskRollupUpsert(sources: ReadonlyArray<readonly [string, 1 | -1]>, runs = 'runs'): string {
  const parts = sources.map(
    ([relation, sign]) =>
      `select ${hourOf('finished_at')} as hour, run_id, task_name, state, ${sign} as n,
              case when started_at is null then 0 else ${sign} end as timed,
              case when started_at is null then 0
                   else ${sign} * greatest(0, ${msBetween('started_at', 'finished_at')}) end as ms
         from ${relation}
        where state in ('succeeded', 'failed') and finished_at is not null`,
  );
  return `insert into task_rollup as t (hour, namespace, dag_name, task_name, state, attempts, timed, duration_ms_sum)
    select d.hour, r.namespace, r.dag_name, d.task_name, d.state, sum(d.n), sum(d.timed), sum(d.ms)
      from (${parts.join(' union all ')}) d join ${runs} r on r.id = d.run_id
     group by d.hour, r.namespace, r.dag_name, d.task_name, d.state
    having sum(d.n) <> 0 or sum(d.timed) <> 0 or sum(d.ms) <> 0
     order by d.hour, r.namespace, r.dag_name, d.task_name, d.state
    on conflict (hour, namespace, dag_name, task_name, state) do update
       set attempts = t.attempts + excluded.attempts, timed = t.timed + excluded.timed,
           duration_ms_sum = t.duration_ms_sum + excluded.duration_ms_sum`;
}
