/**
 * Contract: `commitRun` enforces the run and attempt transition tables. Every (from → to) pair of both
 * tables is committed: a legal move lands, an illegal one is refused with `INVALID_TRANSITION` and
 * nothing of its commit (run fields, other attempt changes, new attempts, outbox) is written.
 */
import { describe, expect, it } from 'vitest';
import { KontrolerError } from '../../errors/kontroler-error.js';
import {
  ATTEMPT_STATES,
  ATTEMPT_TRANSITIONS,
  RUN_STATES,
  RUN_TRANSITIONS,
  canTransition,
  type AttemptState,
  type RunState,
} from '../../model/states.js';
import type { RunCommit, Store } from '../../ports/store.js';
import { makeAttempt, makeOutboxMessage } from '../builders.js';
import { FAKE_CLOCK_START as T0 } from '../fake-clock.js';
import { seedRun, type StoreFixture } from './fixture.js';

/** The commit's refusal, checked to be `INVALID_TRANSITION` with these details. */
async function expectRefused(
  store: Store,
  commit: RunCommit,
  details: { entity: 'run' | 'attempt'; id: string; from: string; to: string },
): Promise<void> {
  let refusal: unknown;
  try {
    const result = await store.commitRun(commit);
    refusal = new Error(`committed: ${JSON.stringify(result)}`);
  } catch (error) {
    refusal = error;
  }
  expect(KontrolerError.is(refusal, 'INVALID_TRANSITION'), String(refusal)).toBe(true);
  expect((refusal as KontrolerError<'INVALID_TRANSITION'>).details).toEqual(details);
}

/** A run in `state` (started and, when terminal, finished) with one attempt in `attemptState`. */
async function seed(store: Store, state: RunState, attemptState: AttemptState = 'waiting') {
  const terminal = state === 'succeeded' || state === 'failed' || state === 'canceled';
  const running = attemptState === 'running';
  return seedRun(store, {
    run: {
      state,
      ...(state === 'pending' ? {} : { startedAt: T0 }),
      ...(terminal ? { finishedAt: T0 + 1 } : {}),
    },
    attempts: [
      {
        state: attemptState,
        // Claimable states wait far in the future, so no other test's claim sweep takes them meanwhile.
        availableAt:
          attemptState === 'ready' || attemptState === 'retrying' || attemptState === 'awaiting'
            ? T0 + 1e12
            : null,
        ...(running ? { leaseOwner: 'contract-owner', leaseExpiresAt: T0 + 1e12, startedAt: T0 } : {}),
      },
      { state: 'waiting' },
    ],
  });
}

