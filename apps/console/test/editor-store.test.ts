import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { parseDsl, printDsl, toManifest, type DagSpec } from '@kontroler/core/dag';
import { useEditorStore } from '../src/stores/editor';
import { fakeFetch, json } from './helpers';

const sample: DagSpec = {
  name: 'etl',
  schedule: '0 3 * * *',
  parameters: [{ name: 'region', defaultValue: 'eu' }],
  tasks: [
    { name: 'extract', image: 'alpine:3.20', command: ['sh', '-c', 'echo extract'], parameters: ['region'] },
    {
      name: 'transform',
      image: 'alpine:3.20',
      script: 'echo transform',
      runAfter: ['extract'],
      backoff: { limit: 1 },
    },
    {
      name: 'load',
      image: 'alpine:3.20',
      command: ['sh', '-c', 'echo load'],
      runAfter: ['transform'],
      conditional: { enabled: true, retryCodes: [2] },
    },
  ],
};

function idOf(store: ReturnType<typeof useEditorStore>, name: string): string {
  const t = store.tasks.find((x) => x.spec.name === name);
  if (!t) throw new Error(`no task ${name}`);
  return t.id;
}

describe('editor store', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.unstubAllGlobals());

  it('adds tasks as nodes and connects them into runAfter', () => {
    const s = useEditorStore();
    s.newDag('pipeline');
    const a = s.addTask({ name: 'a' });
    const b = s.addTask({ name: 'b' });
    const c = s.addTask();
    expect(s.tasks.map((t) => t.spec.name)).toEqual(['a', 'b', 'task-3']);
    expect(s.positions[c]).toBeDefined();
    expect(s.selectedId).toBe(c);
    expect(s.connect(a, b)).toBe(true);
    expect(s.connect(a, b)).toBe(false);
    s.connect(b, c);
    expect(s.spec.tasks.find((t) => t.name === 'task-3')?.runAfter).toEqual(['b']);
    expect(s.edges.map((e) => [e.source, e.target])).toEqual([
      [a, b],
      [b, c],
    ]);
    expect(s.valid).toBe(true);
    expect(s.dirty).toBe(true);
  });

  it('opens a new DAG with no problems shown and no unsaved change, until the user edits it', () => {
    const s = useEditorStore();
    s.newDag('');
    expect(s.pristine).toBe(true);
    expect(s.dirty).toBe(false);
    expect(s.issues).toEqual([]);
    expect(s.dagIssues).toEqual([]);
    // Empty is still not savable.
    expect(s.valid).toBe(false);
    s.updateMeta({ name: 'fresh' });
    expect(s.pristine).toBe(false);
    expect(s.issues.length).toBeGreaterThan(0);
  });

  it('names a duplicate task uniquely and renames every runAfter reference', () => {
    const s = useEditorStore();
    s.open(sample, 'etl');
    expect(s.dirty).toBe(false);
    const dup = s.addTask({ name: 'extract' });
    expect(s.tasks.find((t) => t.id === dup)?.spec.name).toBe('extract-2');
    s.updateTask(idOf(s, 'transform'), { name: 'shape' });
    expect(s.spec.tasks.find((t) => t.name === 'load')?.runAfter).toEqual(['shape']);
    expect(s.edges).toHaveLength(2);
  });

  it('detects a cycle with core, marks the cycle edges and the nodes, and blocks nothing else', () => {
    const s = useEditorStore();
    s.open(sample, 'etl');
    const extract = idOf(s, 'extract');
    const transform = idOf(s, 'transform');
    const load = idOf(s, 'load');
    s.connect(load, extract); // load → extract closes extract → transform → load → extract
    expect(s.valid).toBe(false);
    const cycle = s.issues.find((i) => i.code === 'CYCLE');
    expect(cycle).toBeDefined();
    expect(s.cycleEdges).toEqual(
      new Set([`${extract}->${transform}`, `${transform}->${load}`, `${load}->${extract}`]),
    );
    for (const id of [extract, transform, load]) {
      expect(s.issuesByTask.get(id)?.some((i) => i.code === 'CYCLE')).toBe(true);
      expect(s.fieldErrors(id).runAfter).toBeTruthy();
    }
    s.disconnect(load, extract);
    expect(s.valid).toBe(true);
    expect(s.cycleEdges.size).toBe(0);
  });

  it('marks the field at fault: a missing image and a command together with a script', () => {
    const s = useEditorStore();
    s.open(sample, 'etl');
    const load = idOf(s, 'load');
    s.updateTask(load, { image: undefined, script: 'echo both' });
    const errors = s.fieldErrors(load);
    expect(errors.command ?? errors.script).toBeTruthy();
    expect(s.issuesByTask.get(load)!.length).toBeGreaterThan(0);
    expect(s.issuesByTask.get(idOf(s, 'extract'))).toBeUndefined();
  });

  it('keeps YAML in sync both ways: canvas → YAML → canvas round-trips', () => {
    const s = useEditorStore();
    s.open(sample, 'etl');
    const yaml = s.yaml;
    expect(yaml).toBe(toManifest(s.spec));
    expect(yaml).toContain('kind: DAG');
    const positionsBefore = { ...s.positions };
    const idsBefore = s.tasks.map((t) => t.id);
    expect(s.applyYaml(yaml)).toBe(true);
    expect(s.spec).toEqual(sample);
    expect(s.dirty).toBe(false);
    expect(s.tasks.map((t) => t.id)).toEqual(idsBefore);
    expect(s.positions).toEqual(positionsBefore);

    // An edit in YAML adds a node on the canvas, laid out, with its dependency edge.
    // Kontroler manifests call the task list `task`.
    expect(yaml).toMatch(/\n {2}task:\n/);
    const edited = yaml.replace(
      /(\n {2}task:\n)/,
      '$1    - name: audit\n      image: alpine:3.20\n      command: [sh, -c, echo audit]\n      runAfter: [load]\n',
    );
    expect(s.applyYaml(edited)).toBe(true);
    const audit = idOf(s, 'audit');
    expect(s.positions[audit]).toBeDefined();
    expect(s.edges.some((e) => e.target === audit && e.source === idOf(s, 'load'))).toBe(true);
  });

  it('keeps the canvas when the YAML does not parse and reports where', () => {
    const s = useEditorStore();
    s.open(sample, 'etl');
    expect(s.applyYaml('kind: DAG\nspec: [unclosed')).toBe(false);
    expect(s.textErrors.length).toBeGreaterThan(0);
    expect(s.spec).toEqual(sample);
  });

  it('keeps the DSL in sync both ways and keeps what the DSL cannot say', () => {
    const s = useEditorStore();
    s.open(
      {
        ...sample,
        namespace: 'team-a',
        description: 'nightly',
        tasks: sample.tasks.map((t) => (t.name === 'load' ? { ...t, timeoutSeconds: 60 } : t)),
      },
      'etl',
    );
    const dsl = s.dsl;
    expect(dsl).toBe(printDsl(s.spec));
    const parsed = parseDsl(dsl, { name: 'etl' });
    expect(parsed.ok).toBe(true);
    const before = structuredClone(s.spec);
    expect(s.applyDsl(dsl)).toBe(true);
    expect(s.spec).toEqual(before);
    expect(s.dirty).toBe(false);
    expect(s.spec.namespace).toBe('team-a');
    expect(s.spec.tasks.find((t) => t.name === 'load')?.timeoutSeconds).toBe(60);

    expect(dsl).toContain('graph {\n');
    expect(s.applyDsl(dsl.replace('graph {\n', 'graph {\n  load -> extract\n'))).toBe(true);
    expect(s.issues.some((i) => i.code === 'CYCLE')).toBe(true);
    expect(s.cycleEdges.size).toBe(3);

    expect(s.applyDsl('task {')).toBe(false);
    expect(s.textErrors[0]?.line).toBeGreaterThan(0);
  });

  it('saves with POST for a new DAG and PUT afterwards, and is clean after saving', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/namespaces/default/dags': (c) =>
        json(201, { dag: { name: (c.body as DagSpec).name }, version: { version: 1 }, created: true }),
      'PUT /api/v1/namespaces/default/dags/pipe': () =>
        json(201, { dag: { name: 'pipe' }, version: { version: 2 }, created: true }),
    });
    vi.stubGlobal('fetch', fetch);
    const s = useEditorStore();
    s.newDag('pipe');
    s.addTask({ name: 'only' });
    expect(s.dirty).toBe(true);
    await s.save();
    expect(s.dirty).toBe(false);
    expect(calls[0]!.method).toBe('POST');
    expect((calls[0]!.body as DagSpec).tasks[0]!.name).toBe('only');
    s.updateTask(s.tasks[0]!.id, { image: 'busybox' });
    expect(s.dirty).toBe(true);
    await s.save();
    expect(calls[1]!.method).toBe('PUT');
    expect(calls[1]!.url).toBe('/api/v1/namespaces/default/dags/pipe');
  });

  it('saves into the picked namespace through the path, not the document', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/namespaces/team-a/dags': () =>
        json(201, { dag: { name: 'pipe', namespace: 'team-a' }, version: { version: 1 }, created: true }),
      'PUT /api/v1/namespaces/team-a/dags/pipe': () =>
        json(200, { dag: { name: 'pipe', namespace: 'team-a' }, version: { version: 1 }, created: false }),
    });
    vi.stubGlobal('fetch', fetch);
    const s = useEditorStore();
    s.newDag('pipe');
    s.updateMeta({ namespace: 'team-a' });
    s.addTask({ name: 'only' });
    await s.save();
    expect(calls[0]!.url).toBe('/api/v1/namespaces/team-a/dags');
    expect(calls[0]!.body).not.toHaveProperty('namespace');
    s.updateTask(s.tasks[0]!.id, { image: 'busybox' });
    await s.save();
    expect(calls[1]!.url).toBe('/api/v1/namespaces/team-a/dags/pipe');
  });
});
