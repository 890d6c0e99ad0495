/**
 * Contract: deleting finished runs. Runs here finish in 1970 so that, on a shared database, the
 * deletions can only reach rows this suite made.
 */
import { describe, expect, it } from 'vitest';
import type { RunState } from '../../model/states.js';
import { makeOutboxMessage, testId, uniqueName } from '../builders.js';
import { seedRun, type StoreFixture } from './fixture.js';

/** An instant in 1970: older than any run that other suites create. */
const ANCIENT = 1_000_000;

export function retentionContract(fixture: StoreFixture): void {
  describe('deleteFinishedRuns', () => {
    it('deletes runs finished before the cut-off with their attempts, logs and outbox, in bounded batches', async () => {
      const { store } = fixture;
      const topic = uniqueName('topic');
      const finished = async (state: RunState, finishedAt: number) => {
        const id = testId();
        const seeded = await seedRun(store, {
          run: { id, state, createdAt: ANCIENT - 10_000, startedAt: ANCIENT - 10_000, finishedAt },
          attempts: [{ state: state === 'succeeded' ? 'succeeded' : 'failed', createdAt: ANCIENT - 10_000 }],
          outbox: [makeOutboxMessage({ runId: id, topic, createdAt: ANCIENT - 10_000 })],
        });
        const attemptId = seeded.attempts[0]?.id ?? '';
        await store.appendLogs(attemptId, [{ ts: ANCIENT, stream: 'stdout', line: 'done' }]);
        expect(await store.listDeliveries(id)).toHaveLength(1);
        return { runId: seeded.run.id, attemptId };
      };
      const old = [
        await finished('succeeded', ANCIENT + 1),
        await finished('failed', ANCIENT + 2),
        await finished('canceled', ANCIENT + 3),
      ];
      const recent = await finished('succeeded', ANCIENT + 100);
      const active = await seedRun(store, {
        run: { state: 'running', createdAt: ANCIENT - 10_000, startedAt: ANCIENT - 10_000 },
        attempts: [{ state: 'running', createdAt: ANCIENT - 10_000 }],
      });
      const before = ANCIENT + 50;

      // Three runs qualify, so a limit of 2 must delete exactly 2.
      expect(await store.deleteFinishedRuns(before, 2)).toBe(2);
      let deleted = 2;
      for (let round = 0; round < 100; round++) {
        const count = await store.deleteFinishedRuns(before, 500);
        deleted += count;
        if (count === 0) break;
      }
      expect(deleted).toBeGreaterThanOrEqual(3);

      for (const { runId, attemptId } of old) {
        expect(await store.getRun(runId)).toBeUndefined();
        expect(await store.getRunSnapshot(runId)).toBeUndefined();
        expect(await store.readLogs(attemptId)).toEqual([]);
        expect(await store.listDeliveries(runId)).toEqual([]);
      }
      expect(await store.getRun(recent.runId)).toBeDefined();
      expect(await store.readLogs(recent.attemptId)).toHaveLength(1);
      expect(await store.listDeliveries(recent.runId)).toHaveLength(1);
      expect((await store.getRunSnapshot(active.run.id))?.attempts).toHaveLength(1);
      expect(await store.listActiveRunIds()).toContain(active.run.id);
    });

    it('deletes nothing when no run is old enough', async () => {
      const { store } = fixture;
      const { run } = await seedRun(store, { run: { state: 'succeeded', finishedAt: ANCIENT + 10 } });
      expect(await store.deleteFinishedRuns(0, 100)).toBe(0);
      expect(await store.getRun(run.id)).toBeDefined();
    });
  });
}
