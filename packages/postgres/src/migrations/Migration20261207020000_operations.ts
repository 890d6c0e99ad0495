import { Migration } from '@mikro-orm/migrations';

/**
 * Operating workflows (issue 17), one migration for three features:
 * - `triggers`: signed inbound trigger endpoints per DAG, with their Standard Webhooks secrets (kept in
 *   clear: verifying an HMAC needs the key) and the body → parameter mapping; `trigger_messages`: the
 *   message ids each trigger accepted, until they expire, so a replay is refused on every replica.
 * - `backfills`: the runs of a scheduled DAG's ticks in a range, driven a few at a time; the whole state
 *   of the driver is the row (`next_tick`, `in_flight`), changed by compare-and-set on `revision`.
 * - `dag_tasks` and `dag_task_versions`: shared task definitions per namespace, versioned by content hash.
 */
export class Migration20261207020000Operations extends Migration {
  override up(): void {
    this.addSql(`set local search_path to ${this.quotedSchema()}`);
    this.addSql(`create table triggers (
      id text primary key,
      namespace text not null,
      dag_name text not null,
      name text not null,
      secrets jsonb not null,
      mapping jsonb not null,
      tolerance_seconds int not null,
      rate_per_minute int not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      created_by text null,
      constraint triggers_dag_name_unique unique (namespace, dag_name, name)
    )`);
    this.addSql(`create table trigger_messages (
      trigger_id text not null references triggers (id) on delete cascade,
      message_id text not null,
      expires_at timestamptz not null,
      primary key (trigger_id, message_id)
    )`);
    this.addSql(`create table backfills (
      id text primary key,
      namespace text not null,
      dag_name text not null,
      range_from timestamptz not null,
      range_to timestamptz not null,
      schedule text not null,
      timezone text null,
      max_active_runs int not null,
      state text not null constraint backfills_state_check check (state in ('running', 'completed', 'canceled')),
      total int not null,
      submitted int not null,
      done int not null,
      failed int not null,
      next_tick timestamptz null,
      in_flight jsonb not null,
      revision int not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      finished_at timestamptz null,
      created_by text null
    )`);
    this.addSql('create index backfills_dag on backfills (namespace, dag_name, created_at desc)');
    this.addSql(`create index backfills_running on backfills (created_at) where state = 'running'`);
    this.addSql(`create table dag_tasks (
      namespace text not null,
      name text not null,
      latest_version int not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (namespace, name)
    )`);
    this.addSql(`create table dag_task_versions (
      namespace text not null,
      name text not null,
      version int not null,
      spec jsonb not null,
      hash text not null,
      created_at timestamptz not null,
      created_by text null,
      primary key (namespace, name, version),
      foreign key (namespace, name) references dag_tasks (namespace, name) on delete cascade
    )`);
  }

  override down(): void {
    this.addSql(`set local search_path to ${this.quotedSchema()}`);
    this.addSql('drop table if exists dag_task_versions');
    this.addSql('drop table if exists dag_tasks');
    this.addSql('drop table if exists backfills');
    this.addSql('drop table if exists trigger_messages');
    this.addSql('drop table if exists triggers');
  }

  private quotedSchema(): string {
    const schema = this.config.get('schema') ?? 'public';
    return `"${schema.replace(/"/g, '""')}"`;
  }
}
