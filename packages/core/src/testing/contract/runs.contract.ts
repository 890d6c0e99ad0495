/** Contract: creating, reading and listing runs. */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../model/records.js';
import type { RunFilter } from '../../ports/store.js';
import { makeAttempt, makeRun, testId, uniqueName } from '../builders.js';
import { FAKE_CLOCK_START as T0 } from '../fake-clock.js';
import { inDefault, seedRun, sorted, type StoreFixture } from './fixture.js';

export function runContract(fixture: StoreFixture): void {
  describe('runs', () => {
    it('creates a run with its attempts and reads it back', async () => {
      const { store } = fixture;
      const run = makeRun({
        dagName: uniqueName(),
        parameters: { greeting: { value: 'hi' }, token: { fromSecret: 'api-token' } },
        labels: { source: 'contract' },
        idempotencyKey: null,
      });
      const attempts = [
        makeAttempt({ runId: run.id, taskName: 'a', state: 'ready', availableAt: T0 }),
        makeAttempt({ runId: run.id, taskName: 'b' }),
      ];
      const result = await store.createRun({ run, attempts });
      expect(result.created).toBe(true);
      expect(result.run).toEqual(run);
      expect(await store.getRun(run.id)).toEqual(run);

      const snapshot = await store.getRunSnapshot(run.id);
      expect(snapshot?.run).toEqual(run);
      const byTask = new Map(snapshot?.attempts.map((attempt) => [attempt.taskName, attempt]));
      expect(byTask.get('a')).toEqual(attempts[0]);
      expect(byTask.get('b')).toEqual(attempts[1]);
      expect(snapshot?.attempts).toHaveLength(2);
    });

    it('answers undefined or not-found for unknown runs', async () => {
      const { store } = fixture;
      const id = testId();
      expect(await store.getRun(id)).toBeUndefined();
      expect(await store.getRunSnapshot(id)).toBeUndefined();
      expect(await store.commitRun({ runId: id, expectRevision: 0 })).toEqual({
        ok: false,
        reason: 'not-found',
      });
    });

    it('returns the first run for a second create with the same idempotency key', async () => {
      const { store } = fixture;
      const key = uniqueName('key');
      const dagName = uniqueName();
      const first = await store.createRun({ run: makeRun({ dagName, idempotencyKey: key }), attempts: [] });
      const second = await store.createRun({ run: makeRun({ dagName, idempotencyKey: key }), attempts: [] });
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.run.id).toBe(first.run.id);
      expect((await store.listRuns({ dag: inDefault(dagName) }, { limit: 10 })).items).toHaveLength(1);
    });

    it('creates one run for concurrent creates with the same idempotency key', async () => {
      const { store } = fixture;
      const key = uniqueName('key');
      const dagName = uniqueName();
      const results = await Promise.all(
        Array.from({ length: 8 }, () => {
          const run = makeRun({ dagName, idempotencyKey: key });
          return store.createRun({ run, attempts: [makeAttempt({ runId: run.id, state: 'ready' })] });
        }),
      );
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.run.id)).size).toBe(1);
      const listed = await store.listRuns({ dag: inDefault(dagName) }, { limit: 10 });
      expect(listed.items).toHaveLength(1);
      expect((await store.getRunSnapshot(results[0]?.run.id ?? ''))?.attempts).toHaveLength(1);
    });

    it('scopes idempotency keys to the namespace: the same key elsewhere is another run', async () => {
      const { store } = fixture;
      const key = uniqueName('key');
      const dagName = uniqueName();
      const [nsA, nsB] = [uniqueName('ns'), uniqueName('ns')];
      const inA = await store.createRun({
        run: makeRun({ dagName, namespace: nsA, idempotencyKey: key }),
        attempts: [],
      });
      const inB = await store.createRun({
        run: makeRun({ dagName, namespace: nsB, idempotencyKey: key }),
        attempts: [],
      });
      expect(inB.created).toBe(true);
      expect(inB.run.id).not.toBe(inA.run.id);
      expect(inB.run.namespace).toBe(nsB);
      const againA = await store.createRun({
        run: makeRun({ dagName, namespace: nsA, idempotencyKey: key }),
        attempts: [],
      });
      expect(againA).toMatchObject({ created: false, run: { id: inA.run.id } });
    });

    it('never lets a caller change stored records through what it returned', async () => {
      const { store } = fixture;
      const { run } = await seedRun(store, { run: { labels: { a: '1' } }, attempts: [{}] });
      const read = await store.getRun(run.id);
      const snapshot = await store.getRunSnapshot(run.id);
      const tamper = (target: object, key: string, value: unknown): void => {
        try {
          (target as Record<string, unknown>)[key] = value;
        } catch {
          // Frozen objects refuse writes: that is one way to pass.
        }
      };
      if (read) {
        tamper(read, 'state', 'succeeded');
        tamper(read.labels, 'a', '2');
      }
      if (snapshot?.attempts[0]) tamper(snapshot.attempts[0], 'state', 'failed');
      const again = await store.getRunSnapshot(run.id);
      expect(again?.run.state).toBe('pending');
      expect(again?.run.labels).toEqual({ a: '1' });
      expect(again?.attempts[0]?.state).toBe('waiting');
    });

    it('lists runs newest first in pages, without duplicates or gaps, with filters', async () => {
      const { store } = fixture;
      const dagName = uniqueName();
      const namespace = uniqueName('ns');
      const created: RunRecord[] = [];
      for (let index = 0; index < 25; index++) {
        // Pairs share a createdAt so that the id tie-break is exercised.
        const run = makeRun({
          dagName,
          namespace,
          createdAt: T0 + Math.floor(index / 2) * 1000,
          state: index % 3 === 0 ? 'succeeded' : 'running',
        });
        created.push((await store.createRun({ run, attempts: [] })).run);
      }
      const collect = async (filter: RunFilter, limit: number): Promise<RunRecord[][]> => {
        const pages: RunRecord[][] = [];
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<typeof store.listRuns>> = await store.listRuns(filter, {
            limit,
            cursor,
          });
          pages.push(page.items);
          cursor = page.nextCursor;
        } while (cursor !== null && pages.length < 20);
        return pages;
      };

      const dag = { namespace, name: dagName };
      const pages = await collect({ dag }, 10);
      expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
      const all = pages.flat();
      expect(sorted(all.map((run) => run.id))).toEqual(sorted(created.map((run) => run.id)));
      for (let index = 1; index < all.length; index++) {
        expect(all[index - 1]?.createdAt ?? 0).toBeGreaterThanOrEqual(all[index]?.createdAt ?? 0);
      }

      const succeeded = (await collect({ dag, states: ['succeeded'] }, 4)).flat();
      expect(sorted(succeeded.map((run) => run.id))).toEqual(
        sorted(created.filter((run) => run.state === 'succeeded').map((run) => run.id)),
      );
      const both = (await collect({ dag, states: ['succeeded', 'running'] }, 100)).flat();
      expect(both).toHaveLength(25);
      // Several states over several pages (a store may read one range per state and merge them): the same
      // order as unfiltered, each run once, a repeated state changing nothing.
      const byStates = await collect({ dag, states: ['running', 'succeeded', 'running'] }, 4);
      expect(byStates.map((page) => page.length)).toEqual([4, 4, 4, 4, 4, 4, 1]);
      expect(byStates.flat().map((run) => run.id)).toEqual(all.map((run) => run.id));

      // createdFrom is inclusive, createdTo exclusive: [T0+3000, T0+6000) holds indexes 6..11.
      const window = (await collect({ namespace, createdFrom: T0 + 3000, createdTo: T0 + 6000 }, 4)).flat();
      expect(sorted(window.map((run) => run.id))).toEqual(sorted(created.slice(6, 12).map((run) => run.id)));

      expect(
        (await store.listRuns({ dag: { namespace, name: uniqueName('none') } }, { limit: 10 })).items,
      ).toEqual([]);
      // The same DAG name in another namespace is another DAG.
      expect(
        (await store.listRuns({ dag: { namespace: uniqueName('ns'), name: dagName } }, { limit: 10 })).items,
      ).toEqual([]);

      // Any of several namespaces, paged across them.
      const other = uniqueName('ns');
      const elsewhere = (
        await store.createRun({
          run: makeRun({ dagName, namespace: other, createdAt: T0 + 500 }),
          attempts: [],
        })
      ).run;
      const merged = (await collect({ namespaces: [namespace, other] }, 7)).flat();
      expect(sorted(merged.map((run) => run.id))).toEqual(
        sorted([...created, elsewhere].map((run) => run.id)),
      );
      expect((await collect({ namespaces: [other] }, 7)).flat().map((run) => run.id)).toEqual([elsewhere.id]);
      expect((await store.listRuns({ dag, namespaces: [] }, { limit: 10 })).items).toEqual([]);
    });

    it('lists the ids of runs that are not finished', async () => {
      const { store } = fixture;
      const pending = await seedRun(store);
      const running = await seedRun(store, { run: { state: 'running', startedAt: T0 } });
      const done = await seedRun(store, { run: { state: 'succeeded', finishedAt: T0 } });
      const canceled = await seedRun(store, { run: { state: 'canceled', finishedAt: T0 } });
      let active = new Set(await store.listActiveRunIds());
      expect(active.has(pending.run.id)).toBe(true);
      expect(active.has(running.run.id)).toBe(true);
      expect(active.has(done.run.id)).toBe(false);
      expect(active.has(canceled.run.id)).toBe(false);

      const commit = await store.commitRun({
        runId: running.run.id,
        expectRevision: running.run.revision,
        run: { state: 'failed', finishedAt: T0 + 1 },
      });
      expect(commit.ok).toBe(true);
      active = new Set(await store.listActiveRunIds());
      expect(active.has(running.run.id)).toBe(false);
      expect(active.has(pending.run.id)).toBe(true);
    });
  });
}
