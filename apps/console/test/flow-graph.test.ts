import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import TaskNode from '../src/editor/nodes/TaskNode.vue';
import TaskRunPanel from '../src/components/TaskRunPanel.vue';
import { forEachSummary, triggerRuleSummary } from '../src/editor/nodes/taskSummary';
import {
  attemptOrder,
  instancesByTask,
  instanceItem,
  instanceStatesText,
  latestAttempts,
  outputsOf,
  parseInstance,
  prettyJson,
  reportedItem,
  skipReasonText,
  summarizeInstances,
} from '../src/components/runFlow';
import type { Attempt } from '../src/api';

const stubs = { Handle: { template: '<span class="handle-stub" />' } };

function attempt(taskName: string, state: Attempt['state'], extra: Partial<Attempt> = {}): Attempt {
  return {
    id: `${taskName}-${extra.attempt ?? 1}`,
    taskName,
    attempt: 1,
    state,
    exitCode: null,
    reason: null,
    message: null,
    failureKind: null,
    outputs: null,
    instance: null,
    createdAt: '2026-12-06T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    ...extra,
    // An assertion, not a literal of the type: the API may add fields (outputs) to attempts.
  } as Attempt;
}

describe('node summaries of the flow fields', () => {
  it('names a trigger rule only when it is not the default', () => {
    expect(triggerRuleSummary({ name: 'a' })).toBeNull();
    expect(triggerRuleSummary({ name: 'a', triggerRule: 'all_success' })).toBeNull();
    expect(triggerRuleSummary({ name: 'a', triggerRule: 'none_failed' })).toBe('none_failed');
  });

  it('sums up a forEach by its items, its source or its instances, with the parallelism', () => {
    expect(forEachSummary({ name: 'a' })).toBeNull();
    expect(forEachSummary({ name: 'a', forEach: { items: ['x', 'y', 'z'] } })).toBe('× 3 items');
    expect(forEachSummary({ name: 'a', forEach: { items: [1] } })).toBe('× 1 item');
    expect(
      forEachSummary({ name: 'a', forEach: { from: '{{ tasks.list.outputs.files }}', parallelism: 2 } }),
    ).toBe('× tasks.list.outputs.files · 2 at a time');
    expect(forEachSummary({ name: 'a', forEach: { from: '{{ tasks.list.outputs.files }}' } }, 4)).toBe(
      '× 4 instances',
    );
  });
});

describe('TaskNode flow marks', () => {
  it('shows a condition badge whose tooltip is the expression, and a non-default trigger rule', () => {
    const w = mount(TaskNode, {
      props: {
        id: 'report',
        data: {
          spec: {
            name: 'report',
            image: 'alpine:3.20',
            command: ['true'],
            when: 'tasks.extract.outputs.rows > 0',
            triggerRule: 'all_done',
          },
        },
      },
      global: { stubs },
    });
    const badge = w.find('[data-testid="node-when-report"]');
    expect(badge.text()).toBe('if');
    expect(badge.attributes('title')).toBe('when: tasks.extract.outputs.rows > 0');
    expect(w.find('[data-testid="node-trigger-report"]').text()).toBe('⇶ all_done');
    expect(w.attributes('title')).toContain('when: tasks.extract.outputs.rows > 0');
    expect(w.classes()).not.toContain('stacked');
  });

  it('draws a forEach task stacked with its items, and an exit handler dashed and tagged', () => {
    const fe = mount(TaskNode, {
      props: {
        id: 'process',
        data: { spec: { name: 'process', command: ['x'], forEach: { items: ['a', 'b'], parallelism: 1 } } },
      },
      global: { stubs },
    });
    expect(fe.classes()).toContain('stacked');
    expect(fe.find('[data-testid="node-foreach-process"]').text()).toBe('× 2 items · 1 at a time');
    expect(fe.find('[data-testid="node-trigger-process"]').exists()).toBe(false);
    const exit = mount(TaskNode, {
      props: { id: 'notify', data: { spec: { name: 'notify', command: ['x'] }, exit: true } },
      global: { stubs },
    });
    expect(exit.classes()).toContain('exit');
    expect(exit.find('[data-testid="node-exit-notify"]').text()).toBe('on exit');
  });

  it('in a run, greys a task skipped by its condition with the reason, and counts instances', () => {
    const skipped = mount(TaskNode, {
      props: {
        id: 'publish',
        data: {
          spec: { name: 'publish', command: ['x'], when: 'params.env == "prod"' },
          state: 'skipped',
          reason: 'ConditionFalse',
          message: 'its when condition is false',
        },
      },
      global: { stubs },
    });
    expect(skipped.classes()).toContain('st-skipped');
    expect(skipped.find('[data-testid="node-skip-publish"]').text()).toBe(
      'skipped: its when condition is false',
    );
    expect(skipped.attributes('title')).toContain('when: params.env == "prod"');
    const fanned = mount(TaskNode, {
      props: {
        id: 'process',
        data: {
          spec: { name: 'process', command: ['x'], forEach: { from: '{{ tasks.a.outputs.b }}' } },
          state: 'running',
          instances: { total: 3, states: { succeeded: 2, running: 1 } },
        },
      },
      global: { stubs },
    });
    expect(fanned.find('[data-testid="node-foreach-process"]').text()).toBe('× 3 instances');
    expect(fanned.attributes('title')).toContain('instances: 2 succeeded, 1 running');
    expect(fanned.find('[data-testid="node-skip-process"]').exists()).toBe(false);
  });
});

