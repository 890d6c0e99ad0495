/** Contract: DAGs, versions, suspension, deletion, schedules and schedule cursors. */
import { describe, expect, it } from 'vitest';
import type { DagSpec } from '../../dag/schema.js';
import { DEFAULT_NAMESPACE, type DagRef } from '../../model/dag-ref.js';
import { makeDagSpec, makeDagVersionInput, makeRun, uniqueName } from '../builders.js';
import { FAKE_CLOCK_START as T0 } from '../fake-clock.js';
import { inDefault, type StoreFixture } from './fixture.js';

export function dagContract(fixture: StoreFixture): void {
  describe('DAGs and versions', () => {
    it('numbers versions 1, 2… and makes none for an unchanged document', async () => {
      const { store } = fixture;
      const name = uniqueName();
      const first = await store.putDagVersion(makeDagVersionInput({ name, now: T0, createdBy: 'alice' }));
      expect(first.created).toBe(true);
      expect(first.version).toMatchObject({
        namespace: DEFAULT_NAMESPACE,
        dagName: name,
        version: 1,
        createdAt: T0,
        createdBy: 'alice',
      });
      expect(first.dag).toMatchObject({ name, latestVersion: 1, createdAt: T0, deletedAt: null });

      const again = await store.putDagVersion(makeDagVersionInput({ name, now: T0 + 1000 }));
      expect(again.created).toBe(false);
      expect(again.version.version).toBe(1);
      expect(again.version.hash).toBe(first.version.hash);
      expect(again.dag.latestVersion).toBe(1);

      const changed = makeDagSpec(name, { description: 'second' });
      const second = await store.putDagVersion(makeDagVersionInput({ name, spec: changed, now: T0 + 2000 }));
      expect(second.created).toBe(true);
      expect(second.version.version).toBe(2);
      expect(second.dag.latestVersion).toBe(2);
      expect((await store.getDag(inDefault(name)))?.latestVersion).toBe(2);
      expect((await store.getDagVersion(inDefault(name), 1))?.spec).toEqual(makeDagSpec(name));
      expect((await store.getDagVersion(inDefault(name), 2))?.spec).toEqual(changed);
      expect(await store.getDagVersion(inDefault(name), 3)).toBeUndefined();
    });

    it('makes a new version when a document returns to an earlier hash', async () => {
      const { store } = fixture;
      const name = uniqueName();
      const a = makeDagSpec(name);
      const b = makeDagSpec(name, { description: 'b' });
      await store.putDagVersion(makeDagVersionInput({ name, spec: a }));
      await store.putDagVersion(makeDagVersionInput({ name, spec: b }));
      const back = await store.putDagVersion(makeDagVersionInput({ name, spec: a }));
      // Only the latest version's hash counts: versions are history, not a set.
      expect(back.created).toBe(true);
      expect(back.version.version).toBe(3);
    });

    it('answers undefined for unknown DAGs and versions', async () => {
      const { store } = fixture;
      expect(await store.getDag(inDefault(uniqueName('missing')))).toBeUndefined();
      expect(await store.getDagVersion(inDefault(uniqueName('missing')), 1)).toBeUndefined();
      expect(await store.listDagVersions(inDefault(uniqueName('missing')), { limit: 10 })).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('lists versions newest first, page by page', async () => {
      const { store } = fixture;
      const name = uniqueName();
      for (let index = 1; index <= 5; index++) {
        const spec = makeDagSpec(name, { description: `v${index}` });
        await store.putDagVersion(makeDagVersionInput({ name, spec, now: T0 + index }));
      }
      const seen: number[][] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof store.listDagVersions>> = await store.listDagVersions(
          inDefault(name),
          {
            limit: 2,
            cursor,
          },
        );
        seen.push(page.items.map((version) => version.version));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual([[5, 4], [3, 2], [1]]);
    });

    it('lists DAGs by namespace and case-insensitive name search, hiding deleted ones unless asked', async () => {
      const { store } = fixture;
      const prefix = uniqueName('ls');
      const [nsA, nsB] = [uniqueName('ns'), uniqueName('ns')];
      for (const [suffix, namespace] of [
        ['alpha', nsA],
        ['beta', nsB],
        ['gamma', nsA],
      ] as const) {
        await store.putDagVersion(makeDagVersionInput({ name: `${prefix}-${suffix}`, namespace }));
      }
      expect(await store.deleteDag({ namespace: nsA, name: `${prefix}-gamma` }, T0 + 1)).toBe(true);

      const names = async (filter: Parameters<typeof store.listDags>[0]): Promise<string[]> =>
        (await store.listDags(filter, { limit: 100 })).items.map((dag) => dag.name).sort();

      expect(await names({ search: prefix.toUpperCase() })).toEqual([`${prefix}-alpha`, `${prefix}-beta`]);
      expect(await names({ search: `${prefix}-ALP` })).toEqual([`${prefix}-alpha`]);
      expect(await names({ namespace: nsA })).toEqual([`${prefix}-alpha`]);
      expect(await names({ namespace: nsA, includeDeleted: true })).toEqual([
        `${prefix}-alpha`,
        `${prefix}-gamma`,
      ]);
      expect(await names({ search: prefix, includeDeleted: true })).toHaveLength(3);
      expect(await names({ search: prefix, namespaces: [nsA, nsB] })).toEqual([
        `${prefix}-alpha`,
        `${prefix}-beta`,
      ]);
      expect(await names({ search: prefix, namespaces: [nsB] })).toEqual([`${prefix}-beta`]);
      expect(await names({ search: prefix, namespaces: [] })).toEqual([]);
    });

    it('pages DAG listings without duplicates or gaps', async () => {
      const { store } = fixture;
      const prefix = uniqueName('page');
      const expected: string[] = [];
      for (let index = 0; index < 7; index++) {
        const name = `${prefix}-${index}`;
        expected.push(name);
        await store.putDagVersion(makeDagVersionInput({ name }));
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const page: Awaited<ReturnType<typeof store.listDags>> = await store.listDags(
          { search: prefix },
          { limit: 3, cursor },
        );
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((dag) => dag.name));
        cursor = page.nextCursor;
        if (cursor === null) break;
      }
      expect(cursor).toBeNull();
      expect(seen).toHaveLength(7);
      expect(seen.slice().sort()).toEqual(expected.sort());
    });

    it('deletes a DAG but keeps its versions; putting it again revives it', async () => {
      const { store } = fixture;
      const name = uniqueName();
      await store.putDagVersion(makeDagVersionInput({ name }));
      expect(await store.deleteDag(inDefault(name), T0 + 5)).toBe(true);
      expect(await store.deleteDag(inDefault(name), T0 + 6)).toBe(false);
      expect(await store.deleteDag(inDefault(uniqueName('missing')), T0)).toBe(false);
      expect((await store.getDag(inDefault(name)))?.deletedAt).toBe(T0 + 5);
      expect((await store.getDagVersion(inDefault(name), 1))?.version).toBe(1);

      const revived = await store.putDagVersion(makeDagVersionInput({ name, now: T0 + 10 }));
      expect(revived.created).toBe(false);
      expect(revived.dag.deletedAt).toBeNull();
      expect((await store.getDag(inDefault(name)))?.deletedAt).toBeNull();
    });

    it('suspends and resumes a DAG', async () => {
      const { store } = fixture;
      const name = uniqueName();
      await store.putDagVersion(makeDagVersionInput({ name, now: T0 }));
      const suspended = await store.setDagSuspended(inDefault(name), true, T0 + 100);
      expect(suspended).toMatchObject({ name, suspended: true, updatedAt: T0 + 100 });
      expect((await store.getDag(inDefault(name)))?.suspended).toBe(true);
      expect((await store.setDagSuspended(inDefault(name), false, T0 + 200))?.suspended).toBe(false);
      expect(await store.setDagSuspended(inDefault(uniqueName('missing')), true, T0)).toBeUndefined();
    });

    it('lists scheduled DAGs that are neither suspended nor deleted, with their latest version', async () => {
      const { store } = fixture;
      const prefix = uniqueName('cron');
      const scheduled = (name: string, description?: string): DagSpec =>
        makeDagSpec(name, { schedule: '*/5 * * * *', ...(description ? { description } : {}) });
      const due = `${prefix}-due`;
      await store.putDagVersion(makeDagVersionInput({ name: due, spec: scheduled(due) }));
      await store.putDagVersion(makeDagVersionInput({ name: due, spec: scheduled(due, 'v2') }));
      const paused = `${prefix}-paused`;
      await store.putDagVersion(makeDagVersionInput({ name: paused, spec: scheduled(paused) }));
      await store.setDagSuspended(inDefault(paused), true, T0);
      const gone = `${prefix}-gone`;
      await store.putDagVersion(makeDagVersionInput({ name: gone, spec: scheduled(gone) }));
      await store.deleteDag(inDefault(gone), T0);
      await store.putDagVersion(makeDagVersionInput({ name: `${prefix}-manual` }));

      const mine = (await store.listScheduledDags()).filter(({ dag }) => dag.name.startsWith(prefix));
      expect(mine.map(({ dag }) => dag.name)).toEqual([due]);
      expect(mine[0]?.version.version).toBe(2);
      expect(mine[0]?.version.spec.description).toBe('v2');
    });

    it('moves a schedule cursor only from the expected value', async () => {
      const { store } = fixture;
      const name = uniqueName();
      expect(await store.getScheduleCursor(inDefault(name))).toBeNull();
      expect(await store.advanceScheduleCursor(inDefault(name), null, T0)).toBe(true);
      expect(await store.advanceScheduleCursor(inDefault(name), null, T0 + 1)).toBe(false);
      expect(await store.getScheduleCursor(inDefault(name))).toBe(T0);
      expect(await store.advanceScheduleCursor(inDefault(name), T0 + 999, T0 + 2)).toBe(false);
      expect(await store.advanceScheduleCursor(inDefault(name), T0, T0 + 60_000)).toBe(true);
      expect(await store.getScheduleCursor(inDefault(name))).toBe(T0 + 60_000);
    });

    it('lets exactly one of two concurrent compare-and-sets win', async () => {
      const { store } = fixture;
      const name = uniqueName();
      await store.advanceScheduleCursor(inDefault(name), null, T0);
      const results = await Promise.all([
        store.advanceScheduleCursor(inDefault(name), T0, T0 + 1000),
        store.advanceScheduleCursor(inDefault(name), T0, T0 + 2000),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results[0] ? T0 + 1000 : T0 + 2000;
      expect(await store.getScheduleCursor(inDefault(name))).toBe(winner);
    });
    it('keeps the same name in two namespaces as two independent DAGs', async () => {
      const { store } = fixture;
      const name = uniqueName();
      const a: DagRef = { namespace: uniqueName('ns-a'), name };
      const b: DagRef = { namespace: uniqueName('ns-b'), name };
      const specA = makeDagSpec(name, { schedule: '*/5 * * * *', description: 'a' });
      const specB = makeDagSpec(name, { schedule: '*/5 * * * *', description: 'b' });
      await store.putDagVersion(makeDagVersionInput({ ...a, spec: specA, now: T0 }));
      const putB = await store.putDagVersion(makeDagVersionInput({ ...b, spec: specB, now: T0 + 1 }));
      // The same name elsewhere is not "an unchanged document": b gets its own version 1.
      expect(putB).toMatchObject({ created: true, version: { namespace: b.namespace, version: 1 } });
      const specA2 = makeDagSpec(name, { schedule: '*/5 * * * *', description: 'a2' });
      await store.putDagVersion(makeDagVersionInput({ ...a, spec: specA2, now: T0 + 2 }));

      // Versions
      expect((await store.getDag(a))?.latestVersion).toBe(2);
      expect((await store.getDag(b))?.latestVersion).toBe(1);
      expect((await store.getDagVersion(b, 1))?.spec.description).toBe('b');
      expect(await store.getDagVersion(b, 2)).toBeUndefined();
      expect((await store.listDagVersions(a, { limit: 10 })).items.map((v) => v.version)).toEqual([2, 1]);
      expect((await store.listDagVersions(b, { limit: 10 })).items.map((v) => v.namespace)).toEqual([
        b.namespace,
      ]);

      // Suspend
      await store.setDagSuspended(a, true, T0 + 3);
      expect((await store.getDag(a))?.suspended).toBe(true);
      expect((await store.getDag(b))?.suspended).toBe(false);
      const scheduled = (await store.listScheduledDags()).filter(({ dag }) => dag.name === name);
      expect(scheduled.map(({ dag }) => dag.namespace)).toEqual([b.namespace]);

      // Schedule cursors
      expect(await store.advanceScheduleCursor(a, null, T0)).toBe(true);
      expect(await store.getScheduleCursor(b)).toBeNull();
      expect(await store.advanceScheduleCursor(b, null, T0 + 60_000)).toBe(true);
      expect(await store.getScheduleCursor(a)).toBe(T0);

      // Runs
      const runA = await store.createRun({
        run: makeRun({ dagName: name, namespace: a.namespace }),
        attempts: [],
      });
      const runB = await store.createRun({
        run: makeRun({ dagName: name, namespace: b.namespace }),
        attempts: [],
      });
      expect((await store.listRuns({ dag: a }, { limit: 10 })).items.map((run) => run.id)).toEqual([
        runA.run.id,
      ]);
      expect((await store.listRuns({ dag: b }, { limit: 10 })).items.map((run) => run.id)).toEqual([
        runB.run.id,
      ]);

      // Delete
      expect(await store.deleteDag(a, T0 + 4)).toBe(true);
      expect((await store.getDag(a))?.deletedAt).toBe(T0 + 4);
      expect((await store.getDag(b))?.deletedAt).toBeNull();
      const listed = await store.listDags({ search: name, includeDeleted: true }, { limit: 10 });
      expect(listed.items.map((dag) => [dag.namespace, dag.deletedAt])).toEqual(
        [
          [a.namespace, T0 + 4],
          [b.namespace, null],
        ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
      );
    });

    it('pages DAGs of the same name in many namespaces by namespace, then name', async () => {
      const { store } = fixture;
      const name = uniqueName();
      const namespaces = Array.from({ length: 5 }, () => uniqueName('ns')).sort();
      for (const namespace of namespaces) await store.putDagVersion(makeDagVersionInput({ name, namespace }));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof store.listDags>> = await store.listDags(
          { search: name },
          { limit: 2, cursor },
        );
        seen.push(...page.items.map((dag) => dag.namespace));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual(namespaces);
    });
  });
}
