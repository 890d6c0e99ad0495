import { Migration } from '@mikro-orm/migrations';
import { setSearchPath } from './search-path.js';

/**
 * Run lists filtered by state stay a bounded index walk however rare the state (issue 19: 50 runs out of
 * 1,000,000, filtered by DAG and states, p95 < 10 ms). `listRuns` reads one ordered index range per state
 * and merges them, so it needs the state before `created_at` in the key: per DAG
 * (`runs_dag_state_created_idx`) and across DAGs (`runs_state_created_idx`, which replaces the plain
 * `runs_state_idx`: its leading column serves every query that one did, at the same write cost).
 */
export class Migration20261207060000RunListIndexes extends Migration {
  override up(): void {
    this.addSql(setSearchPath(this.config.get('schema')));
    this.addSql(
      'create index runs_dag_state_created_idx on runs (namespace, dag_name, state, created_at desc, id desc)',
    );
    this.addSql('create index runs_state_created_idx on runs (state, created_at desc, id desc)');
    this.addSql('drop index if exists runs_state_idx');
  }

  override down(): void {
    this.addSql(setSearchPath(this.config.get('schema')));
    this.addSql('create index runs_state_idx on runs (state)');
    this.addSql('drop index if exists runs_state_created_idx');
    this.addSql('drop index if exists runs_dag_state_created_idx');
  }
}
