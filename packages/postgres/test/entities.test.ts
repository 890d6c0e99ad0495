/** The MikroORM entities map onto the migrated tables: the ORM reads and writes the same rows as raw SQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import {
  AttemptSchema,
  AuditLogSchema,
  LoginFailureSchema,
  RoleBindingSchema,
  RunSchema,
  UserSchema,
  createPostgresStore,
  entities,
  type PostgresStore,
} from '@kontroler/postgres';
import { T0, makeAttempt, makeRun } from './helpers.js';

let db: TestDatabase;
let store: PostgresStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await createPostgresStore({ url: db.url, schema: 'orm_check' });
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

describe('entities', () => {
  it('has an entity for every table of the migration', async () => {
    const tables = await store.sql<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'orm_check'
         and table_name <> 'mikro_orm_migrations' order by 1`,
    );
    const mapped = entities.map((e) => e.meta.tableName).sort();
    expect(mapped).toEqual(tables.map((t) => t.table_name));
  });

  it('reads what the store wrote, with times as Dates', async () => {
    const run = makeRun({ labels: { team: 'data' } });
    const attempt = makeAttempt(run.id, { retryAfterMs: 1500 });
    await store.createRun({ run, attempts: [attempt] });
    const em = store.orm.em.fork();
    const entity = await em.findOneOrFail(RunSchema, { id: run.id });
    expect(entity).toMatchObject({ dagName: run.dagName, revision: 0, labels: { team: 'data' } });
    expect(entity.createdAt.getTime()).toBe(T0);
    const found = await em.findOneOrFail(AttemptSchema, { id: attempt.id });
    expect(found).toMatchObject({ runId: run.id, state: 'ready', nonRetryable: false });
    expect(Number(found.retryAfterMs)).toBe(1500);
  });

  it('writes identity rows through the ORM that raw SQL reads back, defaults included', async () => {
    const em = store.orm.em.fork();
    const id = '00000000-0000-4000-8000-0000000000aa';
    em.create(UserSchema, {
      id,
      username: 'grace',
      passwordHash: 'scrypt$…',
      disabled: false,
      mustChangePassword: true,
      credentialsVersion: 0,
      createdAt: new Date(T0),
      updatedAt: new Date(T0),
    });
    em.create(RoleBindingSchema, {
      id: '00000000-0000-4000-8000-0000000000ab',
      subjectKind: 'user',
      subject: 'grace',
      role: 'editor',
      namespace: 'team-a',
      createdAt: new Date(T0),
    });
    await em.flush();
    const [user] = await store.sql<{ username: string; must_change_password: boolean }>(
      'select username, must_change_password from users where id = $1',
      [id],
    );
    expect(user).toEqual({ username: 'grace', must_change_password: true });
    await store.sql(
      `insert into login_failures (username, failures, last_failed_at) values ('nobody', 2, now())`,
    );
    const failure = await store.orm.em.fork().findOneOrFail(LoginFailureSchema, { username: 'nobody' });
    expect(failure).toMatchObject({ failures: 2, lockedUntil: null });
    const bindings = await store.sql('select subject, role, namespace from role_bindings');
    expect(bindings).toEqual([{ subject: 'grace', role: 'editor', namespace: 'team-a' }]);
    await store.sql(`insert into audit_log (actor, action, target) values ('grace', 'dag.create', 'etl')`);
    const audit = await store.orm.em.fork().find(AuditLogSchema, { actor: 'grace' });
    expect(audit.map((a) => a.action)).toEqual(['dag.create']);
    expect(audit[0]?.at).toBeInstanceOf(Date);
  });

  it('keys the DAG tables by (namespace, name) in the entities exactly as the migrations do', async () => {
    // The ORM's own schema diff between the entities and the migrated database. The entities do not
    // model foreign keys, checks or secondary indexes, so the diff is only empty on the DAG identity
    // tables once the one composite foreign key they leave out is set aside.
    const diff = await store.orm
      .getSchemaGenerator()
      .getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: false, schema: 'orm_check' });
    const statements = diff
      .split(';')
      .map((statement) => statement.trim())
      .filter((statement) => /"orm_check"\."(dags|dag_versions|schedules)"/.test(statement));
    expect(statements).toEqual([
      'alter table "orm_check"."dag_versions" drop constraint "dag_versions_dag_fkey"',
    ]);
  });
});
