import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore, type PostgresStore } from '@kontroler/postgres';
import { makeDagVersionInput } from '@kontroler/core/testing';
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

describe('runs and commits', () => {
  it('creates a run with attempts and reads the snapshot back unchanged', async () => {
    const run = makeRun();
    const attempts = [
      makeAttempt(run.id, { taskName: 'a' }),
      makeAttempt(run.id, { taskName: 'b', state: 'waiting', availableAt: null }),
    ];
    const created = await store.createRun({ run, attempts });
    expect(created).toEqual({ run, created: true });
    const snapshot = await store.getRunSnapshot(run.id);
    expect(snapshot?.run).toEqual(run);
    expect(snapshot?.attempts).toEqual(expect.arrayContaining(attempts));
    expect(snapshot?.attempts).toHaveLength(2);
  });

  it('returns the first run for a reused idempotency key', async () => {
    const first = makeRun({ idempotencyKey: 'key-1' });
    await store.createRun({ run: first, attempts: [] });
    const second = await store.createRun({ run: makeRun({ idempotencyKey: 'key-1' }), attempts: [] });
    expect(second).toEqual({ run: first, created: false });
  });

  it('commits guarded by revision and rolls back everything on an attempt guard mismatch', async () => {
    const run = makeRun();
    const a = makeAttempt(run.id, { state: 'running', leaseOwner: 'w1', leaseExpiresAt: T0 + 1000 });
    const b = makeAttempt(run.id, { state: 'waiting', availableAt: null });
    await store.createRun({ run, attempts: [a, b] });
    const ok = await store.commitRun({
      runId: run.id,
      expectRevision: 0,
      attempts: [
        {
          id: a.id,
          expectState: 'running',
          expectOwner: 'w1',
          set: { state: 'succeeded', exitCode: 0, finishedAt: T0 + 5, leaseOwner: null },
        },
        { id: b.id, expectState: 'waiting', set: { state: 'ready', availableAt: T0 + 5 } },
      ],
      outbox: [{ id: 'm1', topic: 'webhook', runId: run.id, payload: { x: 1 }, createdAt: T0 }],
    });
    expect(ok).toEqual({ ok: true, revision: 1 });
    expect(await store.commitRun({ runId: run.id, expectRevision: 0, run: { state: 'failed' } })).toEqual({
      ok: false,
      reason: 'conflict',
    });
    // b is ready now, so expecting waiting fails; the run change must not be applied either.
    const stale = await store.commitRun({
      runId: run.id,
      expectRevision: 1,
      run: { state: 'failed', finishedAt: T0 + 9 },
      attempts: [{ id: b.id, expectState: 'waiting', set: { state: 'skipped' } }],
    });
    expect(stale).toEqual({ ok: false, reason: 'conflict' });
    const snap = await store.getRunSnapshot(run.id);
    expect(snap?.run.state).toBe('running');
    expect(snap?.run.revision).toBe(1);
    expect(snap?.attempts.find((x) => x.id === a.id)).toMatchObject({
      state: 'succeeded',
      exitCode: 0,
      finishedAt: T0 + 5,
      leaseOwner: null,
      leaseExpiresAt: T0 + 1000,
    });
    expect(snap?.attempts.find((x) => x.id === b.id)).toMatchObject({ state: 'ready', availableAt: T0 + 5 });
    expect(await store.commitRun({ runId: 'nope', expectRevision: 0 })).toEqual({
      ok: false,
      reason: 'not-found',
    });
    const deliveries = await store.listDeliveries(run.id);
    expect(deliveries.map((d) => d.message.id)).toEqual(['m1']);
  });
});

describe('DAG versions with their audit row', () => {
  const auditOf = (target: string) =>
    store.sql<{ actor: string; action: string; ip: string | null; details: Record<string, unknown> }>(
      'select actor, action, ip, details from audit_log where target = $1 order by id',
      [target],
    );

  it('writes dag.create, then dag.update, with each new version and none for an unchanged one', async () => {
    const audit = { actor: 'ada', ip: '10.0.0.1', details: { via: 'api' } };
    const first = makeDagVersionInput({ name: 'audited', namespace: 'team-a', audit });
    await store.putDagVersion(first);
    await store.putDagVersion({ ...first, now: T0 + 1 });
    const changed = makeDagVersionInput({
      name: 'audited',
      namespace: 'team-a',
      spec: { ...first.spec, description: 'v2' },
      audit,
    });
    await store.putDagVersion(changed);
    const rows = await auditOf('team-a/audited');
    expect(rows.map((r) => [r.actor, r.action, r.ip])).toEqual([
      ['ada', 'dag.create', '10.0.0.1'],
      ['ada', 'dag.update', '10.0.0.1'],
    ]);
    expect(rows[1]?.details).toEqual({
      via: 'api',
      namespace: 'team-a',
      version: 2,
      hash: changed.hash,
    });
  });

  it('saves nothing when the audit row cannot be written (one transaction)', async () => {
    // actor is NOT NULL: the audit insert fails after the version insert, inside the same transaction.
    const broken = { actor: null as unknown as string, ip: null };
    const input = makeDagVersionInput({ name: 'unaudited', namespace: 'team-a', audit: broken });
    await expect(store.putDagVersion(input)).rejects.toThrow();
    expect(await store.getDag({ namespace: 'team-a', name: 'unaudited' })).toBeUndefined();
    expect(await store.getDagVersion({ namespace: 'team-a', name: 'unaudited' }, 1)).toBeUndefined();
  });
});
