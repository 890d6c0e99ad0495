/** Contract: backfill records, changed only by compare-and-set on their revision. */
import { describe, expect, it } from 'vitest';
import type { BackfillRecord } from '../../ports/backfill-store.js';
import { testId, uniqueName } from '../builders.js';
import { FAKE_CLOCK_START as T0 } from '../fake-clock.js';
import type { StoreFixture } from './fixture.js';

const HOUR = 3_600_000;

const makeBackfill = (overrides: Partial<BackfillRecord> = {}): BackfillRecord => ({
  id: testId(),
  namespace: 'default',
  dagName: uniqueName(),
  from: T0,
  to: T0 + 24 * HOUR,
  schedule: '0 * * * *',
  timezone: 'Europe/Paris',
  maxActiveRuns: 2,
  state: 'running',
  total: 24,
  submitted: 0,
  done: 0,
  failed: 0,
  nextTick: T0,
  inFlight: [],
  revision: 0,
  createdAt: T0,
  updatedAt: T0,
  finishedAt: null,
  createdBy: 'alice',
  ...overrides,
});

export function backfillContract(fixture: StoreFixture): void {
  describe('backfills', () => {
    it("creates, reads and lists a DAG's backfills newest first", async () => {
      const { store } = fixture;
      const first = makeBackfill();
      const second = makeBackfill({ dagName: first.dagName, createdAt: T0 + 1, updatedAt: T0 + 1 });
      expect(await store.createBackfill(first)).toEqual(first);
      await store.createBackfill(second);
      expect(await store.getBackfill(first.id)).toEqual(first);
      expect(await store.getBackfill(testId())).toBeUndefined();
      const dag = { namespace: 'default', name: first.dagName };
      expect((await store.listBackfills(dag, 10)).map((b) => b.id)).toEqual([second.id, first.id]);
      expect((await store.listBackfills(dag, 1)).map((b) => b.id)).toEqual([second.id]);
    });

    it('applies a change at the expected revision only, and lists running backfills', async () => {
      const { store } = fixture;
      const backfill = await store.createBackfill(makeBackfill());
      const moved = await store.updateBackfill(
        backfill.id,
        0,
        { submitted: 2, nextTick: T0 + 2 * HOUR, inFlight: ['r1', 'r2'] },
        T0 + 5,
      );
      expect(moved).toEqual({
        ...backfill,
        submitted: 2,
        nextTick: T0 + 2 * HOUR,
        inFlight: ['r1', 'r2'],
        revision: 1,
        updatedAt: T0 + 5,
      });
      expect(await store.updateBackfill(backfill.id, 0, { done: 1 }, T0 + 6)).toBeUndefined();
      expect((await store.getBackfill(backfill.id))?.done).toBe(0);
      expect((await store.listRunningBackfills()).map((b) => b.id)).toContain(backfill.id);
      const ended = await store.updateBackfill(
        backfill.id,
        1,
        { state: 'canceled', finishedAt: T0 + 7, inFlight: [], nextTick: null },
        T0 + 7,
      );
      expect(ended).toMatchObject({ state: 'canceled', finishedAt: T0 + 7, nextTick: null, revision: 2 });
      expect((await store.listRunningBackfills()).map((b) => b.id)).not.toContain(backfill.id);
      expect(await store.updateBackfill(testId(), 0, { done: 1 }, T0)).toBeUndefined();
    });
  });
}
