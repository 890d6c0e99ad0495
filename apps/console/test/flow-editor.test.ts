import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { mount } from '@vue/test-utils';
import { TRIGGER_RULES, type DagSpec } from '@kontroler/core/dag';
import FlowFields from '../src/editor/FlowFields.vue';
import DagSettingsPanel from '../src/editor/DagSettingsPanel.vue';
import { itemsToText, parseItemsText, upstreamOutputs } from '../src/editor/flowFields';
import { fieldOf, taskPathOf, useEditorStore } from '../src/stores/editor';
import { layoutDag, withExitEdges } from '../src/composables/useDagLayout';
import { fakeFetch, problem } from './helpers';

const flow: DagSpec = {
  name: 'flow',
  activeDeadlineSeconds: 600,
  tasks: [
    {
      name: 'list',
      image: 'alpine:3.20',
      script: 'echo \'["a","b"]\' > $KONTROLER_OUTPUTS_DIR/files',
      outputs: [{ name: 'files' }],
    },
    {
      name: 'process',
      image: 'alpine:3.20',
      command: ['echo', '{{ item }}'],
      runAfter: ['list'],
      forEach: { from: '{{ tasks.list.outputs.files }}', parallelism: 2 },
      outputs: [{ name: 'size' }],
    },
    {
      name: 'report',
      image: 'alpine:3.20',
      command: ['echo', '{{ tasks.process.outputs.size }}'],
      runAfter: ['process'],
      when: 'tasks.process.status == "succeeded"',
      triggerRule: 'all_done',
    },
  ],
  onExit: [
    { name: 'notify', image: 'alpine:3.20', command: ['echo', '{{ run.status }}'] },
    { name: 'cleanup', image: 'alpine:3.20', command: ['true'], runAfter: ['notify'] },
  ],
};

function idOf(store: ReturnType<typeof useEditorStore>, name: string): string {
  const t = store.tasks.find((x) => x.spec.name === name);
  if (!t) throw new Error(`no task ${name}`);
  return t.id;
}

describe('forEach items text', () => {
  it('edits plain strings one per line and anything else as JSON, and reads both back', () => {
    expect(itemsToText(['a.csv', 'b.csv'])).toBe('a.csv\nb.csv');
    expect(parseItemsText('a.csv\n  b.csv \n\n')).toEqual({ ok: true, items: ['a.csv', 'b.csv'] });
    for (const items of [[1, 'a'], [{ region: 'eu' }], ['[x'], [''], [' padded'], []]) {
      const text = itemsToText(items);
      expect(text.startsWith('[')).toBe(true);
      expect(parseItemsText(text)).toEqual({ ok: true, items });
    }
  });

  it('reports a JSON text that is not a list, and accepts an empty text as the empty list', () => {
    const bad = parseItemsText('[1, 2');
    expect(bad.ok).toBe(false);
    expect(parseItemsText('')).toEqual({ ok: true, items: [] });
    expect(parseItemsText('[]')).toEqual({ ok: true, items: [] });
  });
});

describe('upstreamOutputs', () => {
  it('lists the outputs of every upstream task, nearest first, and nothing downstream', () => {
    expect(upstreamOutputs(flow.tasks, 'report')).toEqual([
      '{{ tasks.process.outputs.size }}',
      '{{ tasks.list.outputs.files }}',
    ]);
    expect(upstreamOutputs(flow.tasks, 'list')).toEqual([]);
    const cyclic = [
      { name: 'a', runAfter: ['b'], outputs: [{ name: 'x' }] },
      { name: 'b', runAfter: ['a'], outputs: [{ name: 'y' }] },
    ];
    expect(upstreamOutputs(cyclic, 'a')).toEqual(['{{ tasks.b.outputs.y }}']);
  });
});

