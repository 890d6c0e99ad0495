/** The MikroORM entities map onto the migrated tables: the ORM reads and writes the same rows as raw SQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import {
  ApiTokenSchema,
  AttemptSchema,
  AuditLogSchema,
  DagSchema,
  DagVersionSchema,
  LoginFailureSchema,
  RoleBindingSchema,
  RunSchema,
  TriggerMessageSchema,
  TriggerSchema,
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

  it('writes and reads a DAG version, whose DAG key shares the primary key columns', async () => {
    const em = store.orm.em.fork();
    const at = new Date(T0);
    em.create(DagSchema, {
      namespace: 'team-b',
      name: 'etl',
      latestVersion: 1,
      suspended: false,
      createdAt: at,
      updatedAt: at,
      deletedAt: null,
    });
    em.create(DagVersionSchema, {
      namespace: 'team-b',
      dagName: 'etl',
      version: 1,
      hash: 'h1',
      spec: { tasks: [] },
      createdAt: at,
      createdBy: null,
    });
    await em.flush();
    const rows = await store.sql('select namespace, dag_name, version, hash from dag_versions');
    expect(rows).toEqual([{ namespace: 'team-b', dag_name: 'etl', version: 1, hash: 'h1' }]);
    const found = await store.orm.em
      .fork()
      .findOneOrFail(DagVersionSchema, { namespace: 'team-b', dagName: 'etl', version: 1 });
    expect(found).toMatchObject({ namespace: 'team-b', dagName: 'etl', version: 1, hash: 'h1' });
  });

  it('writes and reads foreign keys as plain ids, one of them part of a primary key', async () => {
    const em = store.orm.em.fork();
    const at = new Date(T0);
    const userId = '00000000-0000-4000-8000-0000000000ac';
    em.create(UserSchema, {
      id: userId,
      username: 'ada',
      passwordHash: 'scrypt$…',
      disabled: false,
      mustChangePassword: false,
      credentialsVersion: 0,
      createdAt: at,
      updatedAt: at,
    });
    em.create(ApiTokenSchema, {
      id: '00000000-0000-4000-8000-0000000000ad',
      userId,
      name: 'ci',
      prefix: 'kt_ab',
      tokenHash: 'hash-ci',
      role: null,
      namespace: null,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
      createdAt: at,
    });
    em.create(TriggerSchema, {
      id: 'trg-1',
      namespace: 'team-b',
      dagName: 'etl',
      name: 'push',
      secrets: [],
      mapping: {},
      toleranceSeconds: 300,
      ratePerMinute: 60,
      createdAt: at,
      updatedAt: at,
      createdBy: null,
    });
    em.create(TriggerMessageSchema, { triggerId: 'trg-1', messageId: 'msg-1', expiresAt: at });
    await em.flush();
    const read = store.orm.em.fork();
    const token = await read.findOneOrFail(ApiTokenSchema, { tokenHash: 'hash-ci' });
    expect(token.userId).toBe(userId);
    const message = await read.findOneOrFail(TriggerMessageSchema, {
      triggerId: 'trg-1',
      messageId: 'msg-1',
    });
    expect(message.triggerId).toBe('trg-1');
    // The foreign keys hold: deleting the user and the trigger takes their rows along.
    await store.sql('delete from users where id = $1', [userId]);
    await store.sql(`delete from triggers where id = 'trg-1'`);
    const left = await store.sql<{ n: number }>(
      `select (select count(*) from api_tokens)::int + (select count(*) from trigger_messages)::int as n`,
    );
    expect(left).toEqual([{ n: 0 }]);
  });
});
