/**
 * Contract: run limits. Namespace limits are read and replaced; `admitQueuedRuns` admits queued runs in
 * priority, then FIFO order, within the DAG's `maxActiveRuns` (latest version) and the namespace's limit,
 * and never hands out a slot twice, even when two callers admit and finish runs at once.
 */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../model/records.js';
import { SLOT_RUN_STATES } from '../../model/states.js';
import type { Store } from '../../ports/store.js';
import { makeDagSpec, makeDagVersionInput, makeRun, uniqueName } from '../builders.js';
import { FAKE_CLOCK_START as T0 } from '../fake-clock.js';
import type { StoreFixture } from './fixture.js';

/** Saves DAG `name` in `namespace` with these limits. */
async function saveDag(store: Store, namespace: string, name: string, maxActiveRuns?: number) {
  const spec = makeDagSpec(name, maxActiveRuns === undefined ? {} : { maxActiveRuns });
  await store.putDagVersion(makeDagVersionInput({ name, namespace, spec }));
}

/** Creates a queued run (no attempts). */
async function queue(store: Store, overrides: Partial<RunRecord>): Promise<RunRecord> {
  const run = makeRun({ state: 'queued', ...overrides });
  return (await store.createRun({ run, attempts: [] })).run;
}

/** Moves an admitted run to running, then to `succeeded`, freeing its slot (`releasing` just before). */
async function finish(store: Store, run: RunRecord, releasing: () => void = () => undefined): Promise<void> {
  const started = await store.commitRun({
    runId: run.id,
    expectRevision: run.revision,
    run: { state: 'running', startedAt: T0 },
  });
  if (!started.ok) throw new Error(`start of ${run.id}: ${started.reason}`);
  releasing();
  const done = await store.commitRun({
    runId: run.id,
    expectRevision: started.revision,
    run: { state: 'succeeded', finishedAt: T0 + 1 },
  });
  if (!done.ok) throw new Error(`finish of ${run.id}: ${done.reason}`);
}

async function holding(store: Store, namespace: string, dagName?: string): Promise<number> {
  const page = await store.listRuns(
    {
      namespace,
      ...(dagName === undefined ? {} : { dag: { namespace, name: dagName } }),
      states: [...SLOT_RUN_STATES],
    },
    { limit: 500 },
  );
  return page.items.length;
}

