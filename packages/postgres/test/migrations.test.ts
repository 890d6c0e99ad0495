/** Start-up: migrations run once under an advisory lock, are idempotent, isolate by schema, roll back. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { KontrolerError } from '@kontroler/core';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore, MIGRATION_NAMES } from '@kontroler/postgres';
import { migrationsList } from '../src/migrations/index.js';
import { makeRun } from './helpers.js';

const databases: TestDatabase[] = [];

async function freshDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

async function tables(url: string, schema = 'public'): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1 order by 1',
      [schema],
    );
    return result.rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

let shared: TestDatabase;
beforeAll(async () => {
  shared = await freshDatabase();
});

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

describe('migrations', () => {
  it('lists the committed migrations by name, in order, for the start-up check that avoids loading them', () => {
    expect(migrationsList.map((m) => m.name)).toEqual(MIGRATION_NAMES);
  });

  it('lets three stores start at once on one empty database and migrates it exactly once', async () => {
    const db = await freshDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => createPostgresStore({ url: db.url })));
    try {
      const applied = await stores[0]?.sql<{ name: string }>('select name from mikro_orm_migrations');
      expect(applied?.map((r) => r.name)).toEqual(MIGRATION_NAMES);
      expect(await tables(db.url)).toEqual(
        expect.arrayContaining([
          'dags',
          'dag_versions',
          'runs',
          'attempts',
          'outbox',
          'log_lines',
          'users',
          'role_bindings',
          'api_tokens',
          'refresh_tokens',
          'login_failures',
          'audit_log',
          'schedules',
          'delivery_attempts',
        ]),
      );
      // All three work against the one schema.
      const run = makeRun();
      await stores[1]?.createRun({ run, attempts: [] });
      expect((await stores[2]?.getRun(run.id))?.id).toBe(run.id);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    // A later start finds nothing to do and changes nothing.
    const again = await createPostgresStore({ url: db.url });
    try {
      expect(await again.sql('select name from mikro_orm_migrations')).toHaveLength(MIGRATION_NAMES.length);
    } finally {
      await again.close();
    }
  });

  it('creates the identity tables the API server codes against, with their constraints', async () => {
    const store = await createPostgresStore({ url: shared.url });
    try {
      const userId = '00000000-0000-4000-8000-000000000001';
      await store.sql('insert into users (id, username, password_hash) values ($1, $2, $3)', [
        userId,
        'ada',
        'x',
      ]);
      const [user] = await store.sql<{
        disabled: boolean;
        credentials_version: number;
        must_change_password: boolean;
      }>('select * from users where id = $1', [userId]);
      expect(user).toMatchObject({ disabled: false, credentials_version: 0, must_change_password: false });
      await expect(
        store.sql('insert into users (id, username, password_hash) values (gen_random_uuid(), $1, $2)', [
          'ada',
          'y',
        ]),
      ).rejects.toMatchObject({ code: '23505' });
      await expect(
        store.sql(
          `insert into role_bindings (id, subject_kind, subject, role) values (gen_random_uuid(), 'user', 'ada', 'root')`,
        ),
      ).rejects.toMatchObject({ code: '23514' });
      await store.sql(
        `insert into api_tokens (id, user_id, name, prefix, token_hash) values (gen_random_uuid(), $1, 'ci', 'kt_', 'h1')`,
        [userId],
      );
      await store.sql(
        `insert into refresh_tokens (id, user_id, family_id, token_hash, expires_at)
         values (gen_random_uuid(), $1, gen_random_uuid(), 'r1', now())`,
        [userId],
      );
      await store.sql('delete from users where id = $1', [userId]);
      expect(await store.sql('select * from api_tokens')).toHaveLength(0);
      expect(await store.sql('select * from refresh_tokens')).toHaveLength(0);
      const [audit] = await store.sql<{ id: string }>(
        `insert into audit_log (actor, action, details) values ('ada', 'login', '{"ok":true}') returning id`,
      );
      expect(Number(audit?.id)).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('isolates stores by schema within one database', async () => {
    const a = await createPostgresStore({ url: shared.url, schema: 'tenant_a' });
    const b = await createPostgresStore({ url: shared.url, schema: 'tenant_b' });
    try {
      const run = makeRun();
      await a.createRun({ run, attempts: [] });
      expect(await a.getRun(run.id)).toBeDefined();
      expect(await b.getRun(run.id)).toBeUndefined();
      expect(a.schema).toBe('tenant_a');
      expect(await tables(shared.url, 'tenant_b')).toContain('runs');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('commits in one transaction: the transaction helper rolls back when its callback throws', async () => {
    const store = await createPostgresStore({ url: shared.url, schema: 'tx_test' });
    try {
      await expect(
        store.transaction(async (sql) => {
          await sql(`insert into audit_log (actor, action) values ('a', 'kept?')`);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const count = await store.transaction(async (sql) => {
        await sql(`insert into audit_log (actor, action) values ('a', 'kept')`);
        return (await sql<{ n: number }>('select count(*)::int as n from audit_log'))[0]?.n;
      });
      expect(count).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('reports a failed migration as one line and leaves no partial schema', async () => {
    const db = await freshDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // A table in the way of the initial migration, as a hand-made schema would be.
    await client.query('create table outbox (id int)');
    await client.end();
    const error = await createPostgresStore({ url: db.url }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(KontrolerError.is(error, 'STORE_UNAVAILABLE')).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^database migration Migration20261125000000_initial failed and was rolled back \(.*"outbox" already exists.*\): fix the database or the migration, then start again$/,
    );
    expect(message).not.toContain('\n');
    // Nothing of the failed migration was applied: the tables created before the failure are gone too.
    expect(await tables(db.url)).toEqual(['mikro_orm_migrations', 'outbox']);
  });
});
