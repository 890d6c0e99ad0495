/**
 * The run event journal across processes: ids become visible in commit order (a reader following
 * `id > last` never steps over an id that commits later), another store's NOTIFY wakes a listener, and
 * the engine journals every run and task event of a run, `task.started` once per attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunEventFeed, createEngine, type RunEventInput, type StoredRunEvent } from '@kontroler/core';
import { FakeRuntime, makeRun } from '@kontroler/core/testing';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import {
  createPostgresStore,
  pruneRunEvents,
  type PostgresStore,
  type SqlFunction,
} from '@kontroler/postgres';
import pg from 'pg';
import { GapTracker, readRunEvents } from '../src/run-events.js';

let db: TestDatabase;
let a: PostgresStore;
let b: PostgresStore;

beforeAll(async () => {
  db = await createTestDatabase();
  a = await createPostgresStore({ url: db.url, poolSize: 8 });
  b = await createPostgresStore({ url: db.url, poolSize: 8 });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

/** Polls `check` (a store read) until it returns a value; the reads themselves are what is tested. */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('timed out');
}

const created = (runId: string, namespace: string): RunEventInput => {
  const run = makeRun({ id: runId, namespace });
  return { type: 'run.created', namespace, runId, attemptId: null, payload: { run }, createdAt: Date.now() };
};

/** Writes `runId`'s `run.created` in the caller's transaction, so that its id is drawn there. */
const insertCreated = (sql: SqlFunction, namespace: string, runId: string) =>
  sql(
    `insert into run_events (namespace, run_id, attempt_id, type, payload, created_at)
     values ($1, $2, null, 'run.created', $3, now())`,
    [namespace, runId, JSON.stringify(created(runId, namespace).payload)],
  );

