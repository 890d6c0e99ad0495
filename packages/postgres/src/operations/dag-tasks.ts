/** `DagTaskStore` on PostgreSQL: `dag_tasks` and their content-hashed `dag_task_versions`. */
import type { DagTaskRecord, DagTaskStore, DagTaskVersion, TaskSpec } from '@kontroler/core';
import { millis, type RunStatement } from './run.js';

interface DagTaskRow {
  namespace: string;
  name: string;
  latest_version: number;
  created_at: Date;
  updated_at: Date;
}

interface DagTaskVersionRow {
  namespace: string;
  name: string;
  version: number;
  spec: TaskSpec;
  hash: string;
  created_at: Date;
  created_by: string | null;
}

const toTask = (row: DagTaskRow): DagTaskRecord => ({
  namespace: row.namespace,
  name: row.name,
  latestVersion: row.latest_version,
  createdAt: millis(row.created_at),
  updatedAt: millis(row.updated_at),
});

const toVersion = (row: DagTaskVersionRow): DagTaskVersion => ({
  namespace: row.namespace,
  name: row.name,
  version: row.version,
  spec: row.spec,
  hash: row.hash,
  createdAt: millis(row.created_at),
  createdBy: row.created_by,
});

/**
 * `transaction` runs a function on one connection inside a transaction: saving a version locks the
 * task's row so that two concurrent saves make versions n and n+1, never two n.
 */
export function dagTaskQueries(
  run: RunStatement,
  transaction: <T>(fn: (run: RunStatement) => Promise<T>) => Promise<T>,
): DagTaskStore {
  return {
    putDagTaskVersion: (input) =>
      transaction(async (tx) => {
        const now = new Date(input.now);
        await tx(
          `insert into dag_tasks (namespace, name, latest_version, created_at, updated_at)
           values ($1, $2, 0, $3, $3) on conflict do nothing`,
          [input.namespace, input.name, now],
        );
        const locked = await tx<DagTaskRow>(
          'select * from dag_tasks where namespace = $1 and name = $2 for update',
          [input.namespace, input.name],
        );
        const task = locked.rows[0] as DagTaskRow;
        // A spec already recorded (unchanged, or a revert to an older one) reuses its version, as a
        // DagTask resource's status.versions does.
        const known = await tx<DagTaskVersionRow>(
          'select * from dag_task_versions where namespace = $1 and name = $2 and hash = $3 order by version limit 1',
          [input.namespace, input.name, input.hash],
        );
        const current = known.rows[0];
        if (current) {
          return { task: toTask(task), version: toVersion(current), created: false };
        }
        const version = await tx<DagTaskVersionRow>(
          `insert into dag_task_versions (namespace, name, version, spec, hash, created_at, created_by)
           values ($1, $2, $3, $4, $5, $6, $7) returning *`,
          [
            input.namespace,
            input.name,
            task.latest_version + 1,
            JSON.stringify(input.spec),
            input.hash,
            now,
            input.createdBy ?? null,
          ],
        );
        const updated = await tx<DagTaskRow>(
          `update dag_tasks set latest_version = $3, updated_at = $4
            where namespace = $1 and name = $2 returning *`,
          [input.namespace, input.name, task.latest_version + 1, now],
        );
        return {
          task: toTask(updated.rows[0] as DagTaskRow),
          version: toVersion(version.rows[0] as DagTaskVersionRow),
          created: true,
        };
      }),
    async getDagTask(ref) {
      const { rows } = await run<DagTaskRow>(
        'select * from dag_tasks where namespace = $1 and name = $2 and latest_version > 0',
        [ref.namespace, ref.name],
      );
      return rows[0] ? toTask(rows[0]) : undefined;
    },
    async listDagTasks(namespace) {
      const { rows } = await run<DagTaskRow>(
        'select * from dag_tasks where namespace = $1 and latest_version > 0 order by name',
        [namespace],
      );
      return rows.map(toTask);
    },
    async getDagTaskVersion(ref, version) {
      // Versions are `int` columns: a number outside them names no version (and must not be a SQL error).
      if (!Number.isSafeInteger(version) || version < 1 || version > 2_147_483_647) return undefined;
      const { rows } = await run<DagTaskVersionRow>(
        'select * from dag_task_versions where namespace = $1 and name = $2 and version = $3',
        [ref.namespace, ref.name, version],
      );
      return rows[0] ? toVersion(rows[0]) : undefined;
    },
    async listDagTaskVersions(ref) {
      const { rows } = await run<DagTaskVersionRow>(
        'select * from dag_task_versions where namespace = $1 and name = $2 order by version desc',
        [ref.namespace, ref.name],
      );
      return rows.map(toVersion);
    },
    async deleteDagTask(ref) {
      const { rowCount } = await run('delete from dag_tasks where namespace = $1 and name = $2', [
        ref.namespace,
        ref.name,
      ]);
      return (rowCount ?? 0) > 0;
    },
  };
}
