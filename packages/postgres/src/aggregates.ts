/**
 * The aggregate port on PostgreSQL: reads of the rollup tables that `Migration20261207030000_dashboard`'s
 * triggers keep (`run_rollup` per hour, `run_rollup_daily` per day, `task_rollup` per hour), so a window of days reads a few thousand rows however many
 * runs there are. Active runs and the waiting queue are read from `runs` through partial indexes: both are
 * small sets whatever the history.
 */
import {
  RUN_STATES,
  TERMINAL_RUN_STATES,
  mergeHistograms,
  type AggregateScope,
  type DagOutcomes,
  type DailyOutcomes,
  type OutcomeCounts,
  type RunRecord,
  type TaskOutcomeQuery,
  type TaskOutcomes,
  type TimeWindow,
} from '@kontroler/core';
import type pg from 'pg';
import { prepared, query, type Queryable } from './db.js';
import { toRun, type RunRow } from './rows.js';

const ACTIVE_STATES: readonly string[] = RUN_STATES.filter((s) => !TERMINAL_RUN_STATES.has(s));
const MAX_TASKS = 100;
const MAX_WAITING = 500;

type Counts = { -readonly [K in keyof OutcomeCounts]: number };
const zero = (): Counts => ({ succeeded: 0, failed: 0, canceled: 0 });
const isOutcome = (state: string): state is keyof OutcomeCounts =>
  state === 'succeeded' || state === 'failed' || state === 'canceled';
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const DAY_MS = 86_400_000;
/** Whole-day windows read the daily rollup: a seventh of the rows for a week, a 24th for the chart. */
const rollupFor = (window: TimeWindow): { table: string; column: string } =>
  window.from % DAY_MS === 0 && window.to % DAY_MS === 0
    ? { table: 'run_rollup_daily', column: 'day' }
    : { table: 'run_rollup', column: 'hour' };

/** `$3` is the namespace list, or null for every namespace. */
const namespaces = (scope: AggregateScope): string[] | null =>
  scope.namespaces === undefined ? null : [...scope.namespaces];
const IN_SCOPE = `($3::text[] is null or namespace = any($3::text[]))`;

export class PostgresAggregates {
  constructor(
    private readonly db: Queryable,
    private readonly url: string,
  ) {}

  async countActiveRuns(scope: AggregateScope): Promise<Record<string, number>> {
    const rows = await this.#run<{ state: string; n: number }>(
      `select state, count(*)::int as n from runs
        where state = any($1::text[]) and ($2::text[] is null or namespace = any($2::text[]))
        group by state`,
      [ACTIVE_STATES, namespaces(scope)],
    );
    const counts: Record<string, number> = Object.fromEntries(ACTIVE_STATES.map((s) => [s, 0]));
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  async listWaitingRuns(scope: AggregateScope, limit: number): Promise<RunRecord[]> {
    const n = Math.min(MAX_WAITING, Math.max(0, Math.floor(limit)));
    if (n === 0) return [];
    const rows = await this.#run<RunRow>(
      `select * from runs
        where state in ('queued', 'pending') and ($2::text[] is null or namespace = any($2::text[]))
        order by created_at, id collate "C" limit $1`,
      [n, namespaces(scope)],
    );
    return rows.map(toRun);
  }

  async dagOutcomes(scope: AggregateScope, window: TimeWindow): Promise<DagOutcomes[]> {
    const { table, column } = rollupFor(window);
    const rows = await this.#run<{
      namespace: string;
      dag_name: string;
      state: string;
      bucket: number;
      n: number;
    }>(
      `select namespace, dag_name, state, bucket, sum(runs)::int as n from ${table}
        where ${column} >= $1 and ${column} < $2 and ${IN_SCOPE}
        group by namespace, dag_name, state, bucket having sum(runs) <> 0`,
      [new Date(window.from), new Date(window.to), namespaces(scope)],
    );
    const byDag = new Map<
      string,
      { namespace: string; dagName: string; counts: Counts; hist: Array<[number, number]> }
    >();
    for (const row of rows) {
      if (!isOutcome(row.state)) continue;
      const key = `${row.namespace}\u0000${row.dag_name}`;
      let entry = byDag.get(key);
      if (entry === undefined) {
        entry = { namespace: row.namespace, dagName: row.dag_name, counts: zero(), hist: [] };
        byDag.set(key, entry);
      }
      entry.counts[row.state] += row.n;
      if (row.state !== 'canceled') entry.hist.push([row.bucket, row.n]);
    }
    return [...byDag.values()]
      .sort((a, b) => byText(a.namespace, b.namespace) || byText(a.dagName, b.dagName))
      .map(({ namespace, dagName, counts, hist }) => ({
        namespace,
        dagName,
        counts,
        durations: mergeHistograms(hist),
      }));
  }

  async dailyOutcomes(scope: AggregateScope, window: TimeWindow): Promise<DailyOutcomes[]> {
    const rows = await this.#run<{ day: Date; state: string; n: number }>(
      `select day, state, sum(runs)::int as n from run_rollup_daily
        where day >= $1 and day < $2 and ${IN_SCOPE}
        group by day, state having sum(runs) <> 0`,
      [new Date(window.from), new Date(window.to), namespaces(scope)],
    );
    const byDay = new Map<number, Counts>();
    for (const row of rows) {
      if (!isOutcome(row.state)) continue;
      const day = row.day.getTime();
      let counts = byDay.get(day);
      if (counts === undefined) byDay.set(day, (counts = zero()));
      counts[row.state] += row.n;
    }
    return [...byDay.entries()].sort((a, b) => a[0] - b[0]).map(([day, counts]) => ({ day, counts }));
  }

  async taskOutcomes(
    scope: AggregateScope,
    window: TimeWindow,
    query: TaskOutcomeQuery,
  ): Promise<TaskOutcomes[]> {
    const limit = Math.min(MAX_TASKS, Math.max(0, Math.floor(query.limit)));
    if (limit === 0) return [];
    const ranking =
      query.order === 'failing'
        ? `having sum(attempts) filter (where state = 'failed') > 0 order by failed desc`
        : `having sum(timed) > 0 order by round(sum(duration_ms_sum)::numeric / sum(timed)) desc`;
    const rows = await this.#run<{
      namespace: string;
      dag_name: string;
      task_name: string;
      succeeded: number;
      failed: number;
      timed: number;
      total: string;
    }>(
      `select namespace, dag_name, task_name,
              coalesce(sum(attempts) filter (where state = 'succeeded'), 0)::int as succeeded,
              coalesce(sum(attempts) filter (where state = 'failed'), 0)::int as failed,
              sum(timed)::int as timed, sum(duration_ms_sum)::text as total
         from task_rollup
        where hour >= $1 and hour < $2 and ${IN_SCOPE}
        group by namespace, dag_name, task_name
        ${ranking}, namespace collate "C", dag_name collate "C", task_name collate "C"
        limit $4`,
      [new Date(window.from), new Date(window.to), namespaces(scope), limit],
    );
    return rows.map((row) => ({
      namespace: row.namespace,
      dagName: row.dag_name,
      taskName: row.task_name,
      succeeded: row.succeeded,
      failed: row.failed,
      meanDurationMs: row.timed > 0 ? Math.round(Number(row.total) / row.timed) : null,
    }));
  }

  async #run<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    return (await query<R>(this.db, this.url, prepared(text), values)).rows;
  }
}
