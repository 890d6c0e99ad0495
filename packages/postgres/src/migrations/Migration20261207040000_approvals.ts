import { Migration } from '@mikro-orm/migrations';

/**
 * Approval tasks (docs/approval.md): the attempt state `awaiting` (an approval task waiting for a person,
 * claimable once its timeout, `available_at`, has passed), `attempts.decided_by` (who approved or
 * rejected it; null for every other attempt and for a timeout), and a partial index for the claim of
 * overdue approvals.
 */
export class Migration20261207040000Approvals extends Migration {
  override up(): void {
    this.addSql(`set local search_path to ${quotedSchema(this.config.get('schema'))}`);
    this.addSql('alter table attempts drop constraint if exists attempts_state_check');
    this.addSql(
      `alter table attempts add constraint attempts_state_check check (state in ('waiting', 'ready', 'running', 'succeeded', 'failed', 'retrying', 'skipped', 'canceled', 'awaiting'))`,
    );
    this.addSql('alter table attempts add column if not exists decided_by text null');
    this.addSql(
      `create index if not exists attempts_awaiting_idx on attempts (available_at) where state = 'awaiting'`,
    );
  }

  override down(): void {
    this.addSql(`set local search_path to ${quotedSchema(this.config.get('schema'))}`);
    this.addSql('drop index if exists attempts_awaiting_idx');
    this.addSql('alter table attempts drop column if exists decided_by');
    this.addSql('alter table attempts drop constraint if exists attempts_state_check');
    this.addSql(
      `alter table attempts add constraint attempts_state_check check (state in ('waiting', 'ready', 'running', 'succeeded', 'failed', 'retrying', 'skipped', 'canceled'))`,
    );
  }
}

function quotedSchema(schema: string | undefined): string {
  return `"${(schema ?? 'public').replace(/"/g, '""')}"`;
}
