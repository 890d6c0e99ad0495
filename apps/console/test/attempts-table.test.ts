import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import type { Attempt } from '../src/api';
import AttemptsTable from '../src/components/AttemptsTable.vue';
import { chunks } from '../src/components/chunks';

function attempt(i: number, patch: Partial<Attempt> = {}): Attempt {
  return {
    id: `a${i}`,
    taskName: `t${i}`,
    attempt: 1,
    state: 'waiting',
    exitCode: null,
    reason: null,
    message: null,
    createdAt: '2026-12-06T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    failureKind: null,
    ...patch,
  };
}

describe('chunks', () => {
  it('cuts rows in chunks and hands back the previous chunk where its rows are the very same', () => {
    const rows = Array.from({ length: 60 }, (_, i) => attempt(i));
    const first = chunks(rows, 25);
    expect(first.map((c) => c.length)).toEqual([25, 25, 10]);
    const changed = rows.with(30, attempt(30, { state: 'running' }));
    const second = chunks(changed, 25, first);
    expect(second.map((c, i) => c === first[i])).toEqual([true, false, true]);
    // One more row: the last chunk is new, the others are kept.
    const third = chunks([...changed, attempt(60)], 25, second);
    expect(third.map((c, i) => c === second[i])).toEqual([true, true, false]);
    expect(chunks([], 25)).toEqual([]);
  });
});

describe('AttemptsTable', () => {
  it('shows every attempt as a row in groups, selects one on click and on Enter', async () => {
    const attempts = Array.from({ length: 60 }, (_, i) =>
      attempt(i, i === 7 ? { state: 'failed', exitCode: 2, reason: 'Error', durationMs: 1500 } : {}),
    );
    const w = mount(AttemptsTable, { props: { attempts, selectedId: null } });
    expect(w.findAll('tbody')).toHaveLength(3);
    expect(w.findAll('tbody tr')).toHaveLength(60);
    const row = w.find('[data-testid="attempt-t7-1"]');
    expect(row.text()).toContain('failed');
    expect(row.text()).toContain('2');
    expect(row.text()).toContain('Error');
    expect(row.text()).toContain('1.5 s');
    await row.trigger('click');
    await w.find('[data-testid="attempt-t9-1"]').trigger('keydown', { key: 'Enter' });
    expect(w.emitted('select')).toEqual([['a7'], ['a9']]);
    await w.setProps({ selectedId: 'a7' });
    expect(w.find('[data-testid="attempt-t7-1"]').classes()).toContain('sel');
    expect(w.find('[data-testid="attempt-t7-1"]').attributes('aria-selected')).toBe('true');
    expect(w.find('[role="table"]').exists()).toBe(true);
    w.unmount();
  });

  it('says so when there is no attempt yet', () => {
    const w = mount(AttemptsTable, { props: { attempts: [], selectedId: null } });
    expect(w.text()).toContain('No attempts yet.');
    w.unmount();
  });
});
