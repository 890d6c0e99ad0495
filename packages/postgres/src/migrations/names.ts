/**
 * The names of the committed migrations, in order, without loading them: a store whose schema is current
 * never imports the migrator (`@mikro-orm/migrations` and its CLI dependencies, about 9 MB resident). A
 * test checks this list against `migrationsList`.
 */
export const MIGRATION_NAMES: readonly string[] = [
  'Migration20261125000000_initial',
  'Migration20261206000000_dag_identity',
  'Migration20261206060000_failure_kind',
  'Migration20261206120000_accounts',
  'Migration20261207000000_run_events',
  'Migration20261207010000_outputs',
  'Migration20261207020000_operations',
  'Migration20261207030000_dashboard',
  'Migration20261207030100_run_limits',
  'Migration20261207040000_approvals',
  'Migration20261207060000_run_list_indexes',
  'Migration20261207070000_rollup_skip_unfinished',
];
