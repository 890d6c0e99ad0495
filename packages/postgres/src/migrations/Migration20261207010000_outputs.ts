import { Migration } from '@mikro-orm/migrations';

/**
 * Data flow (docs/flow): `attempts.outputs`, the named JSON outputs a succeeded attempt produced (for a
 * `forEach` task, the lists gathered from its instances), and `runs.active_deadline_seconds`, a run's own
 * deadline. Both null when there is none, as for every row recorded before the columns existed.
 */
export class Migration20261207010000Outputs extends Migration {
  override up(): void {
    this.addSql(`set local search_path to ${quotedSchema(this.config.get('schema'))}`);
    this.addSql(
      `alter table attempts add column if not exists outputs jsonb null
         constraint attempts_outputs_check check (outputs is null or jsonb_typeof(outputs) = 'object')`,
    );
    this.addSql(
      `alter table runs add column if not exists active_deadline_seconds int null
         constraint runs_active_deadline_seconds_check check (active_deadline_seconds is null or active_deadline_seconds > 0)`,
    );
  }

  override down(): void {
    this.addSql(`set local search_path to ${quotedSchema(this.config.get('schema'))}`);
    this.addSql('alter table attempts drop column if exists outputs');
    this.addSql('alter table runs drop column if exists active_deadline_seconds');
  }
}

function quotedSchema(schema: string | undefined): string {
  return `"${(schema ?? 'public').replace(/"/g, '""')}"`;
}
