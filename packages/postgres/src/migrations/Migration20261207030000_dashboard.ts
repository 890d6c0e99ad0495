import { Migration } from '@mikro-orm/migrations';
import { RUN_ROLLUPS, runRollupUpsert, taskRollupUpsert } from '../rollup-sql.js';

/**
 * The dashboard's rollups (issue 17): finished runs per (hour, DAG, outcome, duration bucket) — and per day,
 * so that a week or the daily chart reads a seventh of the rows — and finished
 * attempts per (hour, DAG, task, outcome) with their summed durations. Statement-level triggers with
 * transition tables keep them in the transaction that changes runs and attempts, whichever code path
 * (engine, API, retention, a future one) makes the change; retention subtracts the attempts it deletes
 * (see `deleteFinishedRuns`). `runs_waiting_idx` serves the queue of runs waiting to start. Existing rows
 * are summed once here.
 */
export class Migration20261207030000Dashboard extends Migration {
  override up(): void {
    this.addSql(`set local search_path to ${quotedSchema(this.config.get('schema'))}`);
    for (const statement of UP) this.addSql(statement);
  }

  override down(): void {
    this.addSql(`set local search_path to ${quotedSchema(this.config.get('schema'))}`);
    for (const statement of DOWN) this.addSql(statement);
  }
}

const quotedSchema = (schema: string | undefined): string => `"${(schema ?? 'public').replace(/"/g, '""')}"`;

/** One upsert statement per run rollup, each ended by `;` (the body of a PL/pgSQL branch). */
const upsertEach = (sources: ReadonlyArray<readonly [string, 1 | -1]>): string =>
  RUN_ROLLUPS.map((rollup) => `${runRollupUpsert(sources, rollup)};`).join('\n       ');

const UP: readonly string[] = [
  // The same integer arithmetic as core's `durationBucket`: 0 for 0 ms, then 4 buckets per power of two.
  `create function kontroler_duration_bucket(ms bigint) returns int language sql immutable parallel safe as $$
     select case when d = 0 then 0
                 else e * 4 + (((d - (1::bigint << e)) * 4) >> e)::int + 1 end
       from (select d, 32 - position('1' in d::int::bit(32)::text) as e
               from (select least(greatest(coalesce(ms, 0), 0), 2147483647) as d) clamped) parts
   $$`,
  ...RUN_ROLLUPS.map(
    ({ table, column }) => `create table ${table} (
     ${column} timestamptz not null,
     namespace text not null,
     dag_name text not null,
     state text not null,
     bucket int not null,
     runs int not null,
     primary key (${column}, namespace, dag_name, state, bucket)
   )`,
  ),
  `create table task_rollup (
     hour timestamptz not null,
     namespace text not null,
     dag_name text not null,
     task_name text not null,
     state text not null,
     attempts int not null,
     timed int not null,
     duration_ms_sum bigint not null,
     primary key (hour, namespace, dag_name, task_name, state)
   )`,
  `create function kontroler_run_rollup() returns trigger language plpgsql as $$
   begin
     if tg_op = 'INSERT' then
       ${upsertEach([['new_rows', 1]])}
     elsif tg_op = 'UPDATE' then
       ${upsertEach([
         ['new_rows', 1],
         ['old_rows', -1],
       ])}
     else
       ${upsertEach([['old_rows', -1]])}
     end if;
     return null;
   end $$`,
  `create trigger runs_rollup_insert after insert on runs referencing new table as new_rows
     for each statement execute function kontroler_run_rollup()`,
  `create trigger runs_rollup_update after update on runs referencing old table as old_rows new table as new_rows
     for each statement execute function kontroler_run_rollup()`,
  `create trigger runs_rollup_delete after delete on runs referencing old table as old_rows
     for each statement execute function kontroler_run_rollup()`,
  `create function kontroler_task_rollup() returns trigger language plpgsql as $$
   begin
     if tg_op = 'INSERT' then
       ${taskRollupUpsert([['new_rows', 1]])};
     else
       ${taskRollupUpsert([
         ['new_rows', 1],
         ['old_rows', -1],
       ])};
     end if;
     return null;
   end $$`,
  `create trigger attempts_rollup_insert after insert on attempts referencing new table as new_rows
     for each statement execute function kontroler_task_rollup()`,
  `create trigger attempts_rollup_update after update on attempts
     referencing old table as old_rows new table as new_rows
     for each statement execute function kontroler_task_rollup()`,
  `create index runs_waiting_idx on runs (created_at, id) where state = 'pending'`,
  ...RUN_ROLLUPS.map((rollup) => runRollupUpsert([['runs', 1]], rollup)),
  taskRollupUpsert([['attempts', 1]]),
];

const DOWN: readonly string[] = [
  'drop index if exists runs_waiting_idx',
  'drop trigger if exists attempts_rollup_update on attempts',
  'drop trigger if exists attempts_rollup_insert on attempts',
  'drop trigger if exists runs_rollup_delete on runs',
  'drop trigger if exists runs_rollup_update on runs',
  'drop trigger if exists runs_rollup_insert on runs',
  'drop function if exists kontroler_task_rollup()',
  'drop function if exists kontroler_run_rollup()',
  'drop table if exists task_rollup',
  'drop table if exists run_rollup_daily',
  'drop table if exists run_rollup',
  'drop function if exists kontroler_duration_bucket(bigint)',
];