export function limitContract(fixture: StoreFixture): void {
  describe('run limits', () => {
    it('reads and replaces the limits of a namespace', async () => {
      const { store } = fixture;
      const namespace = uniqueName('ns');
      expect(await store.getNamespaceLimits(namespace)).toBeUndefined();
      const set = await store.setNamespaceLimits({
        namespace,
        maxActiveRuns: 4,
        now: T0,
        updatedBy: 'alice',
      });
      expect(set).toEqual({ namespace, maxActiveRuns: 4, updatedAt: T0, updatedBy: 'alice' });
      await store.setNamespaceLimits({ namespace, maxActiveRuns: null, now: T0 + 5, updatedBy: null });
      expect(await store.getNamespaceLimits(namespace)).toEqual({
        namespace,
        maxActiveRuns: null,
        updatedAt: T0 + 5,
        updatedBy: null,
      });
    });

    it('admits by priority, then first in first out, up to the DAG limit of its latest version', async () => {
      const { store } = fixture;
      const namespace = uniqueName('ns');
      const dagName = uniqueName('dag');
      await saveDag(store, namespace, dagName, 5);
      await saveDag(store, namespace, dagName, 2);
      const base = { namespace, dagName };
      const late = await queue(store, { ...base, createdAt: T0 + 2 });
      const early = await queue(store, { ...base, createdAt: T0 + 1 });
      const urgent = await queue(store, { ...base, createdAt: T0 + 3, priority: 10 });
      const low = await queue(store, { ...base, createdAt: T0, priority: -1 });
      expect(await store.listQueuedNamespaces(10_000)).toContain(namespace);
      const positions = await store.queuePositions([late.id, early.id, urgent.id, low.id, 'no-such-run']);
      expect(Object.fromEntries(positions)).toEqual({
        [urgent.id]: 1,
        [early.id]: 2,
        [late.id]: 3,
        [low.id]: 4,
      });

      const first = await store.admitQueuedRuns(namespace);
      expect(first.map((r) => r.id)).toEqual([urgent.id, early.id]);
      expect(first.map((r) => [r.state, r.revision])).toEqual([
        ['pending', 1],
        ['pending', 1],
      ]);
      expect((await store.getRun(urgent.id))?.state).toBe('pending');
      expect(await store.admitQueuedRuns(namespace)).toEqual([]);
      expect(Object.fromEntries(await store.queuePositions([late.id, low.id, urgent.id]))).toEqual({
        [late.id]: 1,
        [low.id]: 2,
      });

      await finish(store, first[0] as RunRecord);
      expect((await store.admitQueuedRuns(namespace)).map((r) => r.id)).toEqual([late.id]);
      expect(await holding(store, namespace, dagName)).toBe(2);
    });

    // A retry of a finished run took a slot past maxActiveRuns: a reopened run now waits queued for one.
    it('admits a finished run reopened as queued (a retry under limits) only once its DAG has a free slot', async () => {
      const { store } = fixture;
      const namespace = uniqueName('ns');
      const dagName = uniqueName('dag');
      await saveDag(store, namespace, dagName, 1);
      const base = { namespace, dagName };
      const ended = makeRun({ ...base, state: 'failed', createdAt: T0, startedAt: T0, finishedAt: T0 + 1 });
      await store.createRun({ run: ended, attempts: [] });
      await queue(store, { ...base, createdAt: T0 + 5 });
      const [holder] = await store.admitQueuedRuns(namespace);
      expect(holder?.state).toBe('pending');

      const reopened = await store.commitRun({
        runId: ended.id,
        expectRevision: ended.revision,
        run: { state: 'queued', round: 2, startedAt: null, finishedAt: null, reason: null },
      });
      expect(reopened.ok).toBe(true);
      expect(await store.listQueuedNamespaces(10_000)).toContain(namespace);
      expect(Object.fromEntries(await store.queuePositions([ended.id]))).toEqual({ [ended.id]: 1 });
      // The DAG's one slot is taken: the reopened run waits.
      expect(await store.admitQueuedRuns(namespace)).toEqual([]);
      expect((await store.getRun(ended.id))?.state).toBe('queued');

      await finish(store, holder as RunRecord);
      const admitted = await store.admitQueuedRuns(namespace);
      expect(admitted.map((r) => [r.id, r.state, r.round])).toEqual([[ended.id, 'pending', 2]]);
      expect(await holding(store, namespace, dagName)).toBe(1);
    });

    it('stops at the namespace limit and passes over a DAG at its own limit', async () => {
      const { store } = fixture;
      const namespace = uniqueName('ns');
      const [capped, free] = [uniqueName('capped'), uniqueName('free')];
      await saveDag(store, namespace, capped, 1);
      await saveDag(store, namespace, free);
      await store.setNamespaceLimits({ namespace, maxActiveRuns: 3, now: T0, updatedBy: null });
      const a1 = await queue(store, { namespace, dagName: capped, createdAt: T0 });
      const a2 = await queue(store, { namespace, dagName: capped, createdAt: T0 + 1 });
      const b1 = await queue(store, { namespace, dagName: free, createdAt: T0 + 2 });
      const b2 = await queue(store, { namespace, dagName: free, createdAt: T0 + 3 });
      const b3 = await queue(store, { namespace, dagName: free, createdAt: T0 + 4 });
      // Another namespace's runs neither count nor are admitted here.
      const elsewhere = await queue(store, { namespace: uniqueName('ns'), dagName: free, createdAt: T0 });

      expect((await store.admitQueuedRuns(namespace)).map((r) => r.id)).toEqual([a1.id, b1.id, b2.id]);
      expect((await store.getRun(a2.id))?.state).toBe('queued');
      expect((await store.getRun(b3.id))?.state).toBe('queued');
      expect((await store.getRun(elsewhere.id))?.state).toBe('queued');

      await store.setNamespaceLimits({ namespace, maxActiveRuns: null, now: T0, updatedBy: null });
      expect((await store.admitQueuedRuns(namespace)).map((r) => r.id)).toEqual([b3.id]);
      expect(await holding(store, namespace)).toBe(4);
    });

    it('never exceeds a limit when two workers admit and finish a burst of 1,000 runs at once', async () => {
      const { store } = fixture;
      const namespace = uniqueName('ns');
      const [limited, other] = [uniqueName('limited'), uniqueName('other')];
      await saveDag(store, namespace, limited, 3);
      await saveDag(store, namespace, other);
      await store.setNamespaceLimits({ namespace, maxActiveRuns: 5, now: T0, updatedBy: null });
      const burst = Array.from({ length: 1000 }, (_, i) =>
        makeRun({ state: 'queued', namespace, dagName: i % 2 === 0 ? limited : other, createdAt: T0 + i }),
      );
      for (let i = 0; i < burst.length; i += 50) {
        await Promise.all(burst.slice(i, i + 50).map((run) => store.createRun({ run, attempts: [] })));
      }

      // What each worker holds between an admission and the finish it sends: a lower bound of what the
      // store holds, so exceeding a limit here means the store handed out a slot twice.
      const held = new Map<string, RunRecord>();
      let peak = 0;
      let admittedTotal = 0;
      const worker = async (): Promise<void> => {
        for (let idle = 0; idle < 3;) {
          const admitted = await store.admitQueuedRuns(namespace);
          idle = admitted.length === 0 ? idle + 1 : 0;
          for (const run of admitted) held.set(run.id, run);
          admittedTotal += admitted.length;
          const heldLimited = [...held.values()].filter((r) => r.dagName === limited).length;
          peak = Math.max(peak, held.size);
          expect(held.size).toBeLessThanOrEqual(5);
          expect(heldLimited).toBeLessThanOrEqual(3);
          expect(await holding(store, namespace)).toBeLessThanOrEqual(5);
          expect(await holding(store, namespace, limited)).toBeLessThanOrEqual(3);
          await Promise.all(admitted.map((run) => finish(store, run, () => held.delete(run.id))));
        }
      };
      await Promise.all([worker(), worker()]);
      expect(await holding(store, namespace)).toBe(0);
      expect(admittedTotal).toBe(1000);
      expect(peak).toBeGreaterThan(1);
      const left = await store.listRuns({ namespace, states: ['queued'] }, { limit: 10 });
      expect(left.items).toEqual([]);
    }, 120_000);
  });
}
