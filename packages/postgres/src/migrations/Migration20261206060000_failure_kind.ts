import { Migration } from '@mikro-orm/migrations';

/**
 * `attempts.failure_kind`: what kind of failure ended an attempt (`exit`, `start`, `infra`, `transient`),
 * which a task's `retryPolicy` decides on. Null for attempts that did not fail and for those recorded
 * before the column existed (the planner then classifies them by exit code).
 */
export class Migration20261206060000FailureKind extends Migration {
  override up(): void {
    this.addSql(`set local search_path to ${quotedSchema(this.config.get('schema'))}`);
    this.addSql(
      `alter table attempts add column if not exists failure_kind text null
         constraint attempts_failure_kind_check check (failure_kind in ('exit', 'start', 'infra', 'transient'))`,
    );
  }

  override down(): void {
    this.addSql(`set local search_path to ${quotedSchema(this.config.get('schema'))}`);
    this.addSql('alter table attempts drop column if exists failure_kind');
  }
}

function quotedSchema(schema: string | undefined): string {
  return `"${(schema ?? 'public').replace(/"/g, '""')}"`;
}