export function transitionContract(fixture: StoreFixture): void {
  describe('commitRun enforces the run transition table', () => {
    for (const from of RUN_STATES) {
      for (const to of RUN_STATES) {
        const legal = canTransition(RUN_TRANSITIONS, from, to);
        it(`run ${from} → ${to} is ${legal ? 'committed' : 'refused'}`, async () => {
          const { store } = fixture;
          const { run, attempts } = await seed(store, from);
          const other = attempts[1];
          if (!other) throw new Error('seed failed');
          const before = await store.getRunSnapshot(run.id);
          const commit: RunCommit = {
            runId: run.id,
            expectRevision: 0,
            run: { state: to, reason: `moved to ${to}` },
            // A legal attempt move and new rows ride along: an illegal run move must take them down too.
            attempts: [
              { id: other.id, expectState: 'waiting', set: { state: 'canceled', finishedAt: T0 + 2 } },
            ],
            newAttempts: [makeAttempt({ runId: run.id, taskName: 'rider', createdAt: T0 + 2 })],
            outbox: [makeOutboxMessage({ runId: run.id })],
          };
          if (legal) {
            expect(await store.commitRun(commit)).toEqual({ ok: true, revision: 1 });
            expect(await store.getRun(run.id)).toMatchObject({ state: to, reason: `moved to ${to}` });
            return;
          }
          await expectRefused(store, commit, { entity: 'run', id: run.id, from, to });
          expect(await store.getRunSnapshot(run.id)).toEqual(before);
          expect(await store.listDeliveries(run.id)).toEqual([]);
        });
      }
    }
  });

  describe('commitRun enforces the attempt transition table', () => {
    for (const from of ATTEMPT_STATES) {
      for (const to of ATTEMPT_STATES) {
        const legal = canTransition(ATTEMPT_TRANSITIONS, from, to);
        it(`attempt ${from} → ${to} is ${legal ? 'committed' : 'refused'}`, async () => {
          const { store } = fixture;
          const { run, attempts } = await seed(store, 'running', from);
          const [attempt, other] = attempts;
          if (!attempt || !other) throw new Error('seed failed');
          const before = await store.getRunSnapshot(run.id);
          const commit: RunCommit = {
            runId: run.id,
            expectRevision: 0,
            run: { reason: 'attempt moved' },
            attempts: [
              // A legal change first: it must not land when the second one is refused.
              { id: other.id, expectState: 'waiting', set: { state: 'ready', availableAt: T0 + 1e12 } },
              { id: attempt.id, expectState: from, set: { state: to, message: `moved to ${to}` } },
            ],
            outbox: [makeOutboxMessage({ runId: run.id })],
          };
          if (legal) {
            expect(await store.commitRun(commit)).toEqual({ ok: true, revision: 1 });
            const after = await store.getRunSnapshot(run.id);
            expect(after?.attempts.find((a) => a.id === attempt.id)).toMatchObject({
              state: to,
              message: `moved to ${to}`,
            });
            return;
          }
          await expectRefused(store, commit, { entity: 'attempt', id: attempt.id, from, to });
          expect(await store.getRunSnapshot(run.id)).toEqual(before);
          expect(await store.listDeliveries(run.id)).toEqual([]);
        });
      }
    }

    it('judges each of several changes to one attempt by its own move', async () => {
      const { store } = fixture;
      const { run, attempts } = await seed(store, 'running');
      const attempt = attempts[0];
      if (!attempt) throw new Error('seed failed');
      // waiting → ready → running: each step is legal, though waiting → running in one step is not.
      const chain: RunCommit = {
        runId: run.id,
        expectRevision: 0,
        attempts: [
          { id: attempt.id, expectState: 'waiting', set: { state: 'ready', availableAt: T0 + 1e12 } },
          { id: attempt.id, expectState: 'ready', set: { state: 'running', leaseOwner: 'contract-owner' } },
        ],
      };
      expect(await store.commitRun(chain)).toEqual({ ok: true, revision: 1 });
      const chained = (await store.getRunSnapshot(run.id))?.attempts.find((a) => a.id === attempt.id);
      expect(chained?.state).toBe('running');

      const second = (await seed(store, 'running')).attempts[0];
      if (!second) throw new Error('seed failed');
      const { runId } = second;
      // waiting → ready is legal, ready → succeeded is not: the whole commit is refused.
      await expectRefused(
        store,
        {
          runId,
          expectRevision: 0,
          attempts: [
            { id: second.id, expectState: 'waiting', set: { state: 'ready' } },
            { id: second.id, expectState: 'ready', set: { state: 'succeeded' } },
          ],
        },
        { entity: 'attempt', id: second.id, from: 'ready', to: 'succeeded' },
      );
      expect((await store.getRunSnapshot(runId))?.attempts.find((a) => a.id === second.id)?.state).toBe(
        'waiting',
      );
    });
  });

  describe('commitRun orders its refusals', () => {
    it('reports a stale revision as a conflict, whatever state move it asked for', async () => {
      const { store } = fixture;
      const { run } = await seed(store, 'succeeded');
      expect(await store.commitRun({ runId: run.id, expectRevision: 0, run: { reason: 'bump' } })).toEqual({
        ok: true,
        revision: 1,
      });
      // succeeded → running is illegal, but the commit was planned on a revision that is gone.
      expect(await store.commitRun({ runId: run.id, expectRevision: 0, run: { state: 'running' } })).toEqual({
        ok: false,
        reason: 'conflict',
      });
    });

    it('refuses an illegal attempt move before it looks at the revision', async () => {
      const { store } = fixture;
      const { run, attempts } = await seed(store, 'running');
      const attempt = attempts[0];
      if (!attempt) throw new Error('seed failed');
      await expectRefused(
        store,
        {
          runId: run.id,
          expectRevision: 7,
          // waiting → running skips `ready` (waiting → succeeded is legal: a forEach task settling).
          attempts: [{ id: attempt.id, expectState: 'waiting', set: { state: 'running' } }],
        },
        { entity: 'attempt', id: attempt.id, from: 'waiting', to: 'running' },
      );
      expect((await store.getRun(run.id))?.revision).toBe(0);
    });
  });
}
