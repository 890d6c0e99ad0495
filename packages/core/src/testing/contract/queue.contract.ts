/**
 * Contract: claims, leases and wake-ups. Each test first drains whatever earlier tests left claimable,
 * so that on a shared database its assertions see only its own attempts.
 */
import { describe, expect, it } from 'vitest';
import type { ClaimedAttempt } from '../../ports/store.js';
import { testId } from '../builders.js';
import { FAKE_CLOCK_START as T0 } from '../fake-clock.js';
import { drainClaims, nextCall, seedRun, sorted, type StoreFixture } from './fixture.js';

const LEASE_MS = 30_000;

/** The claimed attempts among `ids`. */
function only(claimed: readonly ClaimedAttempt[], ids: readonly string[]): ClaimedAttempt[] {
  const wanted = new Set(ids);
  return claimed.filter((claim) => wanted.has(claim.attempt.id));
}

export function queueContract(fixture: StoreFixture): void {
  describe('claims and leases', () => {
    it('claims ready and due retrying attempts, leaving waiting and future retrying ones', async () => {
      const { store } = fixture;
      const now = T0 + 100_000;
      await drainClaims(store, 'contract-sweeper', now);
      const { run, attempts } = await seedRun(store, {
        attempts: [
          { taskName: 'ready', state: 'ready', availableAt: now - 10 },
          { taskName: 'due', state: 'retrying', availableAt: now - 1 },
          { taskName: 'exactly-due', state: 'retrying', availableAt: now },
          { taskName: 'later', state: 'retrying', availableAt: now + 60_000 },
          { taskName: 'waiting', state: 'waiting' },
        ],
      });
      const ids = new Map(attempts.map((attempt) => [attempt.taskName, attempt.id]));
      const claimed = only(
        await drainClaims(store, 'worker-1', now, LEASE_MS),
        attempts.map((a) => a.id),
      );
      expect(sorted(claimed.map((c) => c.attempt.taskName))).toEqual(['due', 'exactly-due', 'ready']);
      for (const claim of claimed) {
        expect(claim.reclaimed).toBe(false);
        expect(claim.attempt).toMatchObject({
          state: 'running',
          leaseOwner: 'worker-1',
          leaseExpiresAt: now + LEASE_MS,
          runId: run.id,
        });
      }

      const later = only(await drainClaims(store, 'worker-2', now + 60_000, LEASE_MS), [
        ids.get('later') ?? '',
        ids.get('waiting') ?? '',
      ]);
      expect(later.map((c) => c.attempt.taskName)).toEqual(['later']);
      const snapshot = await store.getRunSnapshot(run.id);
      expect(snapshot?.attempts.find((a) => a.taskName === 'waiting')?.state).toBe('waiting');
    });

    it('does not change the run revision when claiming', async () => {
      const { store } = fixture;
      const now = T0 + 100_000;
      await drainClaims(store, 'contract-sweeper', now);
      const { run } = await seedRun(store, { attempts: [{ state: 'ready', availableAt: now }] });
      expect(await drainClaims(store, 'worker-1', now)).toHaveLength(1);
      expect((await store.getRun(run.id))?.revision).toBe(run.revision);
    });

    it('claims the oldest available attempts first', async () => {
      const { store } = fixture;
      const now = T0 + 100_000;
      await drainClaims(store, 'contract-sweeper', now);
      const { attempts } = await seedRun(store, {
        attempts: [
          { taskName: 'third', state: 'ready', availableAt: now - 100 },
          { taskName: 'first', state: 'ready', availableAt: now - 300 },
          { taskName: 'second', state: 'retrying', availableAt: now - 200 },
        ],
      });
      const order: string[] = [];
      for (let index = 0; index < 3; index++) {
        const [claim] = await store.claimAttempts({ owner: 'w', limit: 1, leaseMs: LEASE_MS, now });
        if (claim) order.push(claim.attempt.taskName);
      }
      expect(order).toEqual(['first', 'second', 'third']);
      expect(attempts).toHaveLength(3);
    });

    it('reclaims an attempt whose lease expired, flagged reclaimed', async () => {
      const { store } = fixture;
      const now = T0 + 100_000;
      await drainClaims(store, 'contract-sweeper', now);
      const { attempts } = await seedRun(store, { attempts: [{ state: 'ready', availableAt: now }] });
      const id = attempts[0]?.id ?? '';
      expect(only(await drainClaims(store, 'worker-1', now, 1000), [id])).toHaveLength(1);

      expect(only(await drainClaims(store, 'worker-2', now + 500, 1000), [id])).toEqual([]);
      const reclaimed = only(await drainClaims(store, 'worker-2', now + 1001, 1000), [id]);
      expect(reclaimed).toHaveLength(1);
      expect(reclaimed[0]?.reclaimed).toBe(true);
      expect(reclaimed[0]?.attempt).toMatchObject({
        state: 'running',
        leaseOwner: 'worker-2',
        leaseExpiresAt: now + 2001,
      });
      const renewal = await store.renewLeases('worker-1', [id], 1000, now + 1002);
      expect(renewal).toEqual({ renewed: [], lost: [id], cancelRequested: [] });
    });

    it('gives 10 concurrent claimers disjoint sets that cover all 50 ready attempts', async () => {
      const { store } = fixture;
      const now = T0 + 100_000;
      await drainClaims(store, 'contract-sweeper', now);
      const { attempts } = await seedRun(store, {
        attempts: Array.from({ length: 50 }, (_, index) => ({
          taskName: `t${index}`,
          state: 'ready' as const,
          availableAt: now - index,
        })),
      });
      const batches = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          store.claimAttempts({ owner: `worker-${index}`, limit: 7, leaseMs: LEASE_MS, now }),
        ),
      );
      const all = [...batches.flat(), ...(await drainClaims(store, 'worker-late', now, LEASE_MS))];
      const ids = all.map((claim) => claim.attempt.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(
        sorted(
          only(
            all,
            attempts.map((a) => a.id),
          ).map((c) => c.attempt.id),
        ),
      ).toEqual(sorted(attempts.map((a) => a.id)));
      for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(7);
    });

    it('renews held leases and reports lost ones and canceled runs', async () => {
      const { store } = fixture;
      const now = T0 + 100_000;
      await drainClaims(store, 'contract-sweeper', now);
      const kept = await seedRun(store, { attempts: [{ state: 'ready', availableAt: now }] });
      const canceled = await seedRun(store, { attempts: [{ state: 'ready', availableAt: now }] });
      const keptId = kept.attempts[0]?.id ?? '';
      const canceledId = canceled.attempts[0]?.id ?? '';
      expect(only(await drainClaims(store, 'worker-1', now, 1000), [keptId, canceledId])).toHaveLength(2);
      const cancel = await store.commitRun({
        runId: canceled.run.id,
        expectRevision: canceled.run.revision,
        run: { cancelRequested: true },
      });
      expect(cancel.ok).toBe(true);

      const unknown = testId();
      const renewal = await store.renewLeases('worker-1', [keptId, canceledId, unknown], 5000, now + 500);
      expect(sorted(renewal.renewed)).toEqual(sorted([keptId, canceledId]));
      expect(renewal.lost).toEqual([unknown]);
      expect(renewal.cancelRequested).toEqual([canceledId]);
      const snapshot = await store.getRunSnapshot(kept.run.id);
      expect(snapshot?.attempts[0]?.leaseExpiresAt).toBe(now + 5500);
      // The renewed lease outlives the original one: nobody may take it at now + 1001.
      expect(only(await drainClaims(store, 'worker-2', now + 1001), [keptId])).toEqual([]);

      expect((await store.renewLeases('worker-2', [keptId], 5000, now + 600)).lost).toEqual([keptId]);

      const revision = (await store.getRun(kept.run.id))?.revision ?? -1;
      const finished = await store.commitRun({
        runId: kept.run.id,
        expectRevision: revision,
        attempts: [
          {
            id: keptId,
            expectState: 'running',
            expectOwner: 'worker-1',
            set: { state: 'succeeded', finishedAt: now + 700 },
          },
        ],
      });
      expect(finished.ok).toBe(true);
      expect((await store.renewLeases('worker-1', [keptId], 5000, now + 800)).lost).toEqual([keptId]);
    });

    it('makes released leases reclaimable, and ignores releases by others', async () => {
      const { store } = fixture;
      const now = T0 + 100_000;
      await drainClaims(store, 'contract-sweeper', now);
      const { attempts } = await seedRun(store, {
        attempts: [
          { state: 'ready', availableAt: now },
          { state: 'ready', availableAt: now },
        ],
      });
      const [mine, theirs] = attempts.map((attempt) => attempt.id);
      if (mine === undefined || theirs === undefined) throw new Error('seed failed');
      const first = only(await drainClaims(store, 'worker-1', now, 60_000), [mine, theirs]);
      expect(first).toHaveLength(2);

      await store.releaseLeases('worker-1', [mine], now + 10);
      await store.releaseLeases('worker-3', [theirs], now + 10);
      const second = only(await drainClaims(store, 'worker-2', now + 11, 60_000), [mine, theirs]);
      expect(second.map((claim) => claim.attempt.id)).toEqual([mine]);
      expect(second[0]?.reclaimed).toBe(true);
      expect(second[0]?.attempt.leaseOwner).toBe('worker-2');
    });

    it('wakes workers after a commit makes an attempt ready', async () => {
      const { store } = fixture;
      const { run, attempts } = await seedRun(store, { attempts: [{}] });
      const woken = nextCall((listener) => store.onWork(listener));
      const result = await store.commitRun({
        runId: run.id,
        expectRevision: 0,
        attempts: [{ id: attempts[0]?.id ?? '', expectState: 'waiting', set: { state: 'ready' } }],
      });
      expect(result.ok).toBe(true);
      await expect(woken).resolves.toBeUndefined();
    });
  });

  // The engine claims the attempts a commit makes ready in that same commit (waiting → ready → running
  // under the committing worker's lease): such a claim must be a lease like any other.
  describe('claims made by a commit', () => {
    /** Readies and claims the seeded waiting attempt for `owner` in one commit. */
    async function claimInCommit(owner: string, now: number, leaseMs = LEASE_MS) {
      const { store } = fixture;
      await drainClaims(store, 'contract-sweeper', now);
      const { run, attempts } = await seedRun(store, { attempts: [{ state: 'waiting' }] });
      const id = attempts[0]?.id ?? '';
      const result = await store.commitRun({
        runId: run.id,
        expectRevision: run.revision,
        attempts: [
          { id, expectState: 'waiting', set: { state: 'ready', availableAt: now } },
          {
            id,
            expectState: 'ready',
            set: { state: 'running', leaseOwner: owner, leaseExpiresAt: now + leaseMs, startedAt: now },
          },
        ],
      });
      return { run, id, result };
    }

    it('leaves the attempt running under the lease, claimed by nobody else until the lease expires', async () => {
      const { store } = fixture;
      const now = T0 + 200_000;
      const { run, id, result } = await claimInCommit('worker-1', now, 1000);
      expect(result).toEqual({ ok: true, revision: run.revision + 1 });
      const snapshot = await store.getRunSnapshot(run.id);
      expect(snapshot?.attempts.find((a) => a.id === id)).toMatchObject({
        state: 'running',
        leaseOwner: 'worker-1',
        leaseExpiresAt: now + 1000,
        startedAt: now,
      });
      expect(only(await drainClaims(store, 'worker-2', now + 1000), [id])).toEqual([]);
      // The worker crashed: once its lease expired the attempt is reclaimed, exactly as a claimed one is.
      const reclaimed = only(await drainClaims(store, 'worker-2', now + 1001, 1000), [id]);
      expect(reclaimed).toHaveLength(1);
      expect(reclaimed[0]?.reclaimed).toBe(true);
      expect(reclaimed[0]?.attempt).toMatchObject({ state: 'running', leaseOwner: 'worker-2' });
      expect(await store.renewLeases('worker-1', [id], 1000, now + 1002)).toEqual({
        renewed: [],
        lost: [id],
        cancelRequested: [],
      });
    });

    it('is renewed by its owner and fences every other owner out of the outcome', async () => {
      const { store } = fixture;
      const now = T0 + 200_000;
      const { run, id } = await claimInCommit('worker-1', now);
      const renewal = await store.renewLeases('worker-1', [id], LEASE_MS, now + 10);
      expect(renewal.renewed).toEqual([id]);
      const outcome = (owner: string, revision: number) =>
        store.commitRun({
          runId: run.id,
          expectRevision: revision,
          attempts: [
            {
              id,
              expectState: 'running',
              expectOwner: owner,
              set: { state: 'succeeded', exitCode: 0, finishedAt: now + 20, leaseOwner: null },
            },
          ],
        });
      expect(await outcome('worker-2', run.revision + 1)).toEqual({ ok: false, reason: 'conflict' });
      expect(await outcome('worker-1', run.revision + 1)).toEqual({ ok: true, revision: run.revision + 2 });
    });

    it('conflicts, writing nothing, when another worker claimed the attempt first', async () => {
      const { store } = fixture;
      const now = T0 + 200_000;
      await drainClaims(store, 'contract-sweeper', now);
      const { run, attempts } = await seedRun(store, {
        attempts: [{ state: 'ready', availableAt: now }, { state: 'waiting' }],
      });
      const [ready, waiting] = attempts.map((a) => a.id);
      expect(only(await drainClaims(store, 'worker-2', now), [ready ?? ''])).toHaveLength(1);
      const result = await store.commitRun({
        runId: run.id,
        expectRevision: run.revision,
        attempts: [
          { id: waiting ?? '', expectState: 'waiting', set: { state: 'ready', availableAt: now } },
          {
            id: ready ?? '',
            expectState: 'ready',
            set: { state: 'running', leaseOwner: 'worker-1', leaseExpiresAt: now + LEASE_MS },
          },
        ],
      });
      expect(result).toEqual({ ok: false, reason: 'conflict' });
      const snapshot = await store.getRunSnapshot(run.id);
      expect(snapshot?.run.revision).toBe(run.revision);
      expect(snapshot?.attempts.find((a) => a.id === waiting)?.state).toBe('waiting');
      expect(snapshot?.attempts.find((a) => a.id === ready)?.leaseOwner).toBe('worker-2');
    });
  });
}
