/**
 * Contract: the aggregate port (the dashboard's figures). Each test works in a namespace of its own, so the
 * figures it reads are exactly what it wrote, even on a shared database.
 */
import { describe, expect, it } from 'vitest';
import { durationBucket } from '../../model/duration-histogram.js';
import type { RunState } from '../../model/states.js';
import type { AggregateScope } from '../../ports/aggregates.js';
import { uniqueName } from '../builders.js';
import { FAKE_CLOCK_START } from '../fake-clock.js';
import { seedRun, type StoreFixture } from './fixture.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Midnight UTC, 1 January 2026: a whole hour and a whole day. */
const T = FAKE_CLOCK_START;

const scopeOf = (namespace: string): AggregateScope => ({ namespaces: [namespace] });

export function aggregateContract(fixture: StoreFixture): void {
  describe('aggregates', () => {
    /** A run of `dag` in `namespace` that finished `finishedAt` after starting `durationMs` earlier. */
    const finished = (
      namespace: string,
      dag: string,
      state: RunState,
      finishedAt: number,
      durationMs: number,
      attempts: Array<{ task: string; state: 'succeeded' | 'failed'; ms: number | null }> = [],
    ) =>
      seedRun(fixture.store, {
        run: {
          namespace,
          dagName: dag,
          state,
          createdAt: finishedAt - durationMs - 5,
          startedAt: finishedAt - durationMs,
          finishedAt,
        },
        attempts: attempts.map((a) => ({
          taskName: a.task,
          state: a.state,
          createdAt: finishedAt - durationMs,
          startedAt: a.ms === null ? null : finishedAt - a.ms,
          finishedAt,
          exitCode: a.state === 'succeeded' ? 0 : 1,
        })),
      });

    it('counts unfinished runs by state in scope, and nothing elsewhere', async () => {
      const { store } = fixture;
      const [ns, other] = [uniqueName('ns'), uniqueName('ns')];
      await seedRun(store, { run: { namespace: ns, state: 'pending' } });
      await seedRun(store, { run: { namespace: ns, state: 'pending' } });
      await seedRun(store, { run: { namespace: ns, state: 'running', startedAt: T } });
      await seedRun(store, { run: { namespace: other, state: 'running', startedAt: T } });
      await finished(ns, 'done', 'succeeded', T + HOUR, 10);
      const counts = await store.countActiveRuns(scopeOf(ns));
      expect(counts).toMatchObject({ pending: 2, running: 1 });
      expect(counts).not.toHaveProperty('succeeded');
      expect(await store.countActiveRuns({ namespaces: [] })).toMatchObject({ pending: 0, running: 0 });
      expect(await store.countActiveRuns({ namespaces: [ns, other] })).toMatchObject({
        pending: 2,
        running: 2,
      });
    });

    it('lists waiting runs, queued ones included, oldest first, up to the limit', async () => {
      const { store } = fixture;
      const ns = uniqueName('ns');
      const third = await seedRun(store, { run: { namespace: ns, state: 'queued', createdAt: T + 3 } });
      const first = await seedRun(store, { run: { namespace: ns, createdAt: T + 1 } });
      const second = await seedRun(store, { run: { namespace: ns, createdAt: T + 2 } });
      await seedRun(store, { run: { namespace: ns, state: 'running', createdAt: T, startedAt: T } });
      const all = await store.listWaitingRuns(scopeOf(ns), 10);
      expect(all.map((r) => [r.id, r.state])).toEqual([
        [first.run.id, 'pending'],
        [second.run.id, 'pending'],
        [third.run.id, 'queued'],
      ]);
      expect(all[0]).toEqual(first.run);
      expect((await store.listWaitingRuns(scopeOf(ns), 2)).map((r) => r.id)).toEqual([
        first.run.id,
        second.run.id,
      ]);
    });

    it('sums finished runs per DAG in the window, with a duration histogram of succeeded and failed runs', async () => {
      const { store } = fixture;
      const ns = uniqueName('ns');
      await finished(ns, 'beta', 'succeeded', T + 10, 1000);
      await finished(ns, 'beta', 'succeeded', T + 2 * HOUR, 1024);
      await finished(ns, 'beta', 'failed', T + 3 * HOUR, 8);
      await finished(ns, 'beta', 'canceled', T + 4 * HOUR, 50_000);
      await finished(ns, 'alpha', 'succeeded', T + DAY - 1, 0);
      // Outside the window on either side.
      await finished(ns, 'alpha', 'failed', T - 1, 5);
      await finished(ns, 'alpha', 'failed', T + DAY, 5);
      const outcomes = await store.dagOutcomes(scopeOf(ns), { from: T, to: T + DAY });
      const hist = (...ms: number[]) => {
        const counts = new Map<number, number>();
        for (const m of ms) counts.set(durationBucket(m), (counts.get(durationBucket(m)) ?? 0) + 1);
        return [...counts.entries()].sort((a, b) => a[0] - b[0]);
      };
      expect(outcomes).toEqual([
        {
          namespace: ns,
          dagName: 'alpha',
          counts: { succeeded: 1, failed: 0, canceled: 0 },
          durations: hist(0),
        },
        {
          namespace: ns,
          dagName: 'beta',
          counts: { succeeded: 2, failed: 1, canceled: 1 },
          durations: hist(1000, 1024, 8),
        },
      ]);
      expect(await store.dagOutcomes({ namespaces: [uniqueName('ns')] }, { from: T, to: T + DAY })).toEqual(
        [],
      );
    });

    it('sums finished runs per UTC day, leaving out days without any', async () => {
      const { store } = fixture;
      const ns = uniqueName('ns');
      await finished(ns, 'd', 'succeeded', T + 1, 1);
      await finished(ns, 'd', 'failed', T + DAY - 1, 1);
      await finished(ns, 'e', 'succeeded', T + 2 * DAY + 5, 1);
      await finished(ns, 'e', 'canceled', T + 2 * DAY + 6, 1);
      await finished(ns, 'e', 'succeeded', T + 3 * DAY, 1);
      expect(await store.dailyOutcomes(scopeOf(ns), { from: T, to: T + 3 * DAY })).toEqual([
        { day: T, counts: { succeeded: 1, failed: 1, canceled: 0 } },
        { day: T + 2 * DAY, counts: { succeeded: 1, failed: 0, canceled: 1 } },
      ]);
    });

    it('ranks tasks by mean duration and by failed attempts', async () => {
      const { store } = fixture;
      const ns = uniqueName('ns');
      await finished(ns, 'etl', 'failed', T + HOUR, 500, [
        { task: 'load', state: 'failed', ms: 300 },
        { task: 'load', state: 'succeeded', ms: 100 },
        { task: 'extract', state: 'succeeded', ms: 101 },
        { task: 'notify', state: 'failed', ms: null },
      ]);
      await finished(ns, 'etl', 'succeeded', T + 2 * HOUR, 500, [
        { task: 'extract', state: 'succeeded', ms: 99 },
        { task: 'load', state: 'failed', ms: 203 },
      ]);
      await finished(ns, 'etl', 'succeeded', T + 2 * DAY, 500, [{ task: 'extract', state: 'failed', ms: 9 }]);
      const window = { from: T, to: T + DAY };
      expect(await store.taskOutcomes(scopeOf(ns), window, { order: 'slowest', limit: 10 })).toEqual([
        { namespace: ns, dagName: 'etl', taskName: 'load', succeeded: 1, failed: 2, meanDurationMs: 201 },
        { namespace: ns, dagName: 'etl', taskName: 'extract', succeeded: 2, failed: 0, meanDurationMs: 100 },
      ]);
      expect(await store.taskOutcomes(scopeOf(ns), window, { order: 'failing', limit: 10 })).toEqual([
        { namespace: ns, dagName: 'etl', taskName: 'load', succeeded: 1, failed: 2, meanDurationMs: 201 },
        { namespace: ns, dagName: 'etl', taskName: 'notify', succeeded: 0, failed: 1, meanDurationMs: null },
      ]);
      expect(await store.taskOutcomes(scopeOf(ns), window, { order: 'failing', limit: 1 })).toHaveLength(1);
    });

    it('follows a run through its commits: finished, retried, finished again', async () => {
      const { store } = fixture;
      const ns = uniqueName('ns');
      const { run } = await seedRun(store, { run: { namespace: ns, state: 'running', startedAt: T } });
      const window = { from: T, to: T + DAY };
      const countsNow = async () => (await store.dagOutcomes(scopeOf(ns), window))[0]?.counts;
      expect(await countsNow()).toBeUndefined();
      const fail = await store.commitRun({
        runId: run.id,
        expectRevision: run.revision,
        run: { state: 'failed', finishedAt: T + 100 },
      });
      expect(fail.ok).toBe(true);
      expect(await countsNow()).toEqual({ succeeded: 0, failed: 1, canceled: 0 });
      expect(await store.countActiveRuns(scopeOf(ns))).toMatchObject({ running: 0 });
      const retried = await store.commitRun({
        runId: run.id,
        expectRevision: run.revision + 1,
        run: { state: 'running', finishedAt: null, round: 2 },
      });
      expect(retried.ok).toBe(true);
      // Running again: the DAG has no finished run in the window any more.
      expect(await countsNow()).toBeUndefined();
      expect(await store.countActiveRuns(scopeOf(ns))).toMatchObject({ running: 1 });
      await store.commitRun({
        runId: run.id,
        expectRevision: run.revision + 2,
        run: { state: 'succeeded', finishedAt: T + 2048 },
      });
      const [outcome] = await store.dagOutcomes(scopeOf(ns), window);
      expect(outcome?.counts).toEqual({ succeeded: 1, failed: 0, canceled: 0 });
      expect(outcome?.durations).toEqual([[durationBucket(2048), 1]]);
    });

    it('forgets what retention deletes', async () => {
      const { store } = fixture;
      const ns = uniqueName('ns');
      // Finished in 1970, so that on a shared database the deletion reaches only rows of the 1970s.
      const ancient = 2 * HOUR;
      await finished(ns, 'old', 'succeeded', ancient, 10, [{ task: 'main', state: 'succeeded', ms: 10 }]);
      const window = { from: 0, to: DAY };
      expect(await store.dagOutcomes(scopeOf(ns), window)).toHaveLength(1);
      expect(await store.taskOutcomes(scopeOf(ns), window, { order: 'slowest', limit: 5 })).toHaveLength(1);
      while ((await store.deleteFinishedRuns(ancient + 1, 500)) > 0);
      expect(await store.dagOutcomes(scopeOf(ns), window)).toEqual([]);
      expect(await store.dailyOutcomes(scopeOf(ns), window)).toEqual([]);
      expect(await store.taskOutcomes(scopeOf(ns), window, { order: 'slowest', limit: 5 })).toEqual([]);
    });
  });
}
