/** `BackfillStore` on PostgreSQL: the `backfills` table, changed by compare-and-set on `revision`. */
import type { BackfillChange, BackfillRecord, BackfillState, BackfillStore } from '@kontroler/core';
import { millis, millisOrNull, type RunStatement } from './run.js';

interface BackfillRow {
  id: string;
  namespace: string;
  dag_name: string;
  range_from: Date;
  range_to: Date;
  schedule: string;
  timezone: string | null;
  max_active_runs: number;
  state: BackfillState;
  total: number;
  submitted: number;
  done: number;
  failed: number;
  next_tick: Date | null;
  in_flight: string[];
  revision: number;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  created_by: string | null;
}

const toBackfill = (row: BackfillRow): BackfillRecord => ({
  id: row.id,
  namespace: row.namespace,
  dagName: row.dag_name,
  from: millis(row.range_from),
  to: millis(row.range_to),
  schedule: row.schedule,
  timezone: row.timezone,
  maxActiveRuns: row.max_active_runs,
  state: row.state,
  total: row.total,
  submitted: row.submitted,
  done: row.done,
  failed: row.failed,
  nextTick: millisOrNull(row.next_tick),
  inFlight: row.in_flight,
  revision: row.revision,
  createdAt: millis(row.created_at),
  updatedAt: millis(row.updated_at),
  finishedAt: millisOrNull(row.finished_at),
  createdBy: row.created_by,
});

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export function backfillQueries(run: RunStatement): BackfillStore {
  return {
    async createBackfill(b) {
      const { rows } = await run<BackfillRow>(
        `insert into backfills (id, namespace, dag_name, range_from, range_to, schedule, timezone,
           max_active_runs, state, total, submitted, done, failed, next_tick, in_flight, revision,
           created_at, updated_at, finished_at, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
         returning *`,
        [
          b.id,
          b.namespace,
          b.dagName,
          new Date(b.from),
          new Date(b.to),
          b.schedule,
          b.timezone,
          b.maxActiveRuns,
          b.state,
          b.total,
          b.submitted,
          b.done,
          b.failed,
          date(b.nextTick),
          JSON.stringify(b.inFlight),
          b.revision,
          new Date(b.createdAt),
          new Date(b.updatedAt),
          date(b.finishedAt),
          b.createdBy,
        ],
      );
      return toBackfill(rows[0] as BackfillRow);
    },
    async getBackfill(id) {
      const { rows } = await run<BackfillRow>('select * from backfills where id = $1', [id]);
      return rows[0] ? toBackfill(rows[0]) : undefined;
    },
    async listBackfills(dag, limit) {
      const { rows } = await run<BackfillRow>(
        `select * from backfills where namespace = $1 and dag_name = $2
          order by created_at desc, id desc limit $3`,
        [dag.namespace, dag.name, Math.max(0, Math.floor(limit))],
      );
      return rows.map(toBackfill);
    },
    async listRunningBackfills() {
      const { rows } = await run<BackfillRow>(
        `select * from backfills where state = 'running' order by created_at, id`,
      );
      return rows.map(toBackfill);
    },
    async updateBackfill(id, expectRevision, change: BackfillChange, now) {
      const has = (key: keyof BackfillChange): boolean => Object.hasOwn(change, key);
      const { rows } = await run<BackfillRow>(
        `update backfills set
           state = case when $3 then $4 else state end,
           submitted = case when $5 then $6::int else submitted end,
           done = case when $7 then $8::int else done end,
           failed = case when $9 then $10::int else failed end,
           next_tick = case when $11 then $12::timestamptz else next_tick end,
           in_flight = case when $13 then $14::jsonb else in_flight end,
           finished_at = case when $15 then $16::timestamptz else finished_at end,
           revision = revision + 1,
           updated_at = $17
         where id = $1 and revision = $2 returning *`,
        [
          id,
          expectRevision,
          has('state'),
          change.state ?? null,
          has('submitted'),
          change.submitted ?? null,
          has('done'),
          change.done ?? null,
          has('failed'),
          change.failed ?? null,
          has('nextTick'),
          date(change.nextTick ?? null),
          has('inFlight'),
          JSON.stringify(change.inFlight ?? []),
          has('finishedAt'),
          date(change.finishedAt ?? null),
          new Date(now),
        ],
      );
      return rows[0] ? toBackfill(rows[0]) : undefined;
    },
  };
}
