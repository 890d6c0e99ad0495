import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { createEngine } from '@kontroler/core';
import { createMemoryStore } from '@kontroler/core/testing';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@kontroler/postgres';
import { envSecretSource } from '@kontroler/plugins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlTaskRuntime, sqlTaskPlugin, type SqlTaskRuntime } from '../src/sql-task.js';
import { attempt } from './context.js';

let dataDir: string;
let server: EmbeddedPostgresHandle;
let runtime: SqlTaskRuntime;

beforeAll(async () => {
  dataDir = await mkdtemp(join(os.tmpdir(), 'kontroler-sql-task-'));
  server = await startEmbeddedPostgres({ dataDir, settings: { fsync: 'off', synchronous_commit: 'off' } });
  runtime = createSqlTaskRuntime({
    connectionString: server.url,
    secretSource: envSecretSource({ env: { REGION: 'eu' } }),
  });
}, 120_000);

afterAll(async () => {
  await runtime?.close();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const sql = (w: Record<string, unknown>, extra: { timeoutSeconds?: number } = {}) => ({
  name: 'q',
  type: 'sql',
  with: w,
  ...extra,
});

describe('sql task type on embedded PostgreSQL', () => {
  it('runs statements in transactions and logs the command, row count and rows', async () => {
    const create = attempt(
      sql({ statement: 'create table orders (id serial primary key, region text, amount int)' }),
    );
    await expect(runtime.execute(create.ctx)).resolves.toMatchObject({
      status: 'succeeded',
      message: 'CREATE',
    });
    const insert = attempt(
      sql({
        statement: 'insert into orders (region, amount) values ($1, $2), ($1, $3)',
        params: [{ param: 'REGION' }, 10, 32],
      }),
      { REGION: { fromSecret: 'REGION' } },
    );
    await expect(runtime.execute(insert.ctx)).resolves.toMatchObject({
      status: 'succeeded',
      message: 'INSERT 2',
    });
    const select = attempt(
      sql({ statement: 'select region, sum(amount)::int as total from orders group by region' }),
    );
    await expect(runtime.execute(select.ctx)).resolves.toMatchObject({ status: 'succeeded' });
    expect(select.stdout()).toEqual([
      expect.stringMatching(/^SELECT 1 \(\d+ ms\)$/),
      '{"region":"eu","total":42}',
    ]);
  });

  it('fails SQL errors with their SQLSTATE; syntax errors are not retried, and nothing is half-done', async () => {
    const bad = attempt(sql({ statement: 'selec 1' }));
    const outcome = await runtime.execute(bad.ctx);
    expect(outcome).toMatchObject({ status: 'failed', reason: 'SqlError', nonRetryable: true });
    expect(outcome.message).toMatch(/^42601: syntax error/);
    // A failing statement in the middle of a transaction rolls back what came before it.
    const partial = attempt(
      sql({
        statement:
          "with a as (insert into orders (region, amount) values ('x', 1) returning 1) select 1/0 from a",
      }),
    );
    await expect(runtime.execute(partial.ctx)).resolves.toMatchObject({
      reason: 'SqlError',
      message: expect.stringMatching(/^22012/),
    });
    const count = attempt(sql({ statement: "select count(*)::int as n from orders where region = 'x'" }));
    await runtime.execute(count.ctx);
    expect(count.stdout()[1]).toBe('{"n":0}');
  });

  it('enforces timeoutSeconds in the database', async () => {
    const slow = attempt(sql({ statement: 'select pg_sleep(10)' }, { timeoutSeconds: 1 }));
    const started = Date.now();
    await expect(runtime.execute(slow.ctx)).resolves.toMatchObject({ status: 'failed', reason: 'Timeout' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('cancels a running statement through ctx.signal', async () => {
    const slow = attempt(sql({ statement: 'select pg_sleep(30)' }));
    const outcome = runtime.execute(slow.ctx);
    expect(runtime.execute(slow.ctx)).toBe(outcome);
    setTimeout(() => slow.abort.abort('Canceled'), 300);
    const started = Date.now();
    await expect(outcome).resolves.toMatchObject({ status: 'failed', reason: 'Canceled' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rejects tasks without a statement, without retrying', async () => {
    await expect(runtime.execute(attempt(sql({})).ctx)).resolves.toMatchObject({
      reason: 'InvalidTask',
      nonRetryable: true,
    });
  });
});

describe('sql task type in an engine', () => {
  it('runs a DAG of SQL tasks with a parameter; a failing statement fails the run without retries', async () => {
    const store = createMemoryStore();
    const plugin = sqlTaskPlugin({ connectionString: server.url });
    const engine = createEngine({ store, plugins: [plugin], scheduler: false });
    try {
      await engine.registerDag({
        name: 'sql-dag',
        parameters: [{ name: 'REGION', defaultValue: 'us' }],
        tasks: [
          { name: 'create', type: 'sql', with: { statement: 'create table events (region text, n int)' } },
          {
            name: 'insert',
            type: 'sql',
            runAfter: ['create'],
            parameters: ['REGION'],
            with: { statement: 'insert into events values ($1, 1), ($1, 2)', params: [{ param: 'REGION' }] },
          },
          {
            name: 'report',
            type: 'sql',
            runAfter: ['insert'],
            with: { statement: 'select region, sum(n)::int as n from events group by region' },
          },
        ],
      });
      await engine.registerDag({
        name: 'sql-broken',
        tasks: [
          {
            name: 'bad',
            type: 'sql',
            backoff: { limit: 3 },
            with: { statement: 'select * from no_such_table' },
          },
        ],
      });
      await engine.start();
      const finished = (runId: string) =>
        new Promise<string>((resolve) =>
          engine.events.on('run.finished', (e) => {
            if (e.run.id === runId) resolve(e.run.state);
          }),
        );
      const good = await engine.submit('sql-dag', { REGION: 'apac' });
      await expect(finished(good.id)).resolves.toBe('succeeded');
      const report = (await engine.getRun(good.id))!.attempts.find((a) => a.taskName === 'report')!;
      for (const deadline = Date.now() + 10_000; ;) {
        const lines = (await store.readLogs(report.id)).map((l) => l.line);
        if (lines.includes('{"region":"apac","n":3}')) break;
        if (Date.now() > deadline) throw new Error(`report logs: ${JSON.stringify(lines)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }

      const bad = await engine.submit('sql-broken');
      await expect(finished(bad.id)).resolves.toBe('failed');
      const attempts = (await engine.getRun(bad.id))!.attempts;
      // 42P01 (undefined table) is permanent: one attempt despite backoff.limit 3.
      expect(attempts).toHaveLength(1);
      expect(attempts[0]).toMatchObject({ reason: 'SqlError', nonRetryable: true });
    } finally {
      await engine.stop();
      await plugin.close();
    }
  });
});
