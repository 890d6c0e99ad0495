/**
 * `createPostgresStore({ orm: false })` (the controller's store, issue 19's RSS target): no MikroORM
 * instance, migrations still run on a fresh schema, and the reads that used the ORM go through SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore, type PostgresStoreBase } from '@kontroler/postgres/store';
import { makeDagVersionInput } from '@kontroler/core/testing';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0, 123);

let db: TestDatabase;
let store: PostgresStoreBase;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await createPostgresStore({ url: db.url, schema: 'lean', orm: false });
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

describe('a store opened with orm: false', () => {
  it('migrates a fresh schema and offers no MikroORM instance', async () => {
    expect('orm' in store).toBe(false);
    const applied = await store.sql<{ count: string }>(
      'select count(*)::text as count from mikro_orm_migrations',
    );
    expect(Number(applied[0]?.count)).toBeGreaterThan(0);
  });

  it('reads a DAG, its versions and its schedule cursor with SQL, as the ORM did', async () => {
    const ref = { namespace: 'team-a', name: 'etl' };
    const put = await store.putDagVersion(makeDagVersionInput({ ...ref, now: T0, createdBy: 'ada' }));
    expect(await store.getDag(ref)).toEqual(put.dag);
    expect(await store.getDag({ namespace: 'team-b', name: 'etl' })).toBeUndefined();
    const version = await store.getDagVersion(ref, 1);
    expect(version).toEqual(put.version);
    expect(version).toMatchObject({ createdAt: T0, createdBy: 'ada', version: 1 });
    expect(await store.getDagVersion(ref, 2)).toBeUndefined();

    expect(await store.getScheduleCursor(ref)).toBeNull();
    expect(await store.advanceScheduleCursor(ref, null, T0 + 60_000)).toBe(true);
    expect(await store.getScheduleCursor(ref)).toBe(T0 + 60_000);
  });

  it('opens again on the migrated schema without an ORM', async () => {
    const again = await createPostgresStore({ url: db.url, schema: 'lean', orm: false });
    try {
      expect('orm' in again).toBe(false);
      expect((await again.getDag({ namespace: 'team-a', name: 'etl' }))?.latestVersion).toBe(1);
    } finally {
      await again.close();
    }
  });
});
