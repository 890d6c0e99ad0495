import { Migration } from '@mikro-orm/migrations';
import { RUN_ROLLUPS, runRollupUpsert, taskRollupUpsert } from '../rollup-sql.js';
import { setSearchPath } from './search-path.js';

/**
 * The dashboard rollup triggers skip updates that change no sum (issue 19: dependency→start on a chain).
 * They fired on every commit, and every step of a running run is one: the run's revision and two
 * attempts move, but no row before or after the update is finished, so both upserts of the run rollup
 * (and the task rollup's, for a commit that only claims) ran their queries to add nothing, a fifth of
 * the commit statement's time in PostgreSQL. Now an UPDATE whose transition tables hold no counted row
 * (finished, in a counted state: the rows the upserts select) returns at once; every other change sums
 * exactly as before (Migration20261207030000_dashboard).
 */
export class Migration20261207070000RollupSkipUnfinished extends Migration {
  override up(): void {
    this.addSql(setSearchPath(this.config.get('schema')));
    this.addSql(runRollupFunction(true));
    this.addSql(taskRollupFunction(true));
  }

  override down(): void {
    this.addSql(setSearchPath(this.config.get('schema')));
    this.addSql(runRollupFunction(false));
    this.addSql(taskRollupFunction(false));
  }
}

/** The rows each rollup counts (the `where` of its upserts). */
const RUN_COUNTED = `state in ('succeeded', 'failed', 'canceled') and finished_at is not null`;
const TASK_COUNTED = `state in ('succeeded', 'failed') and finished_at is not null`;

/**
 * Returns at once from an UPDATE with no counted row on either side (or nothing, for the old function).
 * Nested: PL/pgSQL prepares an expression when it first runs it, and `old_rows` exists only for UPDATE
 * and DELETE, so the test of the transition tables must not share an expression with `tg_op`'s.
 */
const skipUncounted = (skip: boolean, counted: string): string =>
  skip
    ? `if tg_op = 'UPDATE' then
       if not exists (select 1 from new_rows where ${counted})
          and not exists (select 1 from old_rows where ${counted}) then
         return null;
       end if;
     end if;`
    : '';

const upsertEach = (sources: ReadonlyArray<readonly [string, 1 | -1]>): string =>
  RUN_ROLLUPS.map((rollup) => `${runRollupUpsert(sources, rollup)};`).join('\n       ');

function runRollupFunction(skip: boolean): string {
  return `create or replace function kontroler_run_rollup() returns trigger language plpgsql as $$
   begin
     ${skipUncounted(skip, RUN_COUNTED)}
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
   end $$`;
}

function taskRollupFunction(skip: boolean): string {
  return `create or replace function kontroler_task_rollup() returns trigger language plpgsql as $$
   begin
     ${skipUncounted(skip, TASK_COUNTED)}
     if tg_op = 'INSERT' then
       ${taskRollupUpsert([['new_rows', 1]])};
     else
       ${taskRollupUpsert([
         ['new_rows', 1],
         ['old_rows', -1],
       ])};
     end if;
     return null;
   end $$`;
}