describe('editor paths of the flow fields', () => {
  it('maps /tasks/N and /onExit/N paths to their list, index and field', () => {
    expect(taskPathOf('/onExit/1/runAfter/0')).toEqual({ list: 'onExit', index: 1 });
    expect(taskPathOf('/tasks/2')).toEqual({ list: 'tasks', index: 2 });
    expect(taskPathOf('/activeDeadlineSeconds')).toBeNull();
    expect(fieldOf({ code: 'NOT_UPSTREAM', path: '/tasks/2/when' })).toBe('when');
    expect(fieldOf({ code: 'SCHEMA', path: '/onExit/0/triggerRule' })).toBe('triggerRule');
    expect(fieldOf({ code: 'INVALID_FOR_EACH', path: '/tasks/1' })).toBe('forEach');
    expect(fieldOf({ code: 'SCHEMA', path: '/tasks/1/outputs/0/name' })).toBe('outputs');
  });
});

describe('editor store with exit handlers and flow fields', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.unstubAllGlobals());

  it('opens onExit as exit tasks on the canvas and writes the same document back', () => {
    const s = useEditorStore();
    s.open(flow, 'flow');
    expect(s.tasks.map((t) => [t.spec.name, !!t.exit])).toEqual([
      ['list', false],
      ['process', false],
      ['report', false],
      ['notify', true],
      ['cleanup', true],
    ]);
    expect(s.spec).toEqual(flow);
    expect(s.meta).not.toHaveProperty('onExit');
    expect(s.valid).toBe(true);
    expect(s.dirty).toBe(false);
    // Exit handlers are laid out below the main tasks' end.
    const report = s.positions[idOf(s, 'report')]!;
    expect(s.positions[idOf(s, 'notify')]!.y).toBeGreaterThan(report.y);
    expect(s.positions[idOf(s, 'cleanup')]!.y).toBeGreaterThan(s.positions[idOf(s, 'notify')]!.y);
  });

  it('shows an exit handler problem at its field, found by its /onExit/N path', () => {
    const s = useEditorStore();
    s.open(flow, 'flow');
    s.updateTask(idOf(s, 'cleanup'), { when: 'tasks.nope.status == "failed"' });
    expect(s.valid).toBe(false);
    expect(s.fieldErrors(idOf(s, 'cleanup')).when).toMatch(/nope/);
    expect(s.fieldErrors(idOf(s, 'report'))).toEqual({});
  });

  it('shows invalid when, forEach, outputs and deadline values at their fields', () => {
    const s = useEditorStore();
    s.open(flow, 'flow');
    const report = idOf(s, 'report');
    s.updateTask(report, { when: 'tasks.process.status ==' });
    expect(s.fieldErrors(report).when).toBeTruthy();
    s.updateTask(report, { when: 'tasks.list.outputs.nope == 1' });
    expect(s.issuesByTask.get(report)?.[0]?.code).toBe('UNDECLARED_OUTPUT');
    expect(s.fieldErrors(report).when).toBeTruthy();
    s.updateTask(report, { when: undefined });
    const process = idOf(s, 'process');
    s.updateTask(process, { forEach: { from: '{{ tasks.report.outputs.x }}' } });
    expect(s.fieldErrors(process).forEach).toBeTruthy();
    s.updateTask(process, { forEach: { items: ['a'] }, outputs: [{ name: 'size' }, { name: 'size' }] });
    expect(s.fieldErrors(process).outputs).toBeTruthy();
    expect(s.fieldErrors(process).forEach).toBeUndefined();
    s.updateTask(process, { outputs: [{ name: 'size' }] });
    s.updateMeta({ activeDeadlineSeconds: 0 });
    expect(s.dagIssues.map((i) => i.path)).toContain('/activeDeadlineSeconds');
  });

  it('turns a task into an exit handler and back, dropping dependencies across the two groups', () => {
    const s = useEditorStore();
    s.open(flow, 'flow');
    const report = idOf(s, 'report');
    s.setExit(report, true);
    expect(s.spec.tasks.map((t) => t.name)).toEqual(['list', 'process']);
    expect(s.spec.onExit?.map((t) => t.name)).toEqual(['report', 'notify', 'cleanup']);
    expect(s.spec.onExit?.[0]?.runAfter).toBeUndefined();
    s.connect(report, idOf(s, 'notify'));
    s.setExit(idOf(s, 'notify'), false);
    expect(s.spec.onExit?.find((t) => t.name === 'cleanup')?.runAfter).toBeUndefined();
    expect(s.spec.tasks.find((t) => t.name === 'notify')?.runAfter).toBeUndefined();
    s.setExit(report, false);
    expect(s.spec.onExit?.map((t) => t.name)).toEqual(['cleanup']);
  });

  it('keeps onExit, forEach, when and outputs through the DSL tab: an unchanged DSL is no change', () => {
    const s = useEditorStore();
    s.open(flow, 'flow');
    expect(s.applyDsl(s.dsl)).toBe(true);
    expect(s.dirty).toBe(false);
    expect(s.applyYaml(s.yaml)).toBe(true);
    expect(s.dirty).toBe(false);
    // Removing the deadline line in the DSL removes it from the document.
    expect(s.applyDsl(s.dsl.replace(/^activeDeadlineSeconds .*$/m, ''))).toBe(true);
    expect(s.spec.activeDeadlineSeconds).toBeUndefined();
    expect(s.spec.onExit).toHaveLength(2);
  });

  it('shows the errors of a refused save at their fields until the document changes', async () => {
    const { fetch } = fakeFetch({
      'PUT /api/v1/namespaces/default/dags/flow': () =>
        problem(422, 'DAG_INVALID', {
          detail: 'invalid',
          errors: [
            { code: 'INVALID_CONDITION', path: '/onExit/0/when', message: 'server says no', task: 'notify' },
          ],
        }),
    });
    vi.stubGlobal('fetch', fetch);
    const s = useEditorStore();
    s.open(flow, 'flow');
    s.updateTask(idOf(s, 'notify'), { when: 'run.status == "failed"' });
    await expect(s.save()).rejects.toThrow();
    expect(s.fieldErrors(idOf(s, 'notify')).when).toBe('server says no');
    s.updateTask(idOf(s, 'notify'), { when: undefined });
    expect(s.fieldErrors(idOf(s, 'notify')).when).toBeUndefined();
  });
});

