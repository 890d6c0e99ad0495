/**
 * Opening the PostgreSQL store: one hand-made connection first (it gives the clearest errors), then
 * MikroORM, and the committed migrations under an advisory lock when any is missing. MikroORM and the
 * entities are imported here, when an ORM is opened: a store opened with `orm: false` on a migrated schema
 * never loads them.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { KontrolerError } from '@kontroler/core';
import { sqlState } from '../db.js';
import { connectionError, migrationError } from '../errors.js';
import { MIGRATION_NAMES } from '../migrations/names.js';

export function connectionConfig(url: string, schema: string, applicationName: string): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: applicationName,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 10_000,
  };
}

/** Whether a committed migration is missing from the schema (or the schema has none yet). */
async function hasPendingMigrations(client: pg.Client): Promise<boolean> {
  try {
    const { rows } = await client.query<{ name: string }>('select name from mikro_orm_migrations');
    const applied = new Set(rows.map((r) => r.name));
    return MIGRATION_NAMES.some((name) => !applied.has(name));
  } catch (error) {
    if (sqlState(error) === '42P01') return true; // undefined_table: a new schema
    throw error;
  }
}

async function migrateUnderLock(schema: string, orm: MikroORM, config: pg.ClientConfig): Promise<void> {
  const lock = new pg.Client(config);
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    // One migrator at a time per schema, across processes.
    await lock.query('select pg_advisory_lock(hashtext($1))', [`kontroler:migrate:${schema}`]);
    const migrator = orm.getMigrator();
    const pending = await migrator.getPendingMigrations();
    for (const migration of pending) {
      try {
        await migrator.up({ migrations: [migration.name] });
      } catch (error) {
        throw migrationError(migration.name, error);
      }
    }
  } finally {
    await lock
      .query('select pg_advisory_unlock(hashtext($1))', [`kontroler:migrate:${schema}`])
      .catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}

/**
 * Connects once, and tells whether a committed migration is missing (always false when `migrate` is false).
 * Rejects with STORE_UNAVAILABLE.
 */
export async function probeSchema(url: string, config: pg.ClientConfig, migrate: boolean): Promise<boolean> {
  const probe = new pg.Client(config);
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.query('select 1');
    return migrate && (await hasPendingMigrations(probe));
  } catch (error) {
    throw connectionError(url, error);
  } finally {
    await probe.end().catch(() => undefined);
  }
}

/**
 * Opens MikroORM, and runs the missing migrations when `pending` (from `probeSchema`); resolves with the
 * MikroORM instance. Rejects with STORE_UNAVAILABLE (connection) or the migration's error.
 */
export async function openOrm(
  url: string,
  schema: string,
  config: pg.ClientConfig,
  pending: boolean,
): Promise<MikroORM> {
  // The migrator is loaded only when there is something to migrate (re-checked under the lock).
  const migrations = pending
    ? {
        extension: (await import('@mikro-orm/migrations')).Migrator,
        list: (await import('../migrations/index.js')).migrationsList,
      }
    : undefined;

  const [{ MikroORM }, { entities }] = await Promise.all([
    import('@mikro-orm/postgresql'),
    import('../entities/index.js'),
  ]);
  let orm: MikroORM;
  try {
    orm = await MikroORM.init({
      entities,
      clientUrl: url,
      schema,
      extensions: migrations ? [migrations.extension] : [],
      ensureDatabase: false,
      debug: false,
      allowGlobalContext: false,
      pool: { min: 0, max: 2 },
      discovery: { warnWhenNoEntities: false },
      ...(migrations
        ? {
            migrations: {
              migrationsList: migrations.list,
              transactional: true,
              allOrNothing: true,
              silent: true,
              snapshot: false,
            },
          }
        : {}),
    });
  } catch (error) {
    throw connectionError(url, error);
  }
  try {
    if (migrations) await migrateUnderLock(schema, orm, config);
  } catch (error) {
    await orm.close(true).catch(() => undefined);
    throw KontrolerError.is(error) ? error : connectionError(url, error);
  }
  return orm;
}
