import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import TaskNode from '../src/editor/nodes/TaskNode.vue';
import { commandSummary, retrySummary } from '../src/editor/nodes/taskSummary';

const stubs = { Handle: { template: '<span class="handle-stub" />' } };

describe('TaskNode', () => {
  it('shows name, image, command and retry policy', () => {
    const w = mount(TaskNode, {
      props: {
        id: 't1',
        data: {
          spec: {
            name: 'extract',
            image: 'alpine:3.20',
            command: ['sh', '-c', 'echo hi'],
            backoff: { limit: 2 },
          },
          editable: true,
        },
      },
      global: { stubs },
    });
    expect(w.text()).toContain('extract');
    expect(w.text()).toContain('alpine:3.20');
    expect(w.text()).toContain('sh -c "echo hi"');
    expect(w.text()).toContain('2 retries');
    expect(w.find('[data-testid="node-errors-extract"]').exists()).toBe(false);
    expect(w.attributes('title')).toContain('image: alpine:3.20');
  });

  it('renders validation errors as a badge with the count and the messages', () => {
    const w = mount(TaskNode, {
      props: {
        id: 't1',
        data: {
          spec: { name: 'load', command: ['x'] },
          errors: ['task "load" has no image', 'cycle: load → a → load'],
          editable: true,
        },
      },
      global: { stubs },
    });
    const badge = w.find('[data-testid="node-errors-load"]');
    expect(badge.exists()).toBe(true);
    expect(badge.text()).toBe('2');
    expect(badge.attributes('aria-label')).toBe('2 validation problem(s)');
    expect(w.classes()).toContain('invalid');
    expect(w.find('[data-testid="node-error-list"]').text()).toContain('has no image');
    expect(w.attributes('title')).toContain('⚠ cycle: load → a → load');
  });

  it('is coloured by run state', () => {
    const w = mount(TaskNode, {
      props: {
        id: 't',
        data: { spec: { name: 'x', image: 'i', command: ['c'] }, state: 'failed', attempts: 3 },
      },
      global: { stubs },
    });
    expect(w.classes()).toContain('st-failed');
    expect(w.attributes('data-state')).toBe('failed');
    expect(w.text()).toContain('attempt 3');
  });

  it('summarises scripts and conditional retries', () => {
    expect(commandSummary({ name: 'a', script: '#!/bin/sh\n\nset -e\necho' })).toBe('script: set -e');
    expect(retrySummary({ name: 'a', conditional: { enabled: true, retryCodes: [1, 137] } })).toBe(
      '3 retries on exit 1, 137',
    );
    expect(retrySummary({ name: 'a', backoff: { limit: 0 } })).toBe('no retries');
  });
});

describe('TaskNode in the editor’s plan preview', () => {
  const mountWith = (plan: { critical: boolean; outcome: 'run' | 'skip' | 'maybe' }) =>
    mount(TaskNode, {
      props: { id: 't', data: { spec: { name: 'c', image: 'alpine', script: 'x' }, editable: true, plan } },
      global: { stubs },
    });

  it('highlights a task on the critical path and greys out a skipped one', () => {
    const critical = mountWith({ critical: true, outcome: 'run' });
    expect(critical.classes()).toContain('critical');
    expect(critical.attributes('data-plan')).toBe('run critical');
    const skipped = mountWith({ critical: false, outcome: 'skip' });
    expect(skipped.classes()).toContain('plan-skip');
    expect(skipped.classes()).not.toContain('critical');
  });
});