describe('withExitEdges', () => {
  it('adds layout edges from main leaves to the first exit handlers only', () => {
    const nodes = [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'x', exit: true }, { id: 'y', exit: true }];
    const edges = [
      { source: 'a', target: 'b' },
      { source: 'x', target: 'y' },
    ];
    expect(withExitEdges(nodes, edges)).toEqual([
      ...edges,
      { source: 'b', target: 'x' },
      { source: 'c', target: 'x' },
    ]);
    expect(withExitEdges([{ id: 'a' }], [])).toEqual([]);
    const pos = layoutDag(
      nodes.map((n) => n.id),
      withExitEdges(nodes, edges),
    );
    expect(pos.x!.y).toBeGreaterThan(pos.b!.y);
  });
});

describe('FlowFields', () => {
  beforeEach(() => setActivePinia(createPinia()));

  function mountFor(name: string) {
    const s = useEditorStore();
    s.open(flow, 'flow');
    const task = s.tasks.find((t) => t.spec.name === name)!;
    const w = mount(FlowFields, {
      props: {
        task,
        errors: s.fieldErrors(task.id),
        onUpdate: (patch: Record<string, unknown>) => s.updateTask(task.id, patch),
      },
    });
    return { s, w, task };
  }

  it('sets when, the trigger rule and a static forEach list', async () => {
    const { s, w, task } = mountFor('report');
    expect((w.find('[data-testid="task-trigger-rule"]').element as HTMLSelectElement).value).toBe('all_done');
    // The documented names, the default first as "no rule set".
    expect(w.findAll('[data-testid="task-trigger-rule"] option').map((o) => o.attributes('value'))).toEqual([
      '',
      ...TRIGGER_RULES.filter((r) => r !== 'all_success'),
    ]);
    expect(TRIGGER_RULES).toHaveLength(11);
    await w.find('[data-testid="task-when"]').setValue('tasks.process.status == "failed"');
    expect(s.tasks.find((t) => t.id === task.id)!.spec.when).toBe('tasks.process.status == "failed"');
    await w.find('[data-testid="task-trigger-rule"]').setValue('');
    expect(s.tasks.find((t) => t.id === task.id)!.spec.triggerRule).toBeUndefined();
    await w.find('[data-testid="task-foreach-mode"]').setValue('items');
    await w.setProps({ task: s.tasks.find((t) => t.id === task.id)! });
    await w.find('[data-testid="task-foreach-items"]').setValue('eu\nus');
    await w.find('[data-testid="task-foreach-parallelism"]').setValue('1');
    expect(s.tasks.find((t) => t.id === task.id)!.spec.forEach).toEqual({
      items: ['eu', 'us'],
      parallelism: 1,
    });
    await w.find('[data-testid="task-foreach-items"]').setValue('[1,');
    expect(w.find('[data-testid="task-foreach-items-error"]').text()).toMatch(/JSON list/);
    // A text that does not parse leaves the last good list.
    expect(s.tasks.find((t) => t.id === task.id)!.spec.forEach?.items).toEqual(['eu', 'us']);
  });

  it('offers the upstream outputs for forEach.from and edits outputs', async () => {
    const { s, w, task } = mountFor('process');
    expect(w.findAll('datalist option').map((o) => o.attributes('value'))).toEqual([
      '{{ tasks.list.outputs.files }}',
    ]);
    expect((w.find('[data-testid="task-foreach-from"]').element as HTMLInputElement).value).toBe(
      '{{ tasks.list.outputs.files }}',
    );
    await w.find('[data-testid="task-output-add"]').trigger('click');
    await w.setProps({ task: s.tasks.find((t) => t.id === task.id)! });
    await w.find('[data-testid="task-output-name-1"]').setValue('lines');
    expect(s.tasks.find((t) => t.id === task.id)!.spec.outputs).toEqual([
      { name: 'size' },
      { name: 'lines' },
    ]);
    await w.find('[data-testid="task-foreach-mode"]').setValue('none');
    expect(s.tasks.find((t) => t.id === task.id)!.spec.forEach).toBeUndefined();
  });

  it('shows a field error it is given next to its field', () => {
    setActivePinia(createPinia());
    const s = useEditorStore();
    s.open(flow, 'flow');
    const task = s.tasks[2]!;
    const w = mount(FlowFields, {
      props: { task, errors: { when: 'bad condition', forEach: 'bad list', outputs: 'dup' } },
    });
    expect(w.find('[data-testid="task-when-error"]').text()).toBe('bad condition');
    expect(w.find('[data-testid="task-outputs-error"]').text()).toBe('dup');
    expect(w.find('[data-testid="task-when"]').classes()).toContain('invalid');
  });
});

describe('DagSettingsPanel flow fields', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('sets the run deadline and the exit handler policy, and shows a bad deadline at its field', async () => {
    const s = useEditorStore();
    s.open(flow, 'flow');
    const w = mount(DagSettingsPanel);
    expect((w.find('[data-testid="dag-deadline"]').element as HTMLInputElement).value).toBe('600');
    await w.find('[data-testid="dag-deadline"]').setValue('');
    expect(s.spec.activeDeadlineSeconds).toBeUndefined();
    await w.find('[data-testid="dag-onexit-fails-run"]').setValue(true);
    expect(s.spec.onExitFailsRun).toBe(true);
    await w.find('[data-testid="dag-deadline"]').setValue('0');
    expect(w.find('[data-testid="dag-deadline-error"]').exists()).toBe(true);
  });
});
