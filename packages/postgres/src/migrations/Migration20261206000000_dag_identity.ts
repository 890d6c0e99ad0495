import { Migration } from '@mikro-orm/migrations';

/**
 * A DAG is `(namespace, name)`: the primary key of `dags` and every key that names a DAG (versions,
 * schedule cursors, the per-DAG run index) gain the namespace, so team `a` and team `b` may both have
 * `etl`. Existing rows are carried over: a DAG keeps the namespace it has, its versions and schedule
 * cursor take that namespace, runs already record theirs. Idempotency keys become per namespace, so one
 * team's key neither collides with nor reveals another team's run.
 */
export class Migration20261206000000DagIdentity extends Migration {
  override up(): void {
    this.addSql(`set local search_path to ${quotedSchema(this.config.get('schema'))}`);
    for (const statement of UP) this.addSql(statement);
  }

  /** Back to name-only keys; fails (and rolls back) when two namespaces hold the same DAG name. */
  override down(): void {
    this.addSql(`set local search_path to ${quotedSchema(this.config.get('schema'))}`);
    for (const statement of DOWN) this.addSql(statement);
  }
}

const quotedSchema = (schema: string | undefined): string => `"${(schema ?? 'public').replace(/"/g, '""')}"`;

const UP: readonly string[] = [
  // Versions: take the namespace of their DAG, then key by (namespace, dag_name, version).
  `alter table dag_versions drop constraint dag_versions_dag_name_fkey`,
  `alter table dag_versions drop constraint dag_versions_pkey`,
  `alter table dag_versions add column namespace text`,
  `update dag_versions v set namespace = d.namespace from dags d where d.name = v.dag_name`,
  `alter table dag_versions alter column namespace set not null`,
  // DAGs: (namespace, name). The old (namespace, name) index is the new primary key's.
  `alter table dags drop constraint dags_pkey`,
  `drop index dags_namespace_idx`,
  `alter table dags add primary key (namespace, name)`,
  `alter table dag_versions add primary key (namespace, dag_name, version)`,
  `alter table dag_versions add constraint dag_versions_dag_fkey foreign key (namespace, dag_name)
     references dags (namespace, name) on delete cascade`,
  // Schedule cursors: per (namespace, dag_name). A cursor whose DAG is gone has nothing to fire.
  `alter table schedules drop constraint schedules_pkey`,
  `alter table schedules add column namespace text`,
  `update schedules s set namespace = d.namespace from dags d where d.name = s.dag_name`,
  `delete from schedules where namespace is null`,
  `alter table schedules alter column namespace set not null`,
  `alter table schedules add primary key (namespace, dag_name)`,
  // Runs already carry (namespace, dag_name); the per-DAG listing index and idempotency follow.
  `drop index runs_dag_created_idx`,
  `create index runs_dag_created_idx on runs (namespace, dag_name, created_at desc, id desc)`,
  `drop index runs_idempotency_key_idx`,
  `create unique index runs_idempotency_key_idx on runs (namespace, idempotency_key)
     where idempotency_key is not null`,
];

const DOWN: readonly string[] = [
  `drop index runs_idempotency_key_idx`,
  `create unique index runs_idempotency_key_idx on runs (idempotency_key) where idempotency_key is not null`,
  `drop index runs_dag_created_idx`,
  `create index runs_dag_created_idx on runs (dag_name, created_at desc, id desc)`,
  `alter table schedules drop constraint schedules_pkey`,
  `alter table schedules drop column namespace`,
  `alter table schedules add primary key (dag_name)`,
  `alter table dag_versions drop constraint dag_versions_dag_fkey`,
  `alter table dag_versions drop constraint dag_versions_pkey`,
  `alter table dag_versions drop column namespace`,
  `alter table dags drop constraint dags_pkey`,
  `alter table dags add primary key (name)`,
  `create index dags_namespace_idx on dags (namespace, name)`,
  `alter table dag_versions add primary key (dag_name, version)`,
  `alter table dag_versions add constraint dag_versions_dag_name_fkey foreign key (dag_name)
     references dags (name) on delete cascade`,
];
