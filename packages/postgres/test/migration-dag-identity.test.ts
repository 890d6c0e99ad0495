/**
 * Migration20261206000000_dag_identity: a database made by the initial migration, with rows in it, is
 * carried over to `(namespace, name)` keys and every row reads back through the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Configuration } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore, type PostgresStore } from '@kontroler/postgres';
import { Migration20261125000000Initial } from '../src/migrations/Migration20261125000000_initial.js';
import { makeDagSpec } from '@kontroler/core/testing';
import { makeRun, T0 } from './helpers.js';

const SCHEMA = 'before_identity';

/** Builds the schema exactly as the initial migration left it, recorded as applied, and nothing later. */
async function initialSchemaOnly(url: string): Promise<void> {
  const config = { get: (key: string) => (key === 'schema' ? SCHEMA : undefined) };
  const initial = new Migration20261125000000Initial(
    undefined as unknown as AbstractSqlDriver,
    config as unknown as Configuration,
  );
  initial.up();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    for (const statement of initial.getQueries()) await client.query(String(statement));
    await client.query(`create table mikro_orm_migrations
      (id serial primary key, name varchar(255), executed_at timestamptz default current_timestamp)`);
    await client.query(`insert into mikro_orm_migrations (name) values ('Migration20261125000000_initial')`);
    await seedOldRows(client);
    await client.query('commit');
  } finally {
    await client.end();
  }
}

/** Rows as the name-keyed store wrote them. */
async function seedOldRows(client: pg.Client): Promise<void> {
  const at = new Date(T0);
  await client.query(
    `insert into dags (name, namespace, latest_version, suspended, created_at, updated_at)
     values ('etl', 'team-a', 2, true, $1, $1), ('report', 'default', 1, false, $1, $1)`,
    [at],
  );
  await client.query(
    `insert into dag_versions (dag_name, version, hash, spec, created_at, created_by) values
       ('etl', 1, 'h1', $1, $3, 'ada'), ('etl', 2, 'h2', $2, $3, 'ada'), ('report', 1, 'h3', $4, $3, null)`,
    [
      JSON.stringify(makeDagSpec('etl')),
      JSON.stringify(makeDagSpec('etl', { schedule: '@daily' })),
      at,
      JSON.stringify(makeDagSpec('report')),
    ],
  );
  await client.query(`insert into schedules (dag_name, last_tick) values ('etl', $1), ('vanished', $1)`, [
    at,
  ]);
  await client.query(
    `insert into runs (id, dag_name, namespace, dag_version, state, trigger, created_at, idempotency_key)
     values ('run-1', 'etl', 'team-a', 2, 'succeeded', 'manual', $1, 'nightly-1')`,
    [at],
  );
}

let db: TestDatabase;
let store: PostgresStore;

beforeAll(async () => {
  db = await createTestDatabase();
  await initialSchemaOnly(db.url);
  store = await createPostgresStore({ url: db.url, schema: SCHEMA });
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

describe('migration to (namespace, name) DAG identity', () => {
  it('carries DAGs, versions, schedule cursors and runs over to their namespace', async () => {
    const etl = { namespace: 'team-a', name: 'etl' };
    expect(await store.getDag(etl)).toMatchObject({ ...etl, latestVersion: 2, suspended: true });
    expect(await store.getDag({ namespace: 'default', name: 'etl' })).toBeUndefined();
    expect(await store.getDagVersion(etl, 2)).toMatchObject({
      namespace: 'team-a',
      dagName: 'etl',
      hash: 'h2',
      createdBy: 'ada',
      spec: { schedule: '@daily' },
    });
    const versions = await store.listDagVersions(etl, { limit: 10 });
    expect(versions.items.map((v) => [v.namespace, v.version])).toEqual([
      ['team-a', 2],
      ['team-a', 1],
    ]);
    expect(await store.getDagVersion({ namespace: 'default', name: 'report' }, 1)).toMatchObject({
      namespace: 'default',
      hash: 'h3',
    });
    expect(await store.getScheduleCursor(etl)).toBe(T0);
    const runs = await store.listRuns({ dag: etl }, { limit: 10 });
    expect(runs.items.map((run) => run.id)).toEqual(['run-1']);
    // A cursor whose DAG no longer existed has no namespace to take: it is dropped, not guessed.
    const [orphans] = await store.sql<{ count: string }>(
      `select count(*) from schedules where dag_name = 'vanished'`,
    );
    expect(orphans?.count).toBe('0');
  });

  it('then lets another namespace have a DAG of the same name, with its own versions', async () => {
    const spec = makeDagSpec('etl', { description: 'team b' });
    const put = await store.putDagVersion({
      namespace: 'team-b',
      name: 'etl',
      spec,
      hash: 'hb',
      now: T0 + 1,
    });
    expect(put).toMatchObject({ created: true, version: { namespace: 'team-b', version: 1 } });
    expect((await store.getDag({ namespace: 'team-a', name: 'etl' }))?.latestVersion).toBe(2);
    // Idempotency keys are per namespace now: team-b may use team-a's key without meeting its run.
    const created = await store.createRun({
      run: makeRun({ id: 'run-b', dagName: 'etl', namespace: 'team-b', idempotencyKey: 'nightly-1' }),
      attempts: [],
    });
    expect(created).toMatchObject({ created: true, run: { id: 'run-b' } });
  });
});
