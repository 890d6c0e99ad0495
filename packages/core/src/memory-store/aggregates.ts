/**
 * The aggregate port over the memory store's runs: computed by a scan on each call, which is what a store
 * of one process's runs can afford. The figures equal the PostgreSQL rollups' by construction: same
 * windows (by `finishedAt`), same duration buckets, same ordering rules.
 */
import { durationBucket, mergeHistograms } from '../model/duration-histogram.js';
import type { AttemptRecord, RunRecord } from '../model/records.js';
import { RUN_STATES, TERMINAL_RUN_STATES, type RunState } from '../model/states.js';
import type {
  AggregateScope,
  DagOutcomes,
  DailyOutcomes,
  OutcomeCounts,
  TaskOutcomeQuery,
  TaskOutcomes,
  TimeWindow,
} from '../ports/aggregates.js';

const DAY_MS = 86_400_000;
const MAX_TASKS = 100;
const MAX_WAITING = 500;

type Outcome = keyof OutcomeCounts;
const isOutcome = (state: string): state is Outcome =>
  state === 'succeeded' || state === 'failed' || state === 'canceled';

const inScope = (scope: AggregateScope, namespace: string): boolean =>
  scope.namespaces === undefined || scope.namespaces.includes(namespace);

const inWindow = (window: TimeWindow, at: number | null): at is number =>
  at !== null && at >= window.from && at < window.to;

const zero = (): { succeeded: number; failed: number; canceled: number } => ({
  succeeded: 0,
  failed: 0,
  canceled: 0,
});

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function countActiveRuns(runs: Iterable<RunRecord>, scope: AggregateScope): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const state of RUN_STATES) if (!TERMINAL_RUN_STATES.has(state)) counts[state] = 0;
  for (const run of runs) {
    if (TERMINAL_RUN_STATES.has(run.state) || !inScope(scope, run.namespace)) continue;
    counts[run.state] = (counts[run.state] ?? 0) + 1;
  }
  return counts;
}

/** Runs that have not started: over a limit (`queued`) or about to (`pending`). */
const WAITING_STATES: ReadonlySet<RunState> = new Set<RunState>(['queued', 'pending']);

export function listWaitingRuns(
  runs: Iterable<RunRecord>,
  scope: AggregateScope,
  limit: number,
): RunRecord[] {
  return [...runs]
    .filter((run) => WAITING_STATES.has(run.state) && inScope(scope, run.namespace))
    .sort((a, b) => a.createdAt - b.createdAt || byText(a.id, b.id))
    .slice(0, Math.min(MAX_WAITING, Math.max(0, Math.floor(limit))));
}

export function dagOutcomes(
  runs: Iterable<RunRecord>,
  scope: AggregateScope,
  window: TimeWindow,
): DagOutcomes[] {
  const byDag = new Map<
    string,
    { run: RunRecord; counts: ReturnType<typeof zero>; hist: Map<number, number> }
  >();
  for (const run of runs) {
    if (!isOutcome(run.state) || !inScope(scope, run.namespace) || !inWindow(window, run.finishedAt))
      continue;
    const key = `${run.namespace}\u0000${run.dagName}`;
    let entry = byDag.get(key);
    if (entry === undefined) byDag.set(key, (entry = { run, counts: zero(), hist: new Map() }));
    entry.counts[run.state] += 1;
    if (run.state !== 'canceled') {
      const bucket = durationBucket(run.finishedAt - (run.startedAt ?? run.createdAt));
      entry.hist.set(bucket, (entry.hist.get(bucket) ?? 0) + 1);
    }
  }
  return [...byDag.values()]
    .sort((a, b) => byText(a.run.namespace, b.run.namespace) || byText(a.run.dagName, b.run.dagName))
    .map(({ run, counts, hist }) => ({
      namespace: run.namespace,
      dagName: run.dagName,
      counts,
      durations: mergeHistograms([...hist.entries()]),
    }));
}

export function dailyOutcomes(
  runs: Iterable<RunRecord>,
  scope: AggregateScope,
  window: TimeWindow,
): DailyOutcomes[] {
  const byDay = new Map<number, ReturnType<typeof zero>>();
  for (const run of runs) {
    if (!isOutcome(run.state) || !inScope(scope, run.namespace) || !inWindow(window, run.finishedAt))
      continue;
    const day = Math.floor(run.finishedAt / DAY_MS) * DAY_MS;
    let counts = byDay.get(day);
    if (counts === undefined) byDay.set(day, (counts = zero()));
    counts[run.state] += 1;
  }
  return [...byDay.entries()].sort((a, b) => a[0] - b[0]).map(([day, counts]) => ({ day, counts }));
}

export function taskOutcomes(
  runs: Iterable<RunRecord>,
  attemptsOf: (runId: string) => readonly AttemptRecord[],
  scope: AggregateScope,
  window: TimeWindow,
  query: TaskOutcomeQuery,
): TaskOutcomes[] {
  interface Tally {
    namespace: string;
    dagName: string;
    taskName: string;
    succeeded: number;
    failed: number;
    timed: number;
    sum: number;
  }
  const byTask = new Map<string, Tally>();
  for (const run of runs) {
    if (!inScope(scope, run.namespace)) continue;
    for (const attempt of attemptsOf(run.id)) {
      const state = attempt.state;
      if ((state !== 'succeeded' && state !== 'failed') || !inWindow(window, attempt.finishedAt)) continue;
      const key = `${run.namespace}\u0000${run.dagName}\u0000${attempt.taskName}`;
      let tally = byTask.get(key);
      if (tally === undefined) {
        tally = {
          namespace: run.namespace,
          dagName: run.dagName,
          taskName: attempt.taskName,
          succeeded: 0,
          failed: 0,
          timed: 0,
          sum: 0,
        };
        byTask.set(key, tally);
      }
      tally[state] += 1;
      if (attempt.startedAt !== null) {
        tally.timed += 1;
        tally.sum += Math.max(0, attempt.finishedAt - attempt.startedAt);
      }
    }
  }
  const mean = (t: Tally): number | null => (t.timed === 0 ? null : Math.round(t.sum / t.timed));
  const tieBreak = (a: Tally, b: Tally): number =>
    byText(a.namespace, b.namespace) || byText(a.dagName, b.dagName) || byText(a.taskName, b.taskName);
  const ranked =
    query.order === 'failing'
      ? [...byTask.values()].filter((t) => t.failed > 0).sort((a, b) => b.failed - a.failed || tieBreak(a, b))
      : [...byTask.values()]
          .filter((t) => t.timed > 0)
          .sort((a, b) => (mean(b) ?? 0) - (mean(a) ?? 0) || tieBreak(a, b));
  return ranked.slice(0, Math.min(MAX_TASKS, Math.max(0, Math.floor(query.limit)))).map((t) => ({
    namespace: t.namespace,
    dagName: t.dagName,
    taskName: t.taskName,
    succeeded: t.succeeded,
    failed: t.failed,
    meanDurationMs: mean(t),
  }));
}
