import { afterEach, describe, expect, it, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import type { Attempt } from '../src/api';
import GanttChart from '../src/components/GanttChart.vue';
import { formatTime } from '../src/format';

const T0 = Date.parse('2026-12-06T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function attempt(i: number, patch: Partial<Attempt> = {}): Attempt {
  return {
    id: `a${i}`,
    taskName: `t${i}`,
    attempt: 1,
    state: 'running',
    exitCode: null,
    reason: null,
    message: null,
    createdAt: at(0),
    startedAt: at(1),
    finishedAt: null,
    durationMs: null,
    failureKind: null,
    ...patch,
  };
}

afterEach(() => vi.useRealTimers());

describe('GanttChart', () => {
  it('regression: running rows are not drawn again every second (500 at once in a live run of 1,000 tasks)', async () => {
    vi.useFakeTimers({ now: T0 + 5000 });
    const attempts = [
      ...Array.from({ length: 50 }, (_, i) => attempt(i)),
      attempt(50, { state: 'succeeded', exitCode: 0, finishedAt: at(3), durationMs: 2000 }),
    ];
    const w = mount(GanttChart, { props: { attempts, order: attempts.map((a) => a.taskName) } });
    const bar = () => w.find('[data-testid="gantt-bar-t3-1"]');
    const running = bar().element;
    expect(bar().attributes('title')).toBe(`t3 attempt 1: running, since ${formatTime(at(1))}`);
    expect(w.find('[data-testid="gantt-bar-t50-1"]').attributes('aria-label')).toBe(
      't50 attempt 1, succeeded, 2.0 s',
    );
    const span = () => (w.element as HTMLElement).style.getPropertyValue('--g-now');
    const before = span();
    // Each second the chart's "now" moves (the running bars grow by it), the rows are left alone.
    const observer = new MutationObserver(() => undefined);
    observer.observe(w.find('[role="rowgroup"]').element, {
      subtree: true,
      attributes: true,
      childList: true,
    });
    await vi.advanceTimersByTimeAsync(3000);
    expect(span()).not.toBe(before);
    expect(observer.takeRecords()).toEqual([]);
    observer.disconnect();
    expect(bar().element).toBe(running);
    // An event that ends the attempt draws its row again, with its duration.
    await w.setProps({
      attempts: attempts.with(3, attempt(3, { state: 'succeeded', finishedAt: at(6), durationMs: 5000 })),
    });
    expect(bar().attributes('title')).toBe('t3 attempt 1: succeeded, 5.0 s');
    w.unmount();
  });
});
