/** Keyset pagination of runs (with filters) and retention in bounded batches. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '@kontroler/core';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore, pruneFinishedRuns, type PostgresStore } from '@kontroler/postgres';
import { T0, makeAttempt, makeRun } from './helpers.js';

let db: TestDatabase;
let store: PostgresStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = await createPostgresStore({ url: db.url });
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

const newestFirst = (a: RunRecord, b: RunRecord): number =>
  b.createdAt - a.createdAt || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);

async function all(filter: Parameters<PostgresStore['listRuns']>[0], limit: number): Promise<RunRecord[][]> {
  const pages: RunRecord[][] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listRuns(filter, { limit, cursor });
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 1000);
  return pages;
}

describe('keyset pagination of runs', () => {
  it('pages newest first with no duplicates or gaps, ties broken by id, while rows are added', async () => {
    const runs: RunRecord[] = [];
    for (let i = 0; i < 120; i++) {
      // Groups of three share a createdAt, so the id decides within a group.
      const run = makeRun({
        dagName: i % 2 === 0 ? 'even' : 'odd',
        state: i % 3 === 0 ? 'succeeded' : 'running',
        createdAt: T0 + Math.floor(i / 3) * 1000,
      });
      runs.push(run);
      await store.createRun({ run, attempts: [] });
    }
    const pages = await all({}, 7);
    expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    expect(pages.flat().map((r) => r.id)).toEqual([...runs].sort(newestFirst).map((r) => r.id));

    // A run added while paging (newer than everything) does not shift the later pages.
    const first = await store.listRuns({}, { limit: 10 });
    await store.createRun({ run: makeRun({ createdAt: T0 + 10_000_000 }), attempts: [] });
    const second = await store.listRuns({}, { limit: 10, cursor: first.nextCursor });
    expect(second.items.map((r) => r.id)).toEqual(
      [...runs]
        .sort(newestFirst)
        .slice(10, 20)
        .map((r) => r.id),
    );
  });

  it('filters by DAG, state and time range', async () => {
    const from = T0 + 10_000;
    const to = T0 + 30_000;
    const pages = await all(
      { dag: { namespace: 'default', name: 'even' }, states: ['running'], createdFrom: from, createdTo: to },
      4,
    );
    const got = pages.flat();
    expect(got.length).toBeGreaterThan(0);
    for (const run of got) {
      expect(run).toMatchObject({ dagName: 'even', state: 'running' });
      expect(run.createdAt).toBeGreaterThanOrEqual(from);
      expect(run.createdAt).toBeLessThan(to);
    }
    const expected = (await all({}, 500))
      .flat()
      .filter(
        (r) => r.dagName === 'even' && r.state === 'running' && r.createdAt >= from && r.createdAt < to,
      );
    expect(got.map((r) => r.id)).toEqual(expected.map((r) => r.id));
  });

  it('caps pages at 500 and rejects a cursor it did not make', async () => {
    const page = await store.listRuns({}, { limit: 10_000 });
    expect(page.items.length).toBeLessThanOrEqual(500);
    await expect(store.listRuns({}, { limit: 5, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({
      code: 'PARAMETER_INVALID',
    });
  });

  it('answers a keyset page from the index, not by sorting the table', async () => {
    // The table is small here, so take the planner's cheap way out (a sequential scan) off the table.
    const plan = await store.transaction(async (sql) => {
      await sql('set local enable_seqscan = off');
      await sql('set local enable_bitmapscan = off');
      await sql('set local enable_sort = off');
      return sql<{ 'QUERY PLAN': unknown }>(
        `explain (format json) select * from runs where (created_at, id) < ($1, $2)
          order by created_at desc, id desc limit 51`,
        [new Date(T0 + 50_000), 'zzz'],
      );
    });
    const text = JSON.stringify(plan);
    expect(text).toContain('runs_created_idx');
    // With a sort node the query would read every row before returning 50 of them.
    expect(text).not.toContain('"Node Type":"Sort"');
  });
});

describe('retention', () => {
  it('deletes old finished runs with attempts, logs and outbox in bounded batches, keeping the rest', async () => {
    const cutoff = T0 + 1_000_000_000;
    const old: RunRecord[] = [];
    for (let i = 0; i < 25; i++) {
      const run = makeRun({ dagName: 'retention', state: 'succeeded', finishedAt: cutoff - 1000 - i });
      old.push(run);
      const attempt = makeAttempt(run.id, { state: 'succeeded' });
      await store.createRun({
        run,
        attempts: [attempt],
        outbox: [{ id: `ob-${run.id}`, topic: 'webhook', runId: run.id, payload: {}, createdAt: T0 }],
      });
      await store.appendLogs(attempt.id, [{ ts: T0, stream: 'stdout', line: 'hello' }]);
      await store.recordDelivery(`ob-${run.id}`, {
        attempt: {
          outboxId: `ob-${run.id}`,
          attempt: 1,
          at: T0,
          ok: true,
          statusCode: 200,
          error: null,
          durationMs: 3,
        },
        outcome: 'delivered',
      });
    }
    const recent = makeRun({ dagName: 'retention', state: 'failed', finishedAt: cutoff + 10 });
    const active = makeRun({ dagName: 'retention', state: 'running' });
    await store.createRun({ run: recent, attempts: [] });
    await store.createRun({ run: active, attempts: [makeAttempt(active.id)] });

    const batches: number[] = [];
    const counting = {
      deleteFinishedRuns: async (before: number, limit: number) => {
        const n = await store.deleteFinishedRuns(before, limit);
        batches.push(n);
        return n;
      },
    };
    const deleted = await pruneFinishedRuns(counting, { maxAgeMs: 1000, now: cutoff + 1000, batchSize: 10 });
    expect(deleted).toBe(25);
    expect(batches).toEqual([10, 10, 5]);
    const left = await store.sql<{ id: string }>(`select id from runs where dag_name = 'retention'`);
    expect(left.map((r) => r.id).sort()).toEqual([recent.id, active.id].sort());
    const counts = await store.sql<{ attempts: number; logs: number; outbox: number; deliveries: number }>(
      `select (select count(*)::int from attempts where run_id = any($1::text[])) as attempts,
              (select count(*)::int from log_lines) as logs,
              (select count(*)::int from outbox where run_id = any($1::text[])) as outbox,
              (select count(*)::int from delivery_attempts) as deliveries`,
      [old.map((r) => r.id)],
    );
    expect(counts[0]).toEqual({ attempts: 0, logs: 0, outbox: 0, deliveries: 0 });
    expect(await store.getRunSnapshot(active.id)).toBeDefined();
  });
});
