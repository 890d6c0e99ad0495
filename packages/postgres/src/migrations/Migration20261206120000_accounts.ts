import { Migration } from '@mikro-orm/migrations';

/**
 * Accounts and sessions (issue 15):
 * - `users.credentials_version` counts password changes and resets; access and refresh tokens carry the
 *   version they were issued under, so a change refuses every earlier token at once (no clock comparison
 *   across replicas, no same-second ambiguity, and a refresh racing the change cannot outlive it).
 * - `login_failures` keys failed logins and the lockout by the username that was typed, whether or not such
 *   a user exists, so an unknown user cannot be told from a locked one. It replaces the per-user
 *   `failed_logins` and `locked_until` columns.
 */
export class Migration20261206120000Accounts extends Migration {
  override up(): void {
    this.addSql(`set local search_path to ${this.quotedSchema()}`);
    this.addSql('alter table users add column credentials_version int not null default 0');
    this.addSql('alter table refresh_tokens add column credentials_version int not null default 0');
    this.addSql(`create table login_failures (
      username text primary key,
      failures int not null,
      last_failed_at timestamptz not null,
      locked_until timestamptz null
    )`);
    this.addSql('create index login_failures_last_failed_at on login_failures (last_failed_at)');
    // Carry over the locks that are still in force.
    this.addSql(`insert into login_failures (username, failures, last_failed_at, locked_until)
      select username, failed_logins, coalesce(locked_until, now()), locked_until
        from users where failed_logins > 0 or locked_until is not null`);
    this.addSql('alter table users drop column failed_logins');
    this.addSql('alter table users drop column locked_until');
  }

  override down(): void {
    this.addSql(`set local search_path to ${this.quotedSchema()}`);
    this.addSql('alter table users add column failed_logins int not null default 0');
    this.addSql('alter table users add column locked_until timestamptz null');
    this.addSql(`update users u set failed_logins = f.failures, locked_until = f.locked_until
      from login_failures f where f.username = u.username`);
    this.addSql('drop table if exists login_failures');
    this.addSql('alter table refresh_tokens drop column credentials_version');
    this.addSql('alter table users drop column credentials_version');
  }

  private quotedSchema(): string {
    const schema = this.config.get('schema') ?? 'public';
    return `"${schema.replace(/"/g, '""')}"`;
  }
}
