/**
 * One source for the schema: the MikroORM entities (`src/entities`) state exactly what the migrations
 * (`src/migrations`) create, so neither can drift unnoticed. Two checks, because MikroORM 6.6 compares some
 * things by name only:
 * 1. MikroORM's own diff of the entities against a freshly migrated schema is empty: tables, columns, types,
 *    nullability, defaults, check constraints (`enum` items and `checks`), unique constraints, foreign keys
 *    (name, columns, rules) and plain indexes.
 * 2. pg_catalog of a schema created from the entities equals that of the migrated one. This covers what (1)
 *    compares by name only — the indexes the entities state as SQL (`sqlIndex`: descending keys, partial
 *    `WHERE`) — and proves the entities alone build a working schema. The expected definitions come from
 *    the migrations themselves, not from a third list kept by hand.
 * Functions and triggers exist in the migrations only (entities cannot state them) and are not compared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore, type PostgresStore, type SqlFunction } from '@kontroler/postgres';

const MIGRATED = 'schema_from_migrations';
const FROM_ENTITIES = 'schema_from_entities';

let db: TestDatabase;
let migrated: PostgresStore;
let fromEntities: PostgresStore;

beforeAll(async () => {
  db = await createTestDatabase();
  migrated = await createPostgresStore({ url: db.url, schema: MIGRATED, listen: false });
  fromEntities = await createPostgresStore({
    url: db.url,
    schema: FROM_ENTITIES,
    listen: false,
    migrate: false,
  });
  await fromEntities.orm.schema.createSchema();
});

afterAll(async () => {
  await migrated?.close();
  await fromEntities?.close();
  await db?.drop();
});

/** The failure message of check 1: the SQL MikroORM would run, and how to read it. */
function explainDiff(sql: string): string {
  return [
    'The entities (packages/postgres/src/entities) and the migrations (src/migrations) disagree.',
    'MikroORM would run this to turn the migrated schema into the one the entities state:',
    '',
    sql.trim(),
    '',
    'Read it as a list of what the entity of each table lacks or has wrong:',
    '  drop table / column / index / constraint X  -> a migration created X; state it in the entity',
    '  add column / index / constraint X           -> the entity has X and no migration creates it',
    '  alter column … type / set|drop default|not null -> the property type, default or nullability differs',
    'Names must match too (PostgreSQL defaults: <table>_<column>_key, _fkey, _check). See the README,',
    '"Changing the schema".',
  ].join('\n');
}

describe('the entities and the migrations', () => {
  it('leave nothing for MikroORM to change in a freshly migrated schema', async () => {
    const sql = await migrated.orm.schema.getUpdateSchemaSQL({
      wrap: false,
      safe: false,
      dropTables: true,
      schema: MIGRATED,
    });
    expect(sql.trim(), explainDiff(sql)).toBe('');
  });

  it('create the same columns, indexes and constraints, as pg_catalog shows them', async () => {
    const expected = await describeSchema(migrated.sql, MIGRATED);
    const actual = await describeSchema(migrated.sql, FROM_ENTITIES);
    expect(expected.length).toBeGreaterThan(100);
    expect(
      actual,
      `pg_catalog of a schema created from the entities (+) differs from the migrated one (-): ` +
        `change the entity so its line matches the migration's`,
    ).toEqual(expected);
  });
});

/**
 * One line per column, index and constraint of a schema's tables (the migrations' bookkeeping table aside),
 * sorted and with the schema name taken out, so two schemas compare line by line.
 */
async function describeSchema(sql: SqlFunction, schema: string): Promise<string[]> {
  const columns = await sql<{
    table: string;
    column: string;
    type: string;
    notnull: boolean;
    def: string | null;
    identity: string;
  }>(
    `select c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type,
            a.attnotnull as notnull, pg_get_expr(d.adbin, d.adrelid) as def, a.attidentity as identity
       from pg_attribute a
       join pg_class c on c.oid = a.attrelid
       join pg_namespace n on n.oid = c.relnamespace
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where n.nspname = $1 and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
        and c.relname <> 'mikro_orm_migrations'`,
    [schema],
  );
  const indexes = await sql<{ table: string; name: string; def: string }>(
    `select tablename as table, indexname as name, indexdef as def from pg_indexes
      where schemaname = $1 and tablename <> 'mikro_orm_migrations'`,
    [schema],
  );
  // Not-null constraints (contype 'n', PostgreSQL 18) are the columns' `not null` above.
  const constraints = await sql<{ table: string; name: string; def: string }>(
    `select c.relname as table, con.conname as name, pg_get_constraintdef(con.oid) as def
       from pg_constraint con
       join pg_class c on c.oid = con.conrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and con.contype <> 'n' and c.relname <> 'mikro_orm_migrations'`,
    [schema],
  );
  const identity: Record<string, string> = {
    a: ' generated always as identity',
    d: ' generated by default as identity',
  };
  const lines = [
    ...columns.map(
      (c) =>
        `${c.table} column ${c.column}: ${c.type}${c.notnull ? ' not null' : ''}` +
        `${c.def === null ? '' : ` default ${c.def}`}${identity[c.identity] ?? ''}`,
    ),
    ...indexes.map((i) => `${i.table} index ${i.name}: ${i.def}`),
    ...constraints.map((c) => `${c.table} constraint ${c.name}: ${c.def}`),
  ];
  return lines.map((line) => line.replaceAll(`${schema}.`, '')).sort();
}
