import { describe, expect, it } from 'vitest';
import { loadManifest, type DagSpec } from '@kontroler/core';
import {
  readDagTask,
  recordDagTaskVersion,
  resolveTaskRefs,
  taskRefNames,
  type DagTaskView,
} from '@kontroler/k8s-runtime';

const dagOf = (spec: object): DagSpec => {
  const loaded = loadManifest(
    JSON.stringify({
      apiVersion: 'kontroler.greedykomodo/v1alpha1',
      kind: 'DAG',
      metadata: { name: 'd' },
      spec,
    }),
  );
  if (!loaded.ok || loaded.documents[0]?.kind !== 'DAG') throw new Error('not a DAG');
  return loaded.documents[0].dag;
};

describe('DagTask versions and taskRef resolution (pure)', () => {
  const base = {
    image: 'alpine',
    script: 'echo hi',
    backoff: { limit: 1 },
    podTemplate: { nodeSelector: { a: 'b' } },
  };

  it('hashes the spec as loadManifest reads it: key order does not matter, a change does', () => {
    const a = readDagTask('t', { image: 'x', script: 's', backoff: { limit: 1 } });
    const b = readDagTask('t', { backoff: { limit: 1 }, script: 's', image: 'x' });
    const c = readDagTask('t', { backoff: { limit: 2 }, script: 's', image: 'x' });
    if (!a.ok || !b.ok || !c.ok) throw new Error('unreadable');
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
    expect(a.task).not.toHaveProperty('name');
  });

  it('adds a version only for a new hash; a known hash reuses its version', () => {
    const one = recordDagTaskVersion([], { image: 'x' }, 'h1', 0);
    expect(one).toMatchObject({ version: 1, created: true });
    const same = recordDagTaskVersion(one.versions, { image: 'x' }, 'h1', 1);
    expect(same).toMatchObject({ version: 1, created: false });
    const two = recordDagTaskVersion(one.versions, { image: 'y' }, 'h2', 2);
    expect(two.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(recordDagTaskVersion(two.versions, { image: 'x' }, 'h1', 3)).toMatchObject({
      version: 1,
      created: false,
    });
  });

  it("fills a referring task from the version; the task's own fields win and a DAG-level podTemplate is only a default", () => {
    const view: DagTaskView = {
      versions: [{ version: 1, hash: 'h', spec: { ...base, runAfter: ['ignored'] } }],
      pending: false,
    };
    const spec = {
      podTemplate: { nodeSelector: { default: 'yes' } },
      task: [
        { name: 'a', image: 'busybox', script: 'true' },
        { name: 'b', runAfter: ['a'], taskRef: { name: 'shared', version: 1 }, script: 'echo own' },
        {
          name: 'c',
          runAfter: ['a'],
          taskRef: { name: 'shared', version: 1 },
          podTemplate: { nodeSelector: { own: 'yes' } },
        },
      ],
    };
    const result = resolveTaskRefs(dagOf(spec), spec, 'ns', (n) => (n === 'shared' ? view : undefined));
    if (result.kind !== 'resolved') throw new Error(result.kind);
    expect(result.dag.tasks[0]?.podTemplate).toEqual({ nodeSelector: { default: 'yes' } });
    expect(result.dag.tasks[1]).toEqual({
      name: 'b',
      runAfter: ['a'],
      image: 'alpine',
      script: 'echo own',
      backoff: { limit: 1 },
      podTemplate: { nodeSelector: { a: 'b' } },
    });
    expect(result.dag.tasks[2]?.podTemplate).toEqual({ nodeSelector: { own: 'yes' } });
    expect(taskRefNames(spec)).toEqual(['shared']);
  });

  it('reports every unknown DagTask and version, and waits while a DagTask version is being recorded', () => {
    const spec = {
      task: [
        { name: 'a', taskRef: { name: 'nope', version: 1 } },
        { name: 'b', taskRef: { name: 'shared', version: 2 } },
      ],
    };
    const dag = dagOf(spec);
    const recorded: DagTaskView = { versions: [{ version: 1, hash: 'h', spec: base }], pending: false };
    const invalid = resolveTaskRefs(dag, spec, 'ns', (n) => (n === 'shared' ? recorded : undefined));
    expect(invalid.kind === 'invalid' && invalid.issues.map((i) => [i.task, i.path, i.message])).toEqual([
      [
        'a',
        '/spec/task/0/taskRef',
        'task "a": taskRef nope version 1: no DagTask named "nope" in namespace ns',
      ],
      [
        'b',
        '/spec/task/1/taskRef',
        'task "b": taskRef shared version 2: DagTask "shared" has no version 2 (versions: 1)',
      ],
    ]);
    const pendingSpec = { task: [spec.task[1]] };
    const pending = resolveTaskRefs(dagOf(pendingSpec), pendingSpec, 'ns', () => ({
      ...recorded,
      pending: true,
    }));
    expect(pending).toEqual({ kind: 'pending', waitingFor: ['shared'] });
  });
});
