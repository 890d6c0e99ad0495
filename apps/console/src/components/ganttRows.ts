import type { Attempt } from '../api';

/** One attempt's bar, in milliseconds from the chart's origin. */
export interface GanttBar {
  readonly a: Attempt;
  readonly start: number;
  /** Null while the attempt runs: the bar then reaches "now", a variable of the whole chart. */
  readonly end: number | null;
}

/** One task's row: its attempts in order. */
export interface GanttRow {
  readonly name: string;
  readonly bars: readonly GanttBar[];
  /** Some bar reaches "now": its duration changes as time passes. */
  readonly running: boolean;
}

/** Rows by task name, with the origin they were placed from: what the next call may reuse. */
export interface GanttRows {
  readonly rows: readonly GanttRow[];
  readonly origin: number;
  readonly byName: ReadonlyMap<string, GanttRow>;
  /** What the rows were made from. */
  readonly attempts: readonly Attempt[];
  readonly order: readonly string[];
  /** Each row's place, by task name. */
  readonly at: ReadonlyMap<string, number>;
}

function ms(iso: string | null): number | null {
  return iso ? new Date(iso).getTime() : null;
}

/**
 * Bar times by attempt id, with the attempt object they were read from: the run view's attempts are never
 * changed in place (a newer copy replaces one), and the chart's span is taken over all of them on every
 * frame of a live run, 2,000 dates to parse at 1,000 tasks each time without this. Not a WeakMap: a live
 * run replaces attempts by the hundred a second, and weak keys add to the marking work of every garbage
 * collection (a trial with one showed it in the run view's longest task).
 */
const timesById = new Map<string, { a: Attempt; start: number; end: number | null }>();
/** Past this many attempts (runs viewed one after another), the cache starts over. */
const MAX_CACHED = 50_000;

/** Where an attempt's bar starts and ends (epoch ms); `end` null while it runs. */
export function barTimes(a: Attempt): { start: number; end: number | null } {
  const known = timesById.get(a.id);
  if (known?.a === a) return known;
  const start = ms(a.startedAt) ?? ms(a.createdAt)!;
  const times = { a, start, end: ms(a.finishedAt) ?? (a.startedAt ? null : start) };
  if (timesById.size >= MAX_CACHED) timesById.clear();
  timesById.set(a.id, times);
  return times;
}

/** The chart's time span over every attempt (epoch ms), a running one reaching `now`; at least 1 s. */
export function ganttSpan(attempts: readonly Attempt[], now: number): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const a of attempts) {
    const { start, end } = barTimes(a);
    min = Math.min(min, start);
    max = Math.max(max, end ?? now);
  }
  if (!Number.isFinite(min)) return { min: 0, max: 1 };
  return { min, max: Math.max(max, min + 1000) };
}

/** One task's row, placed from `origin`. */
function rowOf(name: string, list: readonly Attempt[], origin: number): GanttRow {
  return {
    name,
    bars: list.map((a) => {
      const { start, end } = barTimes(a);
      return { a, start: start - origin, end: end === null ? null : end - origin };
    }),
    running: list.some((a) => barTimes(a).end === null),
  };
}

/**
 * The rows when `attempts` are `previous`'s in the same places, some of them newer copies (what a live
 * frame brings: the run view keeps each attempt's place while the attempts are the same), and the order
 * and origin are the same: only the rows of the tasks whose attempts changed are made again. Null when
 * that is not the case.
 */
function changedRows(
  attempts: readonly Attempt[],
  order: readonly string[],
  origin: number,
  previous: GanttRows | null,
): GanttRows | null {
  if (!previous || previous.origin !== origin || previous.order !== order) return null;
  const before = previous.attempts;
  if (before.length !== attempts.length) return null;
  const changed = new Set<string>();
  for (let i = 0; i < attempts.length; i++) {
    const a = attempts[i]!;
    if (a === before[i]) continue;
    if (a.taskName !== before[i]!.taskName) return null;
    changed.add(a.taskName);
  }
  if (changed.size === 0) return { ...previous, attempts };
  const lists = new Map<string, Attempt[]>();
  for (const a of attempts) {
    if (!changed.has(a.taskName)) continue;
    const list = lists.get(a.taskName);
    if (list) list.push(a);
    else lists.set(a.taskName, [a]);
  }
  const rows = previous.rows.slice();
  const byName = new Map(previous.byName);
  for (const [name, list] of lists) {
    const row = rowOf(name, list, origin);
    rows[previous.at.get(name)!] = row;
    byName.set(name, row);
  }
  return { rows, origin, byName, attempts, order, at: previous.at };
}

function sameAttempts(bars: readonly GanttBar[], attempts: readonly Attempt[]): boolean {
  return bars.length === attempts.length && bars.every((b, i) => b.a === attempts[i]);
}

/**
 * One row per task, in `order` first (then any other task with attempts), bars placed from `origin`.
 * A row whose attempts are the very same objects as in `previous` (placed from the same origin) is
 * `previous`'s row object itself: a live run changes a few attempts per frame, and the chart re-renders
 * only the rows that are not the same (it memoises rows by identity).
 */
export function ganttRows(
  attempts: readonly Attempt[],
  order: readonly string[],
  origin: number,
  previous: GanttRows | null = null,
): GanttRows {
  const changed = changedRows(attempts, order, origin, previous);
  if (changed) return changed;
  const byTask = new Map<string, Attempt[]>();
  for (const a of attempts) {
    const list = byTask.get(a.taskName);
    if (list) list.push(a);
    else byTask.set(a.taskName, [a]);
  }
  const ordered = new Set(order);
  const names = [...order.filter((n) => byTask.has(n)), ...[...byTask.keys()].filter((n) => !ordered.has(n))];
  const reuse = previous?.origin === origin ? previous.byName : null;
  const byName = new Map<string, GanttRow>();
  const rows = names.map((name) => {
    const list = byTask.get(name)!;
    const before = reuse?.get(name);
    const row = before && sameAttempts(before.bars, list) ? before : rowOf(name, list, origin);
    byName.set(name, row);
    return row;
  });
  return { rows, origin, byName, attempts, order, at: new Map(names.map((n, i) => [n, i])) };
}
