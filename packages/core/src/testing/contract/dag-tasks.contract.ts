/** Contract: shared tasks (DagTask), versioned by content hash like DAGs. */
import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../dag/schema.js';
import { uniqueName } from '../builders.js';
import { FAKE_CLOCK_START as T0 } from '../fake-clock.js';
import type { StoreFixture } from './fixture.js';

const spec = (command: string): TaskSpec => ({ name: 'shared', image: 'alpine:3.20', command: [command] });

export function dagTaskContract(fixture: StoreFixture): void {
  describe('shared tasks', () => {
    it('makes a version per new spec and none for an unchanged or reverted one', async () => {
      const { store } = fixture;
      const ref = { namespace: 'default', name: uniqueName('task') };
      const first = await store.putDagTaskVersion({ ...ref, spec: spec('a'), hash: 'h1', now: T0 });
      expect(first.created).toBe(true);
      expect(first.version).toMatchObject({ ...ref, version: 1, hash: 'h1', createdBy: null });
      const same = await store.putDagTaskVersion({ ...ref, spec: spec('a'), hash: 'h1', now: T0 + 1 });
      expect(same).toMatchObject({ created: false, version: { version: 1 } });
      const second = await store.putDagTaskVersion({
        ...ref,
        spec: spec('b'),
        hash: 'h2',
        now: T0 + 2,
        createdBy: 'bob',
      });
      expect(second.task).toEqual({ ...ref, latestVersion: 2, createdAt: T0, updatedAt: T0 + 2 });
      // A revert to an earlier spec reuses its version, as the DagTask resource does.
      const reverted = await store.putDagTaskVersion({ ...ref, spec: spec('a'), hash: 'h1', now: T0 + 3 });
      expect(reverted).toMatchObject({ created: false, version: { version: 1 }, task: { latestVersion: 2 } });
      expect(await store.getDagTask(ref)).toEqual(second.task);
      expect((await store.getDagTaskVersion(ref, 1))?.spec).toEqual(spec('a'));
      expect(await store.getDagTaskVersion(ref, 3)).toBeUndefined();
      expect((await store.listDagTaskVersions(ref)).map((v) => [v.version, v.createdBy])).toEqual([
        [2, 'bob'],
        [1, null],
      ]);
    });

    it('lists per namespace by name and deletes a task with its versions', async () => {
      const { store } = fixture;
      const namespace = uniqueName('ns');
      for (const name of ['zeta', 'alpha'])
        await store.putDagTaskVersion({ namespace, name, spec: spec(name), hash: name, now: T0 });
      await store.putDagTaskVersion({
        namespace: `${namespace}-b`,
        name: 'beta',
        spec: spec('b'),
        hash: 'b',
        now: T0,
      });
      expect((await store.listDagTasks(namespace)).map((t) => t.name)).toEqual(['alpha', 'zeta']);
      expect(await store.deleteDagTask({ namespace, name: 'alpha' })).toBe(true);
      expect(await store.deleteDagTask({ namespace, name: 'alpha' })).toBe(false);
      expect(await store.getDagTaskVersion({ namespace, name: 'alpha' }, 1)).toBeUndefined();
      expect((await store.listDagTasks(namespace)).map((t) => t.name)).toEqual(['zeta']);
      // A task made again after deletion starts at version 1.
      const again = await store.putDagTaskVersion({
        namespace,
        name: 'alpha',
        spec: spec('x'),
        hash: 'x',
        now: T0,
      });
      expect(again.version.version).toBe(1);
    });
  });
}
