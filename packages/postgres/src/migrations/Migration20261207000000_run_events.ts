import { Migration } from '@mikro-orm/migrations';

/**
 * `run_events`: the run event journal. Every committed run change appends its run events here in the
 * same transaction; API replicas follow it by id (woken by NOTIFY `kontroler_events`), and SSE clients
 * resume with `Last-Event-ID` = id. `key` deduplicates events a worker may announce twice (a reclaimed
 * attempt's `task.started`). Old events are pruned by `created_at` (`pruneRunEvents`).
 */
export class Migration20261207000000RunEvents extends Migration {
  override up(): void {
    this.addSql(`set local search_path to ${quotedSchema(this.config.get('schema'))}`);
    this.addSql(`create table if not exists run_events (
      id bigserial primary key,
      namespace text not null,
      run_id text not null,
      attempt_id text null,
      type text not null,
      payload jsonb not null,
      key text null,
      created_at timestamptz not null
    )`);
    this.addSql(
      'create unique index if not exists run_events_key_unique on run_events (key) where key is not null',
    );
    this.addSql('create index if not exists run_events_run_id_index on run_events (run_id, id)');
    this.addSql('create index if not exists run_events_created_at_index on run_events (created_at)');
  }

  override down(): void {
    this.addSql(`set local search_path to ${quotedSchema(this.config.get('schema'))}`);
    this.addSql('drop table if exists run_events');
  }
}

function quotedSchema(schema: string | undefined): string {
  return `"${(schema ?? 'public').replace(/"/g, '""')}"`;
}
