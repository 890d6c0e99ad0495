/**
 * Run limits on PostgreSQL (docs/run-limits.md): namespace limits, and the admission of queued
 * runs. Admission is one transaction that first takes a transaction-scoped advisory lock on the namespace,
 * so admissions of one namespace run one after another across every process on the database; counting the
 * runs that hold a slot and moving the chosen runs `queued → pending` happen under that lock, and the
 * lock is released by the commit that makes the new `pending` rows visible. A run never takes a slot any
 * other way while limits apply (the run service creates such runs `queued`), so no slot is used twice.
 */
import type { NamespaceLimits, Store } from '@kontroler/core';
import { runStatesBefore } from '@kontroler/core';
import { query } from '../db.js';
import { toRun, type RunRow } from '../rows.js';
import type { StoreContext } from './context.js';

export type LimitOperations = Pick<
  Store,
  'getNamespaceLimits' | 'setNamespaceLimits' | 'admitQueuedRuns' | 'listQueuedNamespaces' | 'queuePositions'
>;

/** Runs one admission starts, at most (the rest start at the next admission, which this one's runs cause). */
const ADMISSION_BATCH = 500;

interface LimitRow {
  namespace: string;
  max_active_runs: number | null;
  updated_at: Date;
  updated_by: string | null;
}

const toLimits = (row: LimitRow): NamespaceLimits => ({
  namespace: row.namespace,
  maxActiveRuns: row.max_active_runs,
  updatedAt: row.updated_at.getTime(),
  updatedBy: row.updated_by,
});

/**
 * The queued runs of namespace $1 that fit their DAG's limit (latest version) given the runs holding a slot,
 * in admission order, at most $2: each DAG's queue is cut at its free slots (`k`, the place in the DAG's
 * queue). Reads index columns only; the namespace's own limit is the caller's $2.
 */
const ADMISSIBLE_SQL = `
  with active as (
    select dag_name, count(*)::int as n from runs
     where namespace = $1 and state in ('pending', 'running') group by dag_name
  ), limits as (
    select d.name as dag_name, (v.spec ->> 'maxActiveRuns')::int as lim
      from dags d
      join dag_versions v on v.namespace = d.namespace and v.dag_name = d.name and v.version = d.latest_version
     where d.namespace = $1
  ), ranked as (
    select id, dag_name, priority, created_at, queue_seq,
           row_number() over (partition by dag_name order by priority desc, created_at, queue_seq) as k
      from runs where namespace = $1 and state = 'queued'
  )
  select r.id from ranked r
    left join active a on a.dag_name = r.dag_name
    left join limits l on l.dag_name = r.dag_name
   where l.lim is null or r.k <= l.lim - coalesce(a.n, 0)
   order by r.priority desc, r.created_at, r.queue_seq
   limit $2`;

export function limitOperations(ctx: StoreContext): LimitOperations {
  const { run, url, inTransaction } = ctx;
  return {
    async getNamespaceLimits(namespace) {
      const { rows } = await run<LimitRow>('select * from namespace_limits where namespace = $1', [
        namespace,
      ]);
      const row = rows[0];
      return row === undefined ? undefined : toLimits(row);
    },

    async setNamespaceLimits(input) {
      const { rows } = await run<LimitRow>(
        `insert into namespace_limits (namespace, max_active_runs, updated_at, updated_by)
         values ($1, $2, $3, $4)
         on conflict (namespace) do update
           set max_active_runs = excluded.max_active_runs, updated_at = excluded.updated_at,
               updated_by = excluded.updated_by
         returning *`,
        [input.namespace, input.maxActiveRuns, new Date(input.now), input.updatedBy],
      );
      return toLimits(rows[0] as LimitRow);
    },

    async admitQueuedRuns(namespace) {
      // Without the lock first: most calls (a run ended in a namespace with nothing queued) stop here.
      const any = await run('select 1 from runs where namespace = $1 and state = $2 limit 1', [
        namespace,
        'queued',
      ]);
      if (any.rowCount === 0) return [];
      return inTransaction(async (client) => {
        await query(
          client,
          url,
          `select pg_advisory_xact_lock(hashtextextended('kontroler.admission:' || $1, 0))`,
          [namespace],
        );
        const limitRows = await query<{ max_active_runs: number | null }>(
          client,
          url,
          'select max_active_runs from namespace_limits where namespace = $1',
          [namespace],
        );
        const namespaceLimit = limitRows.rows[0]?.max_active_runs ?? null;
        let free = ADMISSION_BATCH;
        if (namespaceLimit !== null) {
          const holding = await query<{ n: number }>(
            client,
            url,
            `select count(*)::int as n from runs where namespace = $1 and state in ('pending', 'running')`,
            [namespace],
          );
          free = Math.min(free, namespaceLimit - (holding.rows[0]?.n ?? 0));
        }
        if (free <= 0) return [];
        const admissible = await query<{ id: string }>(client, url, ADMISSIBLE_SQL, [namespace, free]);
        const chosen = admissible.rows.map((row) => row.id);
        if (chosen.length === 0) return [];
        // Guarded by the transition table like every run move (a queued run canceled meanwhile stays so).
        const updated = await query<RunRow>(
          client,
          url,
          `update runs set state = 'pending', revision = revision + 1
            where id = any($1::text[]) and state = any($2::text[]) returning *`,
          [chosen, runStatesBefore('pending')],
        );
        // In admission order, as chosen.
        const byId = new Map(updated.rows.map((row) => [row.id, toRun(row)]));
        return chosen.flatMap((id) => byId.get(id) ?? []);
      });
    },

    async listQueuedNamespaces(limit) {
      const { rows } = await run<{ namespace: string }>(
        `select distinct namespace from runs where state = 'queued' order by namespace limit $1`,
        [Math.max(0, limit)],
      );
      return rows.map((row) => row.namespace);
    },

    async queuePositions(runIds) {
      const positions = new Map<string, number>();
      if (runIds.length === 0) return positions;
      const { rows } = await run<{ id: string; position: number }>(
        `with asked as (
           select distinct namespace, dag_name from runs where id = any($1::text[]) and state = 'queued'
         ), ranked as (
           select r.id, row_number() over (
                    partition by r.namespace, r.dag_name
                    order by r.priority desc, r.created_at, r.queue_seq)::int as position
             from runs r join asked a on a.namespace = r.namespace and a.dag_name = r.dag_name
            where r.state = 'queued'
         )
         select id, position from ranked where id = any($1::text[])`,
        [runIds],
      );
      for (const row of rows) positions.set(row.id, row.position);
      return positions;
    },
  };
}
