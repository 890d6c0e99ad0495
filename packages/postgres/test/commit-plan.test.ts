/**
 * What one commit statement reads. A step of a run changes one or two attempts, so its commit must read those
 * and no others, whatever the size of the run: with the attempts looked up through the run (the old plan), a
 * 10,000-task chain read every attempt of its run on every step, 10,000 × 10,000 rows in all.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore, type PostgresStore } from '@kontroler/postgres';
import { commitRun } from '../src/commit.js';
import { makeAttempt, makeRun } from './helpers.js';

let db: TestDatabase;
let store: PostgresStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await createPostgresStore({ url: db.url, poolSize: 2 });
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

/** Attempt rows the current transaction has read, by sequential and by index scans. */
async function attemptRowsRead(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ read: string }>(
    `select coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) as read
       from pg_stat_xact_user_tables where relname = 'attempts'`,
  );
  return Number(rows[0]?.read ?? 0);
}

describe('the commit statement', () => {
  it('reads only the attempts it changes, in a 10,000-attempt run, on a table without statistics', async () => {
    const run = makeRun();
    const attempts = Array.from({ length: 10_000 }, (_, i) =>
      makeAttempt(run.id, { taskName: `t${i}`, state: 'waiting', availableAt: null }),
    );
    await store.createRun({ run, attempts });
    const [first, second] = attempts;
    if (!first || !second) throw new Error('seed failed');

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // The plan a pool connection settles on after its first executions (a prepared statement's generic
      // plan), made while the table has no statistics yet: a new installation's first big run.
      await client.query('set plan_cache_mode = force_generic_plan');
      const { rows } = await client.query<{ analyzed: boolean }>(
        `select last_analyze is not null or last_autoanalyze is not null as analyzed
           from pg_stat_user_tables where relname = 'attempts'`,
      );
      expect(rows[0]?.analyzed).toBe(false);
      await client.query('begin');
      const outcome = await commitRun(client, db.url, 'test', {
        runId: run.id,
        expectRevision: 0,
        attempts: [
          { id: first.id, expectState: 'waiting', set: { state: 'ready' } },
          { id: second.id, expectState: 'waiting', set: { state: 'ready' } },
        ],
      });
      expect(outcome.result).toEqual({ ok: true, revision: 1 });
      expect(await attemptRowsRead(client)).toBeLessThanOrEqual(2);
      await client.query('rollback');
    } finally {
      await client.end();
    }
  });
});
