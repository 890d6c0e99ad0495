/**
 * The memory store's claim queue (heaps with lazy deletion) against the port's definition of claimable,
 * checked by scanning every attempt, over random sequences of writes, claims, renewals and releases.
 * Writes follow the attempt transition table; an illegal one is refused and must leave the queue as it was.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_TRANSITIONS,
  KontrolerError,
  canTransition,
  type AttemptRecord,
  type AttemptState,
} from '../../src/index.js';
import { createMemoryStore, makeAttempt, makeRun } from '../../src/testing/index.js';

const ATTEMPTS = 6;

type Op =
  | { kind: 'set'; index: number; state: AttemptState | undefined; availableIn: number | null }
  | { kind: 'claim'; limit: number; leaseMs: number }
  | { kind: 'renew'; index: number; leaseMs: number }
  | { kind: 'release'; index: number }
  | { kind: 'tick'; ms: number };

const index = fc.integer({ min: 0, max: ATTEMPTS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    index,
    // undefined: only `availableAt` changes, the state stays.
    state: fc.option(fc.constantFrom<AttemptState>('ready', 'retrying', 'waiting', 'succeeded', 'canceled'), {
      nil: undefined,
    }),
    availableIn: fc.option(fc.integer({ min: -20, max: 40 }), { nil: null }),
  }),
  fc.record({
    kind: fc.constant('claim' as const),
    limit: fc.integer({ min: 1, max: 4 }),
    leaseMs: fc.integer({ min: 1, max: 30 }),
  }),
  fc.record({ kind: fc.constant('renew' as const), index, leaseMs: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('release' as const), index }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 25 }) }),
);

/** The attempts' first states: each can be claimed, or become claimable through a legal move. */
const initial = fc.array(fc.constantFrom<AttemptState>('ready', 'retrying', 'waiting'), {
  minLength: ATTEMPTS,
  maxLength: ATTEMPTS,
});

/** The port's definition, by a full scan. */
function claimable(attempt: AttemptRecord, now: number): boolean {
  if (attempt.state === 'ready') return true;
  if (attempt.state === 'retrying') return (attempt.availableAt ?? attempt.createdAt) <= now;
  return attempt.state === 'running' && attempt.leaseExpiresAt !== null && attempt.leaseExpiresAt < now;
}

describe('MemoryStore claim queue', () => {
  it('claims exactly what a full scan says is claimable, never twice', async () => {
    await fc.assert(
      fc.asyncProperty(initial, fc.array(op, { minLength: 20, maxLength: 80 }), async (states, ops) => {
        const store = createMemoryStore();
        let now = 1000;
        const run = makeRun();
        const attempts = states.map((state, i) =>
          makeAttempt({ runId: run.id, taskName: `t${i}`, createdAt: now + i, state }),
        );
        await store.createRun({ run, attempts });
        const ids = attempts.map((attempt) => attempt.id);
        const current = async (): Promise<readonly AttemptRecord[]> =>
          (await store.getRunSnapshot(run.id))?.attempts ?? [];

        for (const step of ops) {
          const id = 'index' in step ? (ids[step.index] ?? '') : '';
          switch (step.kind) {
            case 'set': {
              const snapshot = await store.getRunSnapshot(run.id);
              const attempt = snapshot?.attempts.find((a) => a.id === id);
              if (!snapshot || !attempt) throw new Error('lost the run');
              const commit = store.commitRun({
                runId: run.id,
                expectRevision: snapshot.run.revision,
                attempts: [
                  {
                    id,
                    expectState: attempt.state,
                    set: {
                      ...(step.state === undefined ? {} : { state: step.state }),
                      availableAt: step.availableIn === null ? null : now + step.availableIn,
                    },
                  },
                ],
              });
              if (step.state === undefined || canTransition(ATTEMPT_TRANSITIONS, attempt.state, step.state)) {
                expect((await commit).ok).toBe(true);
              } else {
                await expect(commit).rejects.toSatisfy((e) => KontrolerError.is(e, 'INVALID_TRANSITION'));
                expect(await store.getRunSnapshot(run.id)).toEqual(snapshot);
              }
              break;
            }
            case 'claim': {
              const expected = new Set((await current()).filter((a) => claimable(a, now)).map((a) => a.id));
              const claimed = await store.claimAttempts({
                owner: `w${now}`,
                limit: step.limit,
                leaseMs: step.leaseMs,
                now,
              });
              const claimedIds = claimed.map((c) => c.attempt.id);
              expect(new Set(claimedIds).size).toBe(claimedIds.length);
              expect(claimedIds.length).toBe(Math.min(step.limit, expected.size));
              for (const claimedId of claimedIds) expect(expected.has(claimedId)).toBe(true);
              break;
            }
            case 'renew': {
              const attempt = (await current()).find((a) => a.id === id);
              if (attempt?.leaseOwner) await store.renewLeases(attempt.leaseOwner, [id], step.leaseMs, now);
              break;
            }
            case 'release': {
              const attempt = (await current()).find((a) => a.id === id);
              if (attempt?.leaseOwner) await store.releaseLeases(attempt.leaseOwner, [id], now);
              break;
            }
            case 'tick':
              now += step.ms;
              break;
          }
        }
        // Finally, far in the future everything claimable by a scan is claimed, in one go.
        now += 1_000;
        const expected = (await current()).filter((a) => claimable(a, now)).map((a) => a.id);
        const all = await store.claimAttempts({ owner: 'last', limit: 100, leaseMs: 10, now });
        expect(all.map((c) => c.attempt.id).sort()).toEqual(expected.sort());
      }),
      { numRuns: 200 },
    );
  });
});
