/**
 * Database consistency after a test that hammered the API: one query per table, each selecting the rows
 * that break an invariant the store and the API promise (what foreign keys and check constraints do not
 * already guarantee, and what they do, in case a migration ever drops one). Every query must return no row.
 */
import { ATTEMPT_STATES, RUN_STATES, TERMINAL_ATTEMPT_STATES, TERMINAL_RUN_STATES } from '@kontroler/core';
import type { SqlFunction } from '@kontroler/postgres';

/** A SQL list of string literals, from core's own lists so that a new state never falls out of a check. */
const sqlList = (values: Iterable<string>) => `(${[...values].map((v) => `'${v}'`).join(', ')})`;
const TERMINAL_RUN = sqlList(TERMINAL_RUN_STATES);
const ACTIVE_ATTEMPT = sqlList(ATTEMPT_STATES.filter((s) => !TERMINAL_ATTEMPT_STATES.has(s)));

/** Table → a query selecting its inconsistent rows. */
export const CONSISTENCY_CHECKS: Readonly<Record<string, string>> = {
  // A DAG's latest version exists, and no version is newer than it.
  dags: `select d.namespace, d.name, d.latest_version from dags d
          where d.latest_version < 1 or d.updated_at < d.created_at
             or not exists (select 1 from dag_versions v
                             where v.namespace = d.namespace and v.dag_name = d.name and v.version = d.latest_version)
             or exists (select 1 from dag_versions v
                         where v.namespace = d.namespace and v.dag_name = d.name and v.version > d.latest_version)`,
  // No version without its DAG; versions hold a spec object with tasks.
  dag_versions: `select v.namespace, v.dag_name, v.version from dag_versions v
                  where v.version < 1 or v.hash = '' or jsonb_typeof(v.spec) <> 'object'
                     or jsonb_typeof(v.spec -> 'tasks') <> 'array'
                     or not exists (select 1 from dags d where d.namespace = v.namespace and d.name = v.dag_name)`,
  // A run's DAG version exists; terminal runs have finished, others have not.
  runs: `select r.id, r.state from runs r
          where r.state not in ${sqlList(RUN_STATES)}
             or (r.state in ${TERMINAL_RUN}) <> (r.finished_at is not null)
             or (r.state = 'queued' and r.started_at is not null)
             or r.round < 1 or r.revision < 0 or jsonb_typeof(r.parameters) <> 'object'
             or jsonb_typeof(r.labels) <> 'object'
             or not exists (select 1 from dag_versions v
                             where v.namespace = r.namespace and v.dag_name = r.dag_name and v.version = r.dag_version)`,
  // No attempt without its run or for a task its DAG version lacks; a finished run has no live attempt.
  attempts: `select a.id, a.run_id, a.state from attempts a
              left join runs r on r.id = a.run_id
              left join dag_versions v
                on v.namespace = r.namespace and v.dag_name = r.dag_name and v.version = r.dag_version
              where r.id is null or v.version is null or a.attempt < 1 or a.round < 1 or a.round > r.round
                 or a.state not in ${sqlList(ATTEMPT_STATES)}
                 or (r.state in ${TERMINAL_RUN} and a.state in ${ACTIVE_ATTEMPT})
                 or (a.state = 'running' and a.lease_owner is null)
                 -- a task, an exit handler, or an instance name[i] of a forEach task
                 or not exists (select 1 from jsonb_array_elements(v.spec -> 'tasks' || coalesce(v.spec -> 'onExit', '[]'::jsonb)) t
                                 where t ->> 'name' = regexp_replace(a.task_name, '\\[[0-9]+\\]$', ''))`,
  // A schedule cursor belongs to a DAG.
  schedules: `select s.namespace, s.dag_name from schedules s
               where not exists (select 1 from dags d where d.namespace = s.namespace and d.name = s.dag_name)`,
  // Outbox messages: a known status, delivered ones say when, events name an existing run.
  outbox: `select o.id, o.status from outbox o
            where o.status not in ('pending', 'delivered', 'failed') or o.attempts < 0
               or (o.status = 'delivered') <> (o.delivered_at is not null)
               or (o.run_id is not null and not exists (select 1 from runs r where r.id = o.run_id))`,
  delivery_attempts: `select d.id from delivery_attempts d
                       where d.attempt < 1 or d.duration_ms < 0
                          or not exists (select 1 from outbox o where o.id = d.outbox_id)`,
  // Log lines belong to an attempt, numbered from 1.
  log_lines: `select l.attempt_id, l.seq from log_lines l
               where l.seq < 1 or l.stream = ''
                  or not exists (select 1 from attempts a where a.id = l.attempt_id)`,
  users: `select u.id, u.username from users u
           where u.username = '' or u.password_hash = '' or u.credentials_version < 0
              or u.updated_at < u.created_at`,
  // A user's grants name an existing user, a known role and a non-empty namespace.
  role_bindings: `select b.id, b.subject, b.role from role_bindings b
                   where b.role not in ('admin', 'editor', 'viewer') or b.namespace = ''
                      or b.subject_kind not in ('user', 'group') or b.subject = ''
                      or (b.subject_kind = 'user' and not exists (select 1 from users u where u.username = b.subject))`,
  api_tokens: `select t.id from api_tokens t
                where (t.role is not null and t.role not in ('admin', 'editor', 'viewer')) or t.namespace = ''
                   or t.name = '' or t.prefix = '' or t.expires_at <= t.created_at
                   or not exists (select 1 from users u where u.id = t.user_id)`,
  // No refresh token for a missing user; a rotated token points at its successor in the same family.
  refresh_tokens: `select t.id from refresh_tokens t
                    where t.expires_at <= t.created_at or t.credentials_version < 0
                       or not exists (select 1 from users u where u.id = t.user_id)
                       or (t.replaced_by is not null and not exists (
                             select 1 from refresh_tokens n where n.id = t.replaced_by and n.family_id = t.family_id))`,
  audit_log: `select a.id, a.action from audit_log a
               where a.actor = '' or a.action = '' or a.action !~ '^[a-z]+(\\.[a-z-]+)+$'
                  or (a.details is not null and jsonb_typeof(a.details) not in ('object', 'string'))`,
  // Run events describe the run (and attempt) they name, with a known type. Their run may be gone
  // (run retention and event retention are separate), so no reference is required.
  run_events: `select e.id, e.type from run_events e
                where e.type not in ('run.created', 'run.started', 'run.finished', 'run.retried', 'task.ready',
                                     'task.started', 'task.succeeded', 'task.failed', 'task.retrying',
                                     'task.skipped', 'task.canceled', 'task.rerun', 'task.marked',
                                     'task.awaitingApproval')
                   or e.payload -> 'run' ->> 'id' is distinct from e.run_id
                   or e.payload -> 'run' ->> 'namespace' is distinct from e.namespace
                   or e.payload -> 'attempt' ->> 'id' is distinct from e.attempt_id`,
  login_failures: `select f.username from login_failures f
                    where f.failures < 1 or (f.locked_until is not null and f.locked_until < f.last_failed_at)`,
  // A trigger has one or two secrets, a mapping object and positive limits.
  triggers: `select t.id from triggers t
              where jsonb_typeof(t.secrets) <> 'array' or jsonb_array_length(t.secrets) not in (1, 2)
                 or jsonb_typeof(t.mapping) <> 'object' or t.tolerance_seconds < 1 or t.rate_per_minute < 1
                 or t.name = '' or t.updated_at < t.created_at`,
  trigger_messages: `select m.trigger_id, m.message_id from trigger_messages m
                      where m.message_id = '' or not exists (select 1 from triggers t where t.id = m.trigger_id)`,
  // A backfill's counts add up; only a running one has ticks left; a finished one says when.
  // An admin's run limit for a namespace: a namespace, a limit of at least 1 or none, who set it.
  namespace_limits: `select l.namespace from namespace_limits l
                      where l.namespace = '' or l.max_active_runs < 1 or l.updated_by = ''`,
  backfills: `select b.id, b.state from backfills b
               where b.total < 1 or b.submitted < 0 or b.submitted > b.total or b.done > b.submitted
                  or b.failed > b.done or b.max_active_runs < 1 or b.range_to <= b.range_from
                  or jsonb_typeof(b.in_flight) <> 'array' or jsonb_array_length(b.in_flight) > b.max_active_runs
                  or (b.state <> 'running' and b.next_tick is not null)
                  or (b.state = 'running') <> (b.finished_at is null)`,
  // A shared task's latest version exists, and no version is newer.
  dag_tasks: `select t.namespace, t.name from dag_tasks t
               where t.latest_version < 1
                  or not exists (select 1 from dag_task_versions v
                                  where v.namespace = t.namespace and v.name = t.name and v.version = t.latest_version)
                  or exists (select 1 from dag_task_versions v
                              where v.namespace = t.namespace and v.name = t.name and v.version > t.latest_version)`,
  dag_task_versions: `select v.namespace, v.name, v.version from dag_task_versions v
                       where v.version < 1 or v.hash = '' or jsonb_typeof(v.spec) <> 'object'`,
  // The dashboard's rollups are sums over the rows that exist: each equals a GROUP BY of what it sums.
  run_rollup: `with actual as (
                 select date_bin('1 hour', finished_at, timestamptz '1970-01-01 00:00:00+00') as k, namespace, dag_name,
                        state, kontroler_duration_bucket((extract(epoch from (finished_at - coalesce(started_at, created_at)))
                                                          * 1000)::bigint) as bucket, count(*)::int as n
                   from runs where state in ('succeeded', 'failed', 'canceled') and finished_at is not null
                  group by 1, 2, 3, 4, 5)
               select coalesce(r.hour, a.k) as hour, coalesce(r.dag_name, a.dag_name) as dag_name, r.runs, a.n
                 from run_rollup r full join actual a
                   on a.k = r.hour and a.namespace = r.namespace and a.dag_name = r.dag_name and a.state = r.state
                  and a.bucket = r.bucket
                where coalesce(r.runs, 0) <> coalesce(a.n, 0)`,
  run_rollup_daily: `with actual as (
                 select date_bin('1 day', finished_at, timestamptz '1970-01-01 00:00:00+00') as k, namespace, dag_name,
                        state, kontroler_duration_bucket((extract(epoch from (finished_at - coalesce(started_at, created_at)))
                                                          * 1000)::bigint) as bucket, count(*)::int as n
                   from runs where state in ('succeeded', 'failed', 'canceled') and finished_at is not null
                  group by 1, 2, 3, 4, 5)
               select coalesce(r.day, a.k) as day, coalesce(r.dag_name, a.dag_name) as dag_name, r.runs, a.n
                 from run_rollup_daily r full join actual a
                   on a.k = r.day and a.namespace = r.namespace and a.dag_name = r.dag_name and a.state = r.state
                  and a.bucket = r.bucket
                where coalesce(r.runs, 0) <> coalesce(a.n, 0)`,
  task_rollup: `with actual as (
                  select date_bin('1 hour', a.finished_at, timestamptz '1970-01-01 00:00:00+00') as hour, r.namespace,
                         r.dag_name, a.task_name, a.state, count(*)::int as n
                    from attempts a join runs r on r.id = a.run_id
                   where a.state in ('succeeded', 'failed') and a.finished_at is not null
                   group by 1, 2, 3, 4, 5)
                select coalesce(t.hour, a.hour) as hour, coalesce(t.task_name, a.task_name) as task_name, t.attempts, a.n
                  from task_rollup t full join actual a
                    on a.hour = t.hour and a.namespace = t.namespace and a.dag_name = t.dag_name
                   and a.task_name = t.task_name and a.state = t.state
                 where coalesce(t.attempts, 0) <> coalesce(a.n, 0) or t.timed > t.attempts or t.duration_ms_sum < 0`,
};

/** Runs every check; returns the offending rows per table (empty when the database is consistent). */
export async function inconsistencies(sql: SqlFunction): Promise<Record<string, unknown[]>> {
  const found: Record<string, unknown[]> = {};
  for (const [table, query] of Object.entries(CONSISTENCY_CHECKS)) {
    const rows = await sql(query);
    if (rows.length > 0) found[table] = rows.slice(0, 5);
  }
  return found;
}

/** The tables of the store's schema, to make sure every one has a check. */
export async function tables(sql: SqlFunction): Promise<string[]> {
  const rows = await sql<{ table_name: string }>(
    `select table_name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> 'mikro_orm_migrations'
      order by table_name`,
  );
  return rows.map((r) => r.table_name);
}
