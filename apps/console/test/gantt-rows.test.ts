import { describe, expect, it } from 'vitest';
import type { Attempt } from '../src/api';
import { barTimes, ganttRows, ganttSpan } from '../src/components/ganttRows';

const T0 = Date.parse('2026-12-06T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function attempt(patch: Partial<Attempt>): Attempt {
  return {
    id: 'a1',
    taskName: 'extract',
    attempt: 1,
    state: 'succeeded',
    exitCode: 0,
    reason: null,
    message: null,
    createdAt: at(0),
    startedAt: at(1),
    finishedAt: at(3),
    durationMs: 2000,
    failureKind: null,
    ...patch,
  };
}

describe('gantt rows', () => {
  it('places bars from the origin, in the given task order, a running bar open-ended', () => {
    const attempts = [
      attempt({ id: 'b1', taskName: 'load', startedAt: at(4), finishedAt: null, state: 'running' }),
      attempt({}),
      attempt({ id: 'a2', attempt: 2, startedAt: at(5), finishedAt: at(6) }),
      attempt({ id: 'w', taskName: 'report', startedAt: null, finishedAt: null, state: 'waiting' }),
    ];
    const { rows } = ganttRows(attempts, ['extract', 'load'], T0);
    expect(rows.map((r) => r.name)).toEqual(['extract', 'load', 'report']);
    expect(rows[0]!.bars.map((b) => [b.start, b.end])).toEqual([
      [1000, 3000],
      [5000, 6000],
    ]);
    expect(rows[1]!.bars[0]!.end).toBeNull();
    expect(rows.map((r) => r.running)).toEqual([false, true, false]);
    // A waiting attempt is a mark where it was created.
    expect(rows[2]!.bars[0]!).toMatchObject({ start: 0, end: 0 });
    expect(ganttSpan(attempts, T0 + 10_000)).toEqual({ min: T0, max: T0 + 10_000 });
    expect(ganttSpan([], T0)).toEqual({ min: 0, max: 1 });
  });

  it('keeps the row objects of tasks whose attempts did not change, so a live run re-renders only the others', () => {
    const attempts = Array.from({ length: 1000 }, (_, i) =>
      attempt({ id: `a${i}`, taskName: `t${i}`, state: 'waiting', startedAt: null, finishedAt: null }),
    );
    const order = attempts.map((a) => a.taskName);
    const first = ganttRows(attempts, order, T0);
    const moved = attempts.with(5, attempt({ id: 'a5', taskName: 't5', state: 'running', finishedAt: null }));
    const second = ganttRows(moved, order, T0, first);
    const changed = second.rows.filter((r, i) => r !== first.rows[i]).map((r) => r.name);
    expect(changed).toEqual(['t5']);
    expect(second.rows[5]!.running).toBe(true);
    // Made from the changed places only, the rows are what a computation from scratch gives.
    expect(second.rows).toEqual(ganttRows(moved, order, T0).rows);
    // Another task at a place (a new read of the run): made from scratch, not patched.
    const swapped = moved.with(6, attempt({ id: 'x', taskName: 't5', attempt: 2, finishedAt: null }));
    const fourth = ganttRows(swapped, order, T0, second);
    expect(fourth.rows).toEqual(ganttRows(swapped, order, T0).rows);
    expect(fourth.rows.map((r) => r.name)).not.toContain('t6');
    // Another origin moves every bar: nothing is reused.
    const third = ganttRows(moved, order, T0 - 1000, second);
    expect(third.rows.some((r, i) => r === second.rows[i])).toBe(false);
    expect(third.rows[0]!.bars[0]!.start).toBe(1000);
  });

  it('reads a bar from the newer copy of an attempt, not from the times kept for the older one', () => {
    const running = attempt({ id: 'c1', finishedAt: null, durationMs: null, state: 'running' });
    expect(barTimes(running)).toMatchObject({ start: T0 + 1000, end: null });
    // The same object again: the kept times.
    expect(barTimes(running)).toBe(barTimes(running));
    // The event that finished it brings a new copy with the same id: its end is read from it.
    const finished = { ...running, state: 'succeeded' as const, finishedAt: at(5), durationMs: 4000 };
    expect(barTimes(finished)).toMatchObject({ start: T0 + 1000, end: T0 + 5000 });
    expect(ganttSpan([finished], T0 + 60_000)).toEqual({ min: T0 + 1000, max: T0 + 5000 });
  });
});