/** A promise the test resolves when it chooses. */
const gate = () => {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

/** Thrown inside a held writer's transaction to roll it back. */
const ROLLED_BACK = new Error('rolled back');

/**
 * A writer (on store `b`) that draws `runId`'s id and stays open until `release()` (commit, or rollback
 * with `release('rollback')`), and then `newer`'s event, committed by store `a` with a higher id. `done`
 * settles when the writer has ended.
 */
async function holdLowerId(namespace: string, runId: string, newer: string) {
  const hasId = gate();
  let release: (how?: 'commit' | 'rollback') => void = () => {};
  const decided = new Promise<'commit' | 'rollback'>(
    (resolve) => (release = (how = 'commit') => resolve(how)),
  );
  const done = b
    .transaction(async (sql) => {
      await sql('select pg_current_xact_id()');
      await insertCreated(sql, namespace, runId);
      hasId.open();
      if ((await decided) === 'rollback') throw ROLLED_BACK;
    })
    .catch((error: unknown) => {
      if (error !== ROLLED_BACK) throw error;
    });
  await hasId.opened;
  await a.appendRunEvents([created(newer, namespace)]);
  return { release, done };
}

describe('run event journal (PostgreSQL)', () => {
  it('a reader following id > last misses nothing while two stores append concurrently', async () => {
    const namespace = `ns-${Date.now()}`;
    const seen: number[] = [];
    let stop = false;
    let cursor = (await a.runEventBounds()).last;
    const reader = (async () => {
      while (!stop) {
        const rows = await a.readRunEvents({ afterId: cursor, limit: 1000, namespaces: [namespace] });
        for (const row of rows) seen.push(row.id);
        if (rows.length > 0) cursor = rows[rows.length - 1]?.id ?? cursor;
      }
    })();
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < 200; i++) {
      const store = i % 2 === 0 ? a : b;
      writes.push(store.appendRunEvents([created(`run-${i}`, namespace), created(`run-${i}b`, namespace)]));
    }
    await Promise.all(writes);
    // One more read after every write has committed: whatever the reader stepped over is now visible.
    const all = await a.readRunEvents({ afterId: 0, limit: 1000, namespaces: [namespace] });
    stop = true;
    await reader;
    const rest = await a.readRunEvents({ afterId: cursor, limit: 1000, namespaces: [namespace] });
    seen.push(...rest.map((r) => r.id));
    expect(all).toHaveLength(400);
    // Seen once each, in order, and nothing stepped over.
    expect(seen).toEqual(all.map((r) => r.id));
  });

  it('never steps over the id of a writer still in flight, and steps over one that rolled back', async () => {
    const namespace = `ns-gap-${Date.now()}`;
    const start = (await a.runEventBounds()).last;
    const read = async () =>
      (await a.readRunEvents({ afterId: start, limit: 100, namespaces: [namespace] })).map((e) => e.runId);
    const slow = await holdLowerId(namespace, 'slow', 'fast');
    // `fast` committed with a higher id than `slow`, which is still in flight: nothing may be read yet.
    expect(await read()).toEqual([]);
    slow.release();
    await slow.done;
    expect(await read()).toEqual(['slow', 'fast']);

    const after =
      (await a.readRunEvents({ afterId: start, limit: 100, namespaces: [namespace] })).at(-1)?.id ?? 0;
    const doomed = await holdLowerId(namespace, 'doomed', 'later');
    doomed.release('rollback');
    await doomed.done;
    // The rolled-back id is a gap for good: once no transaction of that moment is running, it is passed.
    const later = await eventually(async () => {
      const events = await a.readRunEvents({ afterId: after, limit: 100, namespaces: [namespace] });
      return events.length > 0 ? events.map((e) => e.runId) : undefined;
    });
    expect(later).toEqual(['later']);
  });

  it('never steps over an in-flight id whose writer took its xid after the committed writer', async () => {
    // A snapshot's xmax is the newest completed xid + 1: a writer that took its xid after `first` but drew
    // its id before it is not below that xmax, so xmax cannot bound the gap.
    const namespace = `ns-xid-${Date.now()}`;
    const start = (await a.runEventBounds()).last;
    const read = async () =>
      (await a.readRunEvents({ afterId: start, limit: 100, namespaces: [namespace] })).map((e) => e.runId);
    const [firstHasXid, secondHasId, releaseSecond] = [gate(), gate(), gate()];
    const first = b.transaction(async (sql) => {
      await sql('select pg_current_xact_id()');
      firstHasXid.open();
      await secondHasId.opened;
      await insertCreated(sql, namespace, 'first');
    });
    const second = b.transaction(async (sql) => {
      await firstHasXid.opened;
      await sql('select pg_current_xact_id()');
      await insertCreated(sql, namespace, 'second');
      secondHasId.open();
      await releaseSecond.opened;
    });
    await first;
    // `first` committed with the higher id; `second` holds the lower one and is still running.
    expect(await read()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await read()).toEqual([]);
    releaseSecond.open();
    await second;
    expect(await read()).toEqual(['second', 'first']);
  });

  it('reads a gap again when its writer commits while the reader judges it, instead of stepping over it', async () => {
    const namespace = `ns-judged-${Date.now()}`;
    const start = (await a.runEventBounds()).last;
    const slow = await holdLowerId(namespace, 'slow', 'fast');
    // The reader has read `fast` and met the gap; it takes its bound, and the writer commits right then.
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      const reader = {
        query: async (config: string | { text: string; name?: string }, values?: unknown[]) => {
          const result = await pool.query(config, values);
          const text = typeof config === 'string' ? config : config.text;
          if (text.includes('pg_current_xact_id')) {
            slow.release();
            await slow.done;
          }
          return result;
        },
      } as pg.Pool;
      const events = await readRunEvents(
        reader,
        db.url,
        { afterId: start, limit: 100, namespaces: [namespace] },
        new GapTracker(),
      );
      expect(events.map((e) => e.runId)).toEqual(['slow', 'fast']);
    } finally {
      await pool.end();
    }
  });

  it('reports as unseen the ids missing among the newest 1,000 ids, never the pruned ones below the oldest', async () => {
    const namespace = `ns-bounds-${Date.now()}`;
    await a.appendRunEvents([created('x1', namespace)]);
    // 5,000 ids drawn and never written (as rolled-back writers leave them), then one more event.
    await a.transaction(async (sql) => {
      await sql(`select setval('run_events_id_seq', (select last_value from run_events_id_seq) + 5000)`);
    });
    await a.appendRunEvents([created('x2', namespace)]);
    const skipped = await a.runEventBounds();
    expect(skipped.unseen).toEqual(Array.from({ length: 999 }, (_, i) => skipped.last - 999 + i));

    // Everything pruned but one new event: the ids below it are gone, not in flight.
    await a.deleteRunEventsBefore(Date.now() + 60_000, 1_000_000);
    await a.appendRunEvents([created('x3', namespace)]);
    const pruned = await a.runEventBounds();
    expect(pruned.first).toBe(pruned.last);
    expect(pruned.unseen).toEqual([]);
  });

  it('a feed started while a writer holds a lower id than the newest delivers that id when it commits', async () => {
    const namespace = `ns-start-${Date.now()}`;
    const slow = await holdLowerId(namespace, 'slow', 'before');
    // `before` committed with the newest id; `slow` holds a lower one. The feed starts now.
    const bounds = await a.runEventBounds();
    expect(bounds.unseen?.length).toBeGreaterThan(0);
    const got: string[] = [];
    const feed = new RunEventFeed({
      store: a,
      pollMs: 50,
      onEvents: (events) => got.push(...events.filter((e) => e.namespace === namespace).map((e) => e.runId)),
    });
    await feed.ready;
    slow.release();
    await slow.done;
    await a.appendRunEvents([created('after', namespace)]);
    await eventually(async () => (got.includes('after') ? true : undefined));
    feed.stop();
    // `before` had committed when the feed started: not delivered; `slow` committed after: delivered.
    expect(got).toEqual(['slow', 'after']);
  });

  it('wakes a listener of another store through NOTIFY, and a feed there delivers the events', async () => {
    const namespace = `ns-feed-${Date.now()}`;
    const got: StoredRunEvent[] = [];
    let resolve: () => void = () => {};
    const done = new Promise<void>((r) => (resolve = r));
    const feed = new RunEventFeed({
      store: b,
      // A poll far beyond the test's timeout: only the NOTIFY can deliver in time.
      pollMs: 600_000,
      onEvents: (events) => {
        got.push(...events.filter((e) => e.namespace === namespace));
        if (got.length >= wanted) resolve();
      },
    });
    let wanted = 1;
    await feed.ready;
    await a.appendRunEvents([created('feed-1', namespace)]);
    await done;
    // b's LISTEN is up now (it delivered once): the second event can only come through NOTIFY.
    const second = new Promise<void>((r) => (resolve = r));
    wanted = 2;
    await a.appendRunEvents([created('feed-2', namespace)]);
    await second;
    feed.stop();
    expect(got.map((e) => e.runId)).toEqual(['feed-1', 'feed-2']);
  });

  it('journals every event of an engine run, task.started once per attempt, in lifecycle order', async () => {
    const runtime = new FakeRuntime();
    const engine = createEngine({ store: a, runtimes: [runtime], pollIntervalMs: 50 });
    await engine.start();
    try {
      const namespace = `ns-engine-${Date.now()}`;
      await engine.registerDag({
        name: 'pair',
        namespace,
        tasks: [
          { name: 'first', image: 'alpine', command: ['true'] },
          { name: 'second', image: 'alpine', command: ['true'], runAfter: ['first'] },
        ],
      });
      const finished = new Promise<void>((resolve) => engine.events.on('run.finished', () => resolve()));
      const run = await engine.submit({ namespace, name: 'pair' });
      await finished;
      const events = await b.readRunEvents({ afterId: 0, limit: 1000, runId: run.id });
      expect(
        events.map((e) => `${e.type}${e.payload.attempt ? `:${e.payload.attempt.taskName}` : ''}`),
      ).toEqual([
        'run.created',
        'run.started',
        'task.ready:first',
        'task.started:first',
        'task.succeeded:first',
        'task.ready:second',
        'task.started:second',
        'task.succeeded:second',
        'run.finished',
      ]);
      expect(events.at(-1)?.payload.run.state).toBe('succeeded');
    } finally {
      await engine.stop();
    }
  });

  it('prunes old events with pruneRunEvents', async () => {
    const old = { ...created('old-run', 'ns-prune'), createdAt: 5_000 };
    await a.appendRunEvents([old]);
    expect(await pruneRunEvents(a, { maxAgeMs: 1000, now: 7_000, batchSize: 1 })).toBeGreaterThanOrEqual(1);
    expect(await a.readRunEvents({ afterId: 0, limit: 10, runId: 'old-run' })).toEqual([]);
  });
});
