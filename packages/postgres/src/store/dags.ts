/** The DAG operations of the PostgreSQL store: versions (content-hashed, audited in the same transaction), reads, suspend and soft delete. */
import type {
  DagFilter,
  DagRecord,
  DagRef,
  DagVersion,
  Page,
  PageRequest,
  PutDagVersionInput,
  PutDagVersionResult,
  Store,
} from '@kontroler/core';
import { Errors, dagKey } from '@kontroler/core';
import { query } from '../db.js';
import { parameters, toDag, toDagVersion, type DagRow, type DagVersionRow } from '../rows.js';
import { decodeCursor, isNamespaceNameCursor, isNumber, pageLimit, toPage } from './paging.js';
import type { StoreContext } from './context.js';

export type DagOperations = Pick<
  Store,
  | 'putDagVersion'
  | 'getDag'
  | 'listDags'
  | 'getDagVersion'
  | 'listDagVersions'
  | 'setDagSuspended'
  | 'deleteDag'
>;

export function dagOperations(ctx: StoreContext): DagOperations {
  const { url, run, inTransaction } = ctx;
  return {
    async putDagVersion(input: PutDagVersionInput): Promise<PutDagVersionResult> {
      return inTransaction(async (client) => {
        const now = new Date(input.now);
        await query(
          client,
          url,
          `insert into dags (namespace, name, latest_version, suspended, created_at, updated_at)
           values ($1, $2, 0, false, $3, $3) on conflict (namespace, name) do nothing`,
          [input.namespace, input.name, now],
        );
        const dag = (
          await query<DagRow>(
            client,
            url,
            'select * from dags where namespace = $1 and name = $2 for update',
            [input.namespace, input.name],
          )
        ).rows[0];
        if (!dag) throw Errors.dagNotFound(dagKey(input));
        const latest = (
          await query<DagVersionRow>(
            client,
            url,
            'select * from dag_versions where namespace = $1 and dag_name = $2 and version = $3',
            [input.namespace, input.name, dag.latest_version],
          )
        ).rows[0];
        if (latest && latest.hash === input.hash) {
          if (dag.deleted_at === null)
            return { dag: toDag(dag), version: toDagVersion(latest), created: false };
          const revived = (
            await query<DagRow>(
              client,
              url,
              'update dags set deleted_at = null, updated_at = $3 where namespace = $1 and name = $2 returning *',
              [input.namespace, input.name, now],
            )
          ).rows[0] as DagRow;
          return { dag: toDag(revived), version: toDagVersion(latest), created: false };
        }
        const version = (
          await query<DagVersionRow>(
            client,
            url,
            `insert into dag_versions (namespace, dag_name, version, hash, spec, created_at, created_by)
             values ($1, $2, $3, $4, $5, $6, $7) returning *`,
            [
              input.namespace,
              input.name,
              dag.latest_version + 1,
              input.hash,
              JSON.stringify(input.spec),
              now,
              input.createdBy ?? null,
            ],
          )
        ).rows[0] as DagVersionRow;
        const updated = (
          await query<DagRow>(
            client,
            url,
            `update dags set latest_version = $3, updated_at = $4, deleted_at = null,
                    suspended = coalesce($5, suspended)
             where namespace = $1 and name = $2 returning *`,
            [input.namespace, input.name, version.version, now, input.spec.suspended ?? null],
          )
        ).rows[0] as DagRow;
        if (input.audit !== undefined) {
          // In the version's transaction: a saved version is never unaudited, a failed audit saves nothing.
          await query(
            client,
            url,
            'insert into audit_log (actor, action, target, ip, details) values ($1, $2, $3, $4, $5)',
            [
              input.audit.actor,
              dag.latest_version === 0 ? 'dag.create' : 'dag.update',
              dagKey(input),
              input.audit.ip,
              JSON.stringify({
                ...input.audit.details,
                namespace: input.namespace,
                version: version.version,
                hash: version.hash,
              }),
            ],
          );
        }
        return { dag: toDag(updated), version: toDagVersion(version), created: true };
      });
    },

    async getDag(ref: DagRef): Promise<DagRecord | undefined> {
      const rows = await run<DagRow>('select * from dags where namespace = $1 and name = $2', [
        ref.namespace,
        ref.name,
      ]);
      const row = rows.rows[0];
      return row ? toDag(row) : undefined;
    },

    async listDags(filter: DagFilter, page: PageRequest): Promise<Page<DagRecord>> {
      const limit = pageLimit(page);
      const after = decodeCursor(page.cursor, isNamespaceNameCursor);
      const { params, p } = parameters();
      const where: string[] = [];
      if (!filter.includeDeleted) where.push('deleted_at is null');
      if (filter.namespace !== undefined) where.push(`namespace = ${p(filter.namespace)}`);
      if (filter.namespaces !== undefined) where.push(`namespace = any(${p(filter.namespaces)}::text[])`);
      if (filter.search) {
        where.push(`strpos(lower(name), lower(${p(filter.search)})) > 0`);
      }
      if (after !== undefined) where.push(`(namespace, name) > (${p(after[0])}, ${p(after[1])})`);
      const rows = await run<DagRow>(
        `select * from dags ${where.length ? `where ${where.join(' and ')}` : ''}
         order by namespace, name limit ${p(limit + 1)}`,
        params,
      );
      return toPage(rows.rows, limit, toDag, (d) => [d.namespace, d.name]);
    },

    async getDagVersion(ref: DagRef, version: number): Promise<DagVersion | undefined> {
      const rows = await run<DagVersionRow>(
        'select * from dag_versions where namespace = $1 and dag_name = $2 and version = $3',
        [ref.namespace, ref.name, version],
      );
      const row = rows.rows[0];
      return row ? toDagVersion(row) : undefined;
    },

    async listDagVersions(ref: DagRef, page: PageRequest): Promise<Page<DagVersion>> {
      const limit = pageLimit(page);
      const before = decodeCursor(page.cursor, isNumber);
      const rows = await run<DagVersionRow>(
        `select * from dag_versions where namespace = $1 and dag_name = $2
           ${before !== undefined ? 'and version < $4' : ''}
         order by version desc limit $3`,
        before !== undefined
          ? [ref.namespace, ref.name, limit + 1, before]
          : [ref.namespace, ref.name, limit + 1],
      );
      return toPage(rows.rows, limit, toDagVersion, (v) => v.version);
    },

    async setDagSuspended(ref: DagRef, suspended: boolean, now: number): Promise<DagRecord | undefined> {
      const rows = await run<DagRow>(
        'update dags set suspended = $3, updated_at = $4 where namespace = $1 and name = $2 returning *',
        [ref.namespace, ref.name, suspended, new Date(now)],
      );
      const row = rows.rows[0];
      return row ? toDag(row) : undefined;
    },

    async deleteDag(ref: DagRef, now: number): Promise<boolean> {
      const rows = await run(
        `update dags set deleted_at = $3, updated_at = $3
          where namespace = $1 and name = $2 and deleted_at is null`,
        [ref.namespace, ref.name, new Date(now)],
      );
      return (rows.rowCount ?? 0) > 0;
    },
  };
}
