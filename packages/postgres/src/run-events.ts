/**
 * The run event journal in PostgreSQL (`run_events`). Writers append inside the transaction of the run
 * change (as CTEs of `commitRun`'s statement, or a statement of `createRun`'s transaction) and NOTIFY
 * `kontroler_events` with the newest id. Ids must become visible in id order, or a reader following
 * `id > last` would step over an id that commits later: every writer takes one transaction-scoped
 * advisory lock per schema before it draws ids, so ids are drawn in commit order. Readers never lock.
 */
import type { RunEventBounds, RunEventInput, RunEventQuery, StoredRunEvent } from '@kontroler/core';
import { prepared, query, type Queryable } from './db.js';
import type { Param } from './rows.js';

import { EVENTS_CHANNEL } from './notify.js';

/** Stores cap a read at this many events. */
const MAX_READ = 1000;

const LOCK_KEY = `hashtext('kontroler:run_events:' || current_schema())`;

/**
 * CTEs that journal `events` (named `ev_lock` and `ev`). With `after`, the name of a CTE that returns a
 * row only when the change was written, the lock is taken, and the rows are written, only after it.
 */
export function journalCtes(events: readonly RunEventInput[], p: Param, after: string | null): string[] {
  const source = after ?? '(select 1) one';
  return [
    `ev_lock as (select pg_advisory_xact_lock(${LOCK_KEY}) from ${source} limit 1)`,
    `ev as (insert into run_events (namespace, run_id, attempt_id, type, payload, key, created_at)
      select e.namespace, e.run_id, e.attempt_id, e.type, e.payload, e.key, e.created_at
        from ev_lock, unnest(${p(events.map((e) => e.namespace))}::text[], ${p(events.map((e) => e.runId))}::text[],
                    ${p(events.map((e) => e.attemptId))}::text[], ${p(events.map((e) => e.type))}::text[],
                    ${p(events.map((e) => JSON.stringify(e.payload)))}::jsonb[], ${p(events.map((e) => e.key ?? null))}::text[],
                    ${p(events.map((e) => new Date(e.createdAt)))}::timestamptz[])
             with ordinality as e(namespace, run_id, attempt_id, type, payload, key, created_at, ord)
       order by e.ord
      on conflict (key) where key is not null do nothing
      returning id)`,
  ];
}

/** A select-list item that NOTIFYs readers with the newest id when `ev` wrote anything. */
export const JOURNAL_NOTIFY = `(select count(*) from (select pg_notify('${EVENTS_CHANNEL}', max(id)::text) from ev having count(*) > 0) n) as ne`;

/** Appends events in their own statement; true when at least one was written. */
export async function appendRunEvents(
  db: Queryable,
  url: string,
  events: readonly RunEventInput[],
  p: Param,
  params: unknown[],
): Promise<boolean> {
  if (events.length === 0) return false;
  const sql = `with ${journalCtes(events, p, null).join(', ')} select ${JOURNAL_NOTIFY}`;
  const result = await query<{ ne: string | number }>(db, url, prepared(sql), params);
  return Number(result.rows[0]?.ne ?? 0) > 0;
}

interface RunEventRow {
  id: string;
  type: StoredRunEvent['type'];
  namespace: string;
  run_id: string;
  attempt_id: string | null;
  payload: StoredRunEvent['payload'];
  created_at: Date;
}

export async function readRunEvents(db: Queryable, url: string, q: RunEventQuery): Promise<StoredRunEvent[]> {
  const params: unknown[] = [q.afterId, Math.max(0, Math.min(MAX_READ, Math.floor(q.limit)))];
  const where = ['id > $1'];
  if (q.namespaces !== undefined && q.namespaces !== null) {
    params.push(q.namespaces);
    where.push(`namespace = any($${params.length}::text[])`);
  }
  if (q.runId !== undefined) {
    params.push(q.runId);
    where.push(`run_id = $${params.length}`);
  }
  const rows = await query<RunEventRow>(
    db,
    url,
    prepared(
      `select id, type, namespace, run_id, attempt_id, payload, created_at from run_events
        where ${where.join(' and ')} order by id limit $2`,
    ),
    params,
  );
  return rows.rows.map((row) => ({
    id: Number(row.id),
    type: row.type,
    namespace: row.namespace,
    runId: row.run_id,
    attemptId: row.attempt_id,
    payload: row.payload,
    createdAt: row.created_at.getTime(),
  }));
}

/**
 * The oldest and newest ids. Waits (shared lock) for a writer that holds the journal lock, so that the
 * newest id is never one a writer drew but has not committed yet.
 */
export async function runEventBounds(db: Queryable, url: string): Promise<RunEventBounds> {
  const rows = await query<{ first: string | null; last: string | null }>(
    db,
    url,
    prepared(`with l as (select pg_advisory_xact_lock_shared(${LOCK_KEY}))
      select (select min(id) from run_events, l) as first,
             coalesce((select max(id) from run_events, l),
                      (select case when is_called then last_value else 0 end from run_events_id_seq, l)) as last`),
  );
  const row = rows.rows[0];
  return { first: row?.first == null ? null : Number(row.first), last: Number(row?.last ?? 0) };
}

/** Retention: the oldest events created before `before`, at most `limit`. */
export async function deleteRunEventsBefore(
  db: Queryable,
  url: string,
  before: number,
  limit: number,
): Promise<number> {
  const n = Math.floor(limit);
  if (!(n > 0)) return 0;
  const rows = await query<{ n: number }>(
    db,
    url,
    prepared(`with doomed as (select id from run_events where created_at < $1 order by id limit $2),
      gone as (delete from run_events e using doomed d where e.id = d.id returning 1)
      select count(*)::int as n from gone`),
    [new Date(before), n],
  );
  return rows.rows[0]?.n ?? 0;
}
