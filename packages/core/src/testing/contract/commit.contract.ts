/** Contract: `commitRun`, the one guarded, atomic way run state changes. */
import { describe, expect, it } from 'vitest';
import { applyRunCommit } from '../../model/apply-commit.js';
import type { RunSnapshot } from '../../model/records.js';
import type { RunCommit } from '../../ports/store.js';
import { makeAttempt, makeOutboxMessage, testId } from '../builders.js';
import { FAKE_CLOCK_START as T0 } from '../fake-clock.js';
import { drainClaims, seedRun, type StoreFixture } from './fixture.js';

/** Attempts sorted by id, so snapshots compare whatever order a store returns them in. */
function normalized(snapshot: RunSnapshot | undefined): RunSnapshot | undefined {
  if (snapshot === undefined) return undefined;
  return { run: snapshot.run, attempts: [...snapshot.attempts].sort((a, b) => (a.id < b.id ? -1 : 1)) };
}

export function commitContract(fixture: StoreFixture): void {
  describe('commitRun', () => {
    it('applies run changes, attempt changes and new attempts, and increments the revision', async () => {
      const { store } = fixture;
      const { run, attempts } = await seedRun(store, { attempts: [{ taskName: 'a' }, { taskName: 'b' }] });
      const [a, b] = attempts;
      if (!a || !b) throw new Error('seed failed');
      const extra = makeAttempt({ runId: run.id, taskName: 'c', state: 'retrying', availableAt: T0 + 5000 });
      const result = await store.commitRun({
        runId: run.id,
        expectRevision: 0,
        run: { state: 'running', startedAt: T0 + 1 },
        attempts: [
          { id: a.id, expectState: 'waiting', set: { state: 'ready', availableAt: T0 + 1 } },
          { id: b.id, expectState: 'waiting', set: { state: 'skipped', reason: 'UpstreamFailed' } },
        ],
        newAttempts: [extra],
      });
      expect(result).toEqual({ ok: true, revision: 1 });
      // The failure kind the retry policy decides by is stored with the outcome.
      const started = await store.commitRun({
        runId: run.id,
        expectRevision: 1,
        attempts: [{ id: a.id, expectState: 'ready', set: { state: 'running', startedAt: T0 + 2 } }],
      });
      expect(started).toEqual({ ok: true, revision: 2 });
      const failed = await store.commitRun({
        runId: run.id,
        expectRevision: 2,
        attempts: [
          {
            id: a.id,
            expectState: 'running',
            set: { state: 'failed', exitCode: 127, reason: 'StartError', failureKind: 'start' },
          },
        ],
      });
      expect(failed).toEqual({ ok: true, revision: 3 });

      const snapshot = await store.getRunSnapshot(run.id);
      expect(snapshot?.run).toMatchObject({ state: 'running', startedAt: T0 + 1, revision: 3 });
      const byId = new Map(snapshot?.attempts.map((attempt) => [attempt.id, attempt]));
      expect(byId.get(a.id)).toMatchObject({ state: 'failed', availableAt: T0 + 1, failureKind: 'start' });
      expect(byId.get(b.id)?.failureKind).toBeNull();
      expect(byId.get(b.id)).toMatchObject({ state: 'skipped', reason: 'UpstreamFailed' });
      expect(byId.get(extra.id)).toEqual(extra);

      const next = await store.commitRun({ runId: run.id, expectRevision: 3, run: { reason: 'second' } });
      expect(next).toEqual({ ok: true, revision: 4 });
    });

    it('keeps the outputs of an attempt and the deadline of a run (docs/flow), as JSON values', async () => {
      const { store } = fixture;
      const { run, attempts } = await seedRun(store, {
        run: { state: 'running', startedAt: T0, activeDeadlineSeconds: 600 },
        attempts: [{ taskName: 'extract', state: 'running', startedAt: T0 }, { taskName: 'other' }],
      });
      const [extract, other] = attempts;
      if (!extract || !other) throw new Error('seed failed');
      const outputs = { rows: 42, files: ['a.csv', 'b.csv'], meta: { ok: true, note: null }, name: 'x"y' };
      const fanIn = makeAttempt({ runId: run.id, taskName: 'sum', outputs: { sizes: [1, null, 3] } });
      const result = await store.commitRun({
        runId: run.id,
        expectRevision: 0,
        attempts: [
          {
            id: extract.id,
            expectState: 'running',
            set: { state: 'succeeded', exitCode: 0, reason: 'Completed', finishedAt: T0 + 5, outputs },
          },
        ],
        newAttempts: [fanIn],
      });
      expect(result).toEqual({ ok: true, revision: 1 });
      const snapshot = await store.getRunSnapshot(run.id);
      expect(snapshot?.run.activeDeadlineSeconds).toBe(600);
      expect((await store.getRun(run.id))?.activeDeadlineSeconds).toBe(600);
      const byId = new Map(snapshot?.attempts.map((attempt) => [attempt.id, attempt]));
      expect(byId.get(extract.id)?.outputs).toEqual(outputs);
      expect(byId.get(fanIn.id)?.outputs).toEqual({ sizes: [1, null, 3] });
      // An attempt without outputs has none (absent or null), never an empty object.
      expect(byId.get(other.id)?.outputs ?? null).toBeNull();
    });

    it('means exactly what applyRunCommit computes', async () => {
      const { store } = fixture;
      const { run, attempts } = await seedRun(store, {
        run: { state: 'running', startedAt: T0 },
        attempts: [{ state: 'ready', availableAt: T0 }, { state: 'waiting' }],
      });
      const [first, second] = attempts;
      if (!first || !second) throw new Error('seed failed');
      const before = await store.getRunSnapshot(run.id);
      if (!before) throw new Error('run not stored');
      const commit: RunCommit = {
        runId: run.id,
        expectRevision: 0,
        run: { cancelRequested: true, reason: 'user asked' },
        attempts: [
          { id: first.id, expectState: 'ready', set: { state: 'canceled', finishedAt: T0 + 2 } },
          { id: second.id, expectState: 'waiting', set: { state: 'canceled', finishedAt: T0 + 2 } },
        ],
        newAttempts: [makeAttempt({ runId: run.id, taskName: 'later', createdAt: T0 + 2 })],
      };
      const expected = applyRunCommit(before, commit);
      expect(expected).not.toBe('conflict');
      expect((await store.commitRun(commit)).ok).toBe(true);
      expect(normalized(await store.getRunSnapshot(run.id))).toEqual(
        normalized(expected === 'conflict' ? undefined : expected),
      );
    });

    it('refuses a stale revision and applies nothing of it', async () => {
      const { store } = fixture;
      const { run, attempts } = await seedRun(store, { attempts: [{}] });
      const attempt = attempts[0];
      if (!attempt) throw new Error('seed failed');
      expect((await store.commitRun({ runId: run.id, expectRevision: 0, run: { reason: 'one' } })).ok).toBe(
        true,
      );
      const before = await store.getRunSnapshot(run.id);

      const stale = await store.commitRun({
        runId: run.id,
        expectRevision: 0,
        run: { state: 'running', reason: 'stale' },
        attempts: [{ id: attempt.id, expectState: 'waiting', set: { state: 'ready' } }],
        newAttempts: [makeAttempt({ runId: run.id, taskName: 'ghost' })],
        outbox: [makeOutboxMessage({ runId: run.id })],
      });
      expect(stale).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.getRunSnapshot(run.id)).toEqual(before);
      expect(await store.listDeliveries(run.id)).toEqual([]);
    });

    it('applies none of a commit when one attempt change does not hold', async () => {
      const { store } = fixture;
      const { run, attempts } = await seedRun(store, { attempts: [{}, {}, { state: 'ready' }] });
      const [a, b, c] = attempts;
      if (!a || !b || !c) throw new Error('seed failed');
      const before = await store.getRunSnapshot(run.id);
      const result = await store.commitRun({
        runId: run.id,
        expectRevision: 0,
        run: { state: 'running' },
        attempts: [
          { id: a.id, expectState: 'waiting', set: { state: 'ready' } },
          { id: b.id, expectState: 'waiting', set: { state: 'ready' } },
          // c is ready, not waiting: this change fails, so the two before it must not land either.
          { id: c.id, expectState: 'waiting', set: { state: 'ready' } },
        ],
        newAttempts: [makeAttempt({ runId: run.id, taskName: 'ghost' })],
        outbox: [makeOutboxMessage({ runId: run.id })],
      });
      expect(result).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.getRunSnapshot(run.id)).toEqual(before);
      expect(await store.listDeliveries(run.id)).toEqual([]);
    });

    it('refuses changes to unknown attempts and to attempts of another run', async () => {
      const { store } = fixture;
      const { run } = await seedRun(store, { attempts: [{}] });
      const other = await seedRun(store, { attempts: [{}] });
      const foreign = other.attempts[0];
      if (!foreign) throw new Error('seed failed');
      const unknown = await store.commitRun({
        runId: run.id,
        expectRevision: 0,
        attempts: [{ id: testId(), expectState: 'waiting', set: { state: 'ready' } }],
      });
      expect(unknown).toEqual({ ok: false, reason: 'conflict' });
      const crossRun = await store.commitRun({
        runId: run.id,
        expectRevision: 0,
        attempts: [{ id: foreign.id, expectState: 'waiting', set: { state: 'ready' } }],
      });
      expect(crossRun).toEqual({ ok: false, reason: 'conflict' });
      expect((await store.getRunSnapshot(other.run.id))?.attempts[0]?.state).toBe('waiting');
      expect((await store.getRun(run.id))?.revision).toBe(0);
    });

    it('refuses a new attempt whose id already exists', async () => {
      const { store } = fixture;
      const { run, attempts } = await seedRun(store, { attempts: [{}] });
      const existing = attempts[0];
      if (!existing) throw new Error('seed failed');
      const result = await store.commitRun({
        runId: run.id,
        expectRevision: 0,
        newAttempts: [makeAttempt({ runId: run.id, id: existing.id, taskName: 'twin' })],
      });
      expect(result).toEqual({ ok: false, reason: 'conflict' });
      expect((await store.getRunSnapshot(run.id))?.attempts.map((a) => a.taskName)).toEqual([
        existing.taskName,
      ]);
    });

    it('checks the lease owner when the change names one', async () => {
      const { store } = fixture;
      const now = T0 + 10_000;
      await drainClaims(store, 'contract-sweeper', now);
      const { run, attempts } = await seedRun(store, { attempts: [{ state: 'ready', availableAt: T0 }] });
      const attempt = attempts[0];
      if (!attempt) throw new Error('seed failed');
      const claimed = await drainClaims(store, 'worker-1', now);
      expect(claimed.map((c) => c.attempt.id)).toContain(attempt.id);
      const revision = (await store.getRun(run.id))?.revision ?? -1;

      const finish = (owner: string): Promise<unknown> =>
        store.commitRun({
          runId: run.id,
          expectRevision: revision,
          attempts: [
            {
              id: attempt.id,
              expectState: 'running',
              expectOwner: owner,
              set: { state: 'succeeded', exitCode: 0, finishedAt: now + 1, leaseOwner: null },
            },
          ],
        });
      expect(await finish('worker-2')).toEqual({ ok: false, reason: 'conflict' });
      expect(await finish('worker-1')).toEqual({ ok: true, revision: revision + 1 });
      expect((await store.getRunSnapshot(run.id))?.attempts[0]).toMatchObject({
        state: 'succeeded',
        exitCode: 0,
        leaseOwner: null,
      });
    });

    it('lets exactly one of two concurrent commits at the same revision win', async () => {
      const { store } = fixture;
      const { run } = await seedRun(store);
      const results = await Promise.all(
        ['first', 'second', 'third'].map((reason) =>
          store.commitRun({ runId: run.id, expectRevision: 0, run: { reason } }),
        ),
      );
      expect(results.filter((result) => result.ok)).toHaveLength(1);
      expect(results.filter((result) => !result.ok && result.reason === 'conflict')).toHaveLength(2);
      expect((await store.getRun(run.id))?.revision).toBe(1);
    });
  });
}
