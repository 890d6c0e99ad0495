/** Cron bookkeeping of the PostgreSQL store: the DAGs with a schedule and each one's compare-and-set tick cursor. */
import type { DagRecord, DagRef, DagVersion, Store } from '@kontroler/core';
import { toDag, toDagVersion, type DagRow } from '../rows.js';
import type { StoreContext } from './context.js';

export type ScheduleOperations = Pick<
  Store,
  'listScheduledDags' | 'getScheduleCursor' | 'advanceScheduleCursor'
>;

export function scheduleOperations(ctx: StoreContext): ScheduleOperations {
  const { run } = ctx;
  return {
    async listScheduledDags(): Promise<Array<{ dag: DagRecord; version: DagVersion }>> {
      const rows = await run<
        DagRow & {
          v_created_at: Date;
          hash: string;
          spec: DagVersion['spec'];
          version: number;
          created_by: string | null;
        }
      >(
        `select d.*, v.version, v.hash, v.spec, v.created_at as v_created_at, v.created_by
           from dags d
           join dag_versions v
             on v.namespace = d.namespace and v.dag_name = d.name and v.version = d.latest_version
          where d.deleted_at is null and not d.suspended and coalesce(v.spec->>'schedule', '') <> ''
          order by d.namespace, d.name`,
      );
      return rows.rows.map((row) => ({
        dag: toDag(row),
        version: toDagVersion({
          namespace: row.namespace,
          dag_name: row.name,
          version: row.version,
          hash: row.hash,
          spec: row.spec,
          created_at: row.v_created_at,
          created_by: row.created_by,
        }),
      }));
    },

    async getScheduleCursor(ref: DagRef): Promise<number | null> {
      const rows = await run<{ last_tick: Date }>(
        'select last_tick from schedules where namespace = $1 and dag_name = $2',
        [ref.namespace, ref.name],
      );
      const row = rows.rows[0];
      return row ? row.last_tick.getTime() : null;
    },

    async advanceScheduleCursor(ref: DagRef, expected: number | null, next: number): Promise<boolean> {
      const result =
        expected === null
          ? await run(
              `insert into schedules (namespace, dag_name, last_tick) values ($1, $2, $3)
               on conflict (namespace, dag_name) do nothing`,
              [ref.namespace, ref.name, new Date(next)],
            )
          : await run(
              `update schedules set last_tick = $4
                where namespace = $1 and dag_name = $2 and last_tick = $3`,
              [ref.namespace, ref.name, new Date(expected), new Date(next)],
            );
      return (result.rowCount ?? 0) > 0;
    },
  };
}
