import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import PlanPreview from '../src/components/PlanPreview.vue';
import type { PlanPreview as Plan } from '../src/api';

/** a → (b, c → d); d has a condition that is false for the parameters, so d is skipped. */
const plan: Plan = {
  dag: 'etl',
  parameters: [],
  levels: [['a'], ['b', 'c'], ['d']],
  criticalPath: { tasks: ['a', 'c'], weight: 2 },
  tasks: [
    {
      name: 'a',
      level: 0,
      runAfter: [],
      outcome: 'run',
      condition: { kind: 'always' },
      onCriticalPath: true,
      weight: 1,
    },
    {
      name: 'b',
      level: 1,
      runAfter: ['a'],
      outcome: 'maybe',
      condition: { kind: 'unknown' },
      reason: 'ConditionUnknown',
      message: 'known only during the run',
      onCriticalPath: false,
      weight: 1,
    },
    {
      name: 'c',
      level: 1,
      runAfter: ['a'],
      outcome: 'run',
      condition: { kind: 'always' },
      onCriticalPath: true,
      weight: 1,
    },
    {
      name: 'd',
      level: 2,
      runAfter: ['c'],
      outcome: 'skip',
      condition: { kind: 'false' },
      reason: 'ConditionFalse',
      message: 'region is not "us"',
      onCriticalPath: false,
      weight: 0,
    },
  ],
  problems: [],
};

describe('PlanPreview', () => {
  it('lists the levels, highlights the critical path and greys out skipped tasks', () => {
    const w = mount(PlanPreview, { props: { plan } });
    expect(w.find('[data-testid="plan-critical-path"]').text()).toBe('a → c');
    expect(w.find('[data-testid="plan-summary"]').text()).toContain('3 level(s)');
    expect(w.find('[data-testid="plan-summary"]').text()).toContain('1 skipped');
    expect(w.find('[data-testid="plan-level-1"]').text()).toContain('b');
    const chip = (name: string) => w.find(`[data-testid="plan-task-${name}"]`);
    expect(chip('c').classes()).toContain('critical');
    expect(chip('b').classes()).not.toContain('critical');
    expect(chip('b').classes()).toContain('maybe');
    expect(chip('d').classes()).toContain('skip');
    expect(chip('d').attributes('title')).toContain('region is not "us"');
  });

  it('says why there is no plan', () => {
    const w = mount(PlanPreview, { props: { plan: null, note: 'The plan appears once the DAG is valid.' } });
    expect(w.find('[data-testid="plan-note"]').text()).toBe('The plan appears once the DAG is valid.');
    expect(w.find('[data-testid="plan-summary"]').exists()).toBe(false);
  });
});
