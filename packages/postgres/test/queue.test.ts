/** The work queue across processes' worth of pools: disjoint claims, stale-worker guards, LISTEN/NOTIFY. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedAttempt } from '@kontroler/core';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore, type PostgresStore } from '@kontroler/postgres';
import { T0, makeAttempt, makeRun } from './helpers.js';

let db: TestDatabase;
const stores: PostgresStore[] = [];

async function open(options: { applicationName?: string } = {}): Promise<PostgresStore> {
  const store = await createPostgresStore({ url: db.url, poolSize: 4, ...options });
  stores.push(store);
  return store;
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await db?.drop();
});

/** Sends notifications until `listener`'s LISTEN connection delivers one (it opens asynchronously). */
async function listening(listener: PostgresStore, writer: PostgresStore): Promise<void> {
  let woken = false;
  const off = listener.onWork(() => {
    woken = true;
  });
  for (let i = 0; !woken && i < 200; i++) {
    await writer.sql(`select pg_notify('kontroler_work', 'warm-up')`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  off();
  if (!woken) throw new Error('the LISTEN connection never delivered a notification');
}

/** Resolves with the milliseconds until the next call of an onWork listener. */
/** Resolves on the store's next wake-up (its listeners' next call). */
function nextWake(store: PostgresStore): Promise<void> {
  return new Promise((resolve) => {
    const off = store.onWork(() => {
      off();
      resolve();
    });
  });
}

describe('claims across separate pools', () => {
  it('gives 4 stores claiming 1,000 ready attempts concurrently disjoint sets that cover them all', async () => {
    const [a, b, c, d] = await Promise.all([open(), open(), open(), open()]);
    if (!a || !b || !c || !d) throw new Error('stores not opened');
    const run = makeRun();
    const attempts = Array.from({ length: 1000 }, (_, i) =>
      makeAttempt(run.id, { taskName: `t${i}`, availableAt: T0 + (i % 97) }),
    );
    await a.createRun({ run, attempts });
    // Two open connections per pool before the race, or a loop with a warm pool may claim everything while
    // the others still connect (seen once in CI on a loaded machine).
    await Promise.all(
      [a, b, c, d].flatMap((store) => [
        store.sql('select pg_sleep(0.05)'),
        store.sql('select pg_sleep(0.05)'),
      ]),
    );
    const claim = (store: PostgresStore, owner: string) =>
      store.claimAttempts({ owner, limit: 10, leaseMs: 60_000, now: T0 + 1000 });
    // A claim may come back empty while the last rows are locked by claims still in flight (SKIP LOCKED).
    // A claimer stops only once nothing is left to claim.
    const left = async (): Promise<number> =>
      Number(
        (
          await a.sql<{ n: string }>(
            `select count(*) as n from attempts where run_id = $1 and state = 'ready'`,
            [run.id],
          )
        )[0]?.n,
      );
    const claimAll = async (
      store: PostgresStore,
      owner: string,
      first: ClaimedAttempt[],
    ): Promise<string[]> => {
      const mine: string[] = [];
      let batch = first;
      for (let round = 0; round < 5_000; round += 1) {
        for (const claimed of batch) {
          expect(claimed.attempt.leaseOwner).toBe(owner);
          mine.push(claimed.attempt.id);
        }
        if (batch.length === 0 && (await left()) === 0) return mine;
        batch = await claim(store, owner);
      }
      throw new Error(`${owner} kept claiming without an end`);
    };
    // Two concurrent claim loops per store: 8 claimers on 4 pools. Their first claims start together, so
    // the race is real whatever the machine's load (a loop that started late once found nothing left).
    const claimers = [a, b, c, d].flatMap((store, i) => [
      { store, owner: `w${i}-1` },
      { store, owner: `w${i}-2` },
    ]);
    const firsts = await Promise.all(claimers.map(({ store, owner }) => claim(store, owner)));
    // Regression: candidates were picked before they were locked, so claims racing for the same first rows
    // came back empty while 990 attempts were still ready.
    expect(firsts.map((batch) => batch.length)).toEqual(claimers.map(() => 10));
    const results = await Promise.all(
      claimers.map(({ store, owner }, i) => claimAll(store, owner, firsts[i] ?? [])),
    );
    const all = results.flat();
    expect(all).toHaveLength(1000);
    expect(new Set(all).size).toBe(1000);
    expect(results.filter((r) => r.length > 0).length).toBeGreaterThan(1);
    const rows = await a.sql<{ owner: string; n: string }>(
      `select lease_owner as owner, count(*) as n from attempts where run_id = $1 and state = 'running' group by 1`,
      [run.id],
    );
    const byOwner = new Map(rows.map((r) => [r.owner, Number(r.n)]));
    results.forEach((ids, i) => {
      const owner = `w${Math.floor(i / 2)}-${(i % 2) + 1}`;
      expect(byOwner.get(owner) ?? 0).toBe(ids.length);
    });
  });

  it('refuses the outcome of a stale worker whose lease was taken over', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    if (!a || !b) throw new Error('stores not opened');
    const now = T0 + 10_000_000;
    await a.claimAttempts({ owner: 'sweeper', limit: 1000, leaseMs: 1e9, now });
    const run = makeRun();
    const attempt = makeAttempt(run.id, { availableAt: now });
    await a.createRun({ run, attempts: [attempt] });
    const [first] = await a.claimAttempts({ owner: 'slow', limit: 1, leaseMs: 1000, now });
    expect(first?.attempt.id).toBe(attempt.id);
    // The lease runs out; another worker takes it over.
    const [second] = await b.claimAttempts({ owner: 'fast', limit: 1, leaseMs: 60_000, now: now + 1001 });
    expect(second).toMatchObject({ reclaimed: true, attempt: { id: attempt.id, leaseOwner: 'fast' } });
    const fast = await b.commitRun({
      runId: run.id,
      expectRevision: 0,
      attempts: [
        {
          id: attempt.id,
          expectState: 'running',
          expectOwner: 'fast',
          set: { state: 'succeeded', exitCode: 0 },
        },
      ],
      run: { state: 'succeeded', finishedAt: now + 1100 },
    });
    expect(fast).toEqual({ ok: true, revision: 1 });
    // The slow worker reports late, even with the current revision: the lease guard refuses it. (It
    // cannot also fail the run: succeeded → failed is refused by the transition table, see the contract.)
    const slow = await a.commitRun({
      runId: run.id,
      expectRevision: 1,
      attempts: [
        {
          id: attempt.id,
          expectState: 'running',
          expectOwner: 'slow',
          set: { state: 'failed', exitCode: 1 },
        },
      ],
      run: { reason: 'late outcome' },
    });
    expect(slow).toEqual({ ok: false, reason: 'conflict' });
    expect((await a.renewLeases('slow', [attempt.id], 1000, now + 1200)).lost).toEqual([attempt.id]);
    const snapshot = await a.getRunSnapshot(run.id);
    expect(snapshot?.run).toMatchObject({ state: 'succeeded', revision: 1 });
    expect(snapshot?.attempts[0]).toMatchObject({ state: 'succeeded', exitCode: 0, leaseOwner: 'fast' });
  });
});

describe('LISTEN/NOTIFY', () => {
  it('wakes a listener in another store on a commit that makes work ready', async () => {
    const listener = await open();
    const writer = await open();
    const run = makeRun();
    const waiting = makeAttempt(run.id, { state: 'waiting', availableAt: null });
    await writer.createRun({ run, attempts: [waiting] });
    await listening(listener, writer);

    const woke = nextWake(listener);
    const result = await writer.commitRun({
      runId: run.id,
      expectRevision: 0,
      attempts: [{ id: waiting.id, expectState: 'waiting', set: { state: 'ready', availableAt: T0 } }],
    });
    expect(result.ok).toBe(true);
    // The store has no poll of its own: only the commit's NOTIFY can wake it.
    await woke;
  });

  it('does not wake listeners for a commit that makes nothing claimable', async () => {
    const listener = await open();
    const writer = await open();
    const run = makeRun();
    await writer.createRun({ run, attempts: [] });
    await listening(listener, writer);
    let calls = 0;
    const off = listener.onWork(() => calls++);
    await writer.commitRun({ runId: run.id, expectRevision: 0, run: { reason: 'just a note' } });
    // The notification of a sentinel commit after it proves the first one would have arrived by now.
    await writer.sql(`select pg_notify('kontroler_work', 'sentinel')`);
    await expect.poll(() => calls, { timeout: 2000 }).toBe(1);
    off();
  });

  it('re-listens after its connection is killed, and wakes on the next commit', async () => {
    const listener = await open({ applicationName: 'kontroler-listen-test' });
    const writer = await open();
    await listening(listener, writer);
    const reconnected = nextWake(listener);
    const killed = await writer.sql<{ ok: boolean }>(
      `select pg_terminate_backend(pid) as ok from pg_stat_activity
        where application_name = 'kontroler-listen-test' and query like 'listen%'`,
    );
    expect(killed.length).toBe(1);
    // After reconnecting, the store calls its listeners once (it may have missed notifications).
    await reconnected;
    const run = makeRun();
    const woke = nextWake(listener);
    await writer.createRun({ run, attempts: [makeAttempt(run.id)] });
    await woke;
  });

  it('listens only to channels with listeners, and adds one when its first listener comes', async () => {
    const listener = await open({ applicationName: 'kontroler-listen-channels' });
    const writer = await open();
    await listening(listener, writer);
    const lastListen = async () =>
      (
        await writer.sql<{ query: string }>(
          `select query from pg_stat_activity
            where application_name = 'kontroler-listen-channels' and query like 'listen%'`,
        )
      ).map((r) => r.query);
    // An engine without a journal reader is not woken by every commit's run event notification.
    expect(await lastListen()).toEqual(['listen kontroler_work']);

    let calls = 0;
    const off = listener.onRunEvents(() => calls++);
    // Called once when its LISTEN is up (what was journaled before it was not announced to it)…
    await expect.poll(() => calls, { timeout: 5000 }).toBe(1);
    expect(await lastListen()).toEqual(['listen kontroler_events']);
    // …and then by another store's journal writes.
    await writer.appendRunEvents([
      {
        type: 'run.created',
        namespace: 'default',
        runId: 'run-listen-channels',
        attemptId: null,
        payload: { run: makeRun({ id: 'run-listen-channels' }) },
        createdAt: T0,
      },
    ]);
    await expect.poll(() => calls, { timeout: 5000 }).toBe(2);
    off();
  });
});
