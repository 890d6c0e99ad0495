/** Every migration, in order. Loaded by list (no file globbing), so it works from `src` and `dist` alike. */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125000000Initial } from './Migration20261125000000_initial.js';
import { Migration20261206000000DagIdentity } from './Migration20261206000000_dag_identity.js';
import { Migration20261206060000FailureKind } from './Migration20261206060000_failure_kind.js';
import { Migration20261206120000Accounts } from './Migration20261206120000_accounts.js';
import { Migration20261207000000RunEvents } from './Migration20261207000000_run_events.js';
import { Migration20261207010000Outputs } from './Migration20261207010000_outputs.js';
import { Migration20261207020000Operations } from './Migration20261207020000_operations.js';
import { Migration20261207030000Dashboard } from './Migration20261207030000_dashboard.js';
import { Migration20261207030100RunLimits } from './Migration20261207030100_run_limits.js';
import { Migration20261207040000Approvals } from './Migration20261207040000_approvals.js';
import { Migration20261207060000RunListIndexes } from './Migration20261207060000_run_list_indexes.js';
import { Migration20261207070000RollupSkipUnfinished } from './Migration20261207070000_rollup_skip_unfinished.js';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261125000000_initial', class: Migration20261125000000Initial },
  { name: 'Migration20261206000000_dag_identity', class: Migration20261206000000DagIdentity },
  { name: 'Migration20261206060000_failure_kind', class: Migration20261206060000FailureKind },
  { name: 'Migration20261206120000_accounts', class: Migration20261206120000Accounts },
  { name: 'Migration20261207000000_run_events', class: Migration20261207000000RunEvents },
  { name: 'Migration20261207010000_outputs', class: Migration20261207010000Outputs },
  { name: 'Migration20261207020000_operations', class: Migration20261207020000Operations },
  { name: 'Migration20261207030000_dashboard', class: Migration20261207030000Dashboard },
  { name: 'Migration20261207030100_run_limits', class: Migration20261207030100RunLimits },
  { name: 'Migration20261207040000_approvals', class: Migration20261207040000Approvals },
  { name: 'Migration20261207060000_run_list_indexes', class: Migration20261207060000RunListIndexes },
  {
    name: 'Migration20261207070000_rollup_skip_unfinished',
    class: Migration20261207070000RollupSkipUnfinished,
  },
];