describe('run view helpers', () => {
  it('parses instance names and leaves task names alone', () => {
    expect(parseInstance('process[12]')).toEqual({ task: 'process', index: 12 });
    expect(parseInstance('process')).toBeNull();
    expect(parseInstance('[1]')).toBeNull();
    expect(parseInstance('a[x]')).toBeNull();
  });

  it('lists each forEach task’s instances by index with their latest attempt', () => {
    const attempts = [
      attempt('list', 'succeeded'),
      attempt('process', 'waiting'),
      attempt('process[1]', 'failed', { id: 'p1-1', reason: 'Exit' }),
      attempt('process[10]', 'skipped', { reason: 'ConditionFalse' }),
      attempt('process[0]', 'succeeded'),
      attempt('process[1]', 'running', { id: 'p1-2', attempt: 2 }),
    ];
    const rows = instancesByTask(attempts).get('process')!;
    expect(rows.map((r) => [r.name, r.latest.state, r.attempts])).toEqual([
      ['process[0]', 'succeeded', 1],
      ['process[1]', 'running', 2],
      ['process[10]', 'skipped', 1],
    ]);
    expect(instancesByTask(attempts).has('list')).toBe(false);
    const summary = summarizeInstances(rows);
    expect(summary).toEqual({ total: 3, states: { succeeded: 1, running: 1, skipped: 1 } });
    expect(instanceStatesText({ total: 4, states: { running: 1, succeeded: 3 } })).toBe(
      '3 succeeded, 1 running',
    );
    expect(latestAttempts(attempts).get('process[1]')?.id).toBe('p1-2');
  });

  it('orders attempts as the graph: instances after their task, exit handlers last', () => {
    const key = attemptOrder(['list', 'process', 'report'], ['notify']);
    const names = ['notify', 'report', 'process[10]', 'process[2]', 'list', 'process', 'unknown'];
    expect([...names].sort((a, b) => key(a) - key(b))).toEqual([
      'list',
      'process',
      'process[2]',
      'process[10]',
      'report',
      'notify',
      'unknown',
    ]);
  });

  it('reads outputs defensively and prints them as pretty JSON', () => {
    expect(outputsOf(attempt('a', 'succeeded'))).toEqual([]);
    expect(outputsOf(null)).toEqual([]);
    const withOutputs = { ...attempt('a', 'succeeded'), outputs: { rows: 3, files: ['a', 'b'] } };
    expect(outputsOf(withOutputs)).toEqual([
      ['files', ['a', 'b']],
      ['rows', 3],
    ]);
    expect(outputsOf({ ...attempt('a', 'succeeded'), outputs: ['x'] } as unknown as Attempt)).toEqual([]);
    expect(prettyJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(prettyJson(undefined)).toBe('null');
  });

  it('says why a task was skipped', () => {
    expect(skipReasonText('ConditionFalse')).toBe('its when condition is false');
    expect(skipReasonText('TriggerRuleUnmet')).toBe('its trigger rule cannot be met');
    expect(skipReasonText('Other')).toBe('Other');
    expect(skipReasonText(null)).toBe('skipped');
  });
});

describe('TaskRunPanel', () => {
  it('shows each output as pretty JSON with a copy button that copies it', async () => {
    setActivePinia(createPinia());
    const written: string[] = [];
    Object.defineProperty(navigator, 'clipboard', {
      value: { writeText: async (t: string) => void written.push(t) },
      configurable: true,
    });
    const a = { ...attempt('extract', 'succeeded'), outputs: { rows: 42, files: ['a.csv', 'b.csv'] } };
    const w = mount(TaskRunPanel, {
      props: {
        name: 'extract',
        spec: { name: 'extract', outputs: [{ name: 'rows' }, { name: 'files' }] },
        attempt: a,
      },
    });
    expect(w.find('[data-testid="output-value-rows"]').text()).toBe('42');
    expect(w.find('[data-testid="output-value-files"]').text()).toBe('[\n  "a.csv",\n  "b.csv"\n]');
    await w.find('[data-testid="output-copy-files"]').trigger('click');
    await new Promise((r) => setTimeout(r, 0));
    expect(written).toEqual(['[\n  "a.csv",\n  "b.csv"\n]']);
    expect(w.find('[data-testid="task-no-outputs"]').exists()).toBe(false);
  });

  it('explains a skip by condition with the expression, lists instances, and says when no outputs came', async () => {
    setActivePinia(createPinia());
    const skipped = mount(TaskRunPanel, {
      props: {
        name: 'publish',
        spec: { name: 'publish', when: 'params.env == "prod"', outputs: [{ name: 'url' }] },
        attempt: attempt('publish', 'skipped', { reason: 'ConditionFalse' }),
      },
    });
    expect(skipped.find('[data-testid="task-skip-reason"]').text().replace(/\s+/g, ' ')).toBe(
      'Skipped: its when condition is false — params.env == "prod"',
    );
    expect(skipped.find('[data-testid="task-no-outputs"]').text()).toBe(
      'No outputs recorded yet (declares url).',
    );
    const rows = instancesByTask([
      attempt('process[0]', 'succeeded', { id: 'i0' }),
      attempt('process[1]', 'failed', { id: 'i1', reason: 'Exit' }),
    ]).get('process')!;
    const fan = mount(TaskRunPanel, {
      props: {
        name: 'process',
        spec: { name: 'process' },
        attempt: attempt('process', 'waiting'),
        instances: rows,
      },
    });
    expect(fan.find('[data-testid="task-instances"] summary').text()).toBe(
      '2 instances: 1 failed, 1 succeeded',
    );
    expect(fan.find('[data-testid="instance-1"]').attributes('data-state')).toBe('failed');
    await fan.find('[data-testid="instance-1"]').trigger('click');
    expect(fan.emitted('selectAttempt')).toEqual([['i1']]);
    expect(fan.find('[data-testid="task-no-outputs"]').text()).toBe('This task declares no outputs.');
  });
});

describe('instanceItem', () => {
  it('knows an instance item from static items or from the source output of the upstream attempt', () => {
    const latest = latestAttempts([
      { ...attempt('list-files', 'succeeded'), outputs: { files: ['a.csv', 'b.csv'] } } as Attempt,
    ]);
    expect(instanceItem({ items: ['eu', { r: 1 }] }, 1, latest)).toEqual({ r: 1 });
    expect(instanceItem({ items: ['eu'] }, 3, latest)).toBeUndefined();
    expect(instanceItem({ from: '{{ tasks.list-files.outputs.files }}' }, 1, latest)).toBe('b.csv');
    expect(instanceItem({ from: '{{tasks.list-files.outputs.files}}' }, 0, latest)).toBe('a.csv');
    expect(instanceItem({ from: '{{ tasks.other.outputs.files }}' }, 0, latest)).toBeUndefined();
    expect(instanceItem({ from: '{{ tasks.list-files.outputs.nope }}' }, 0, latest)).toBeUndefined();
    expect(instanceItem(undefined, 0, latest)).toBeUndefined();
  });

  it('links an instance panel to its forEach task and shows the item', async () => {
    setActivePinia(createPinia());
    const w = mount(TaskRunPanel, {
      props: {
        name: 'process[1]',
        spec: { name: 'process' },
        attempt: attempt('process[1]', 'running'),
        item: 'b.csv',
      },
    });
    expect(w.find('[data-testid="task-detail-item"]').text()).toBe('"b.csv"');
    await w.find('[data-testid="task-detail-parent"]').trigger('click');
    expect(w.emitted('selectTask')).toEqual([['process']]);
    const plain = mount(TaskRunPanel, { props: { name: 'list', attempt: attempt('list', 'running') } });
    expect(plain.find('[data-testid="task-detail-parent"]').exists()).toBe(false);
  });
});

describe('reportedItem', () => {
  it('reads the item a newer server reports with an instance attempt, and nothing from older ones', () => {
    expect(reportedItem(attempt('p[0]', 'running'))).toBeNull();
    const withInstance = (instance: unknown) =>
      ({ ...attempt('p[0]', 'running'), instance }) as unknown as Attempt;
    expect(reportedItem(withInstance({ of: 'p', index: 0, item: { r: 'eu' } }))).toEqual({
      item: { r: 'eu' },
    });
    expect(reportedItem(withInstance({ of: 'p', index: 0, item: null }))).toEqual({ item: null });
    expect(reportedItem(withInstance({ of: 'p', index: 0 }))).toBeNull();
    expect(reportedItem(withInstance(null))).toBeNull();
  });
});
