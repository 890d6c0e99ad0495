/** Every migration, in order. Loaded by list (no file globbing), so it works from `src` and `dist` alike. */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125000000Initial } from './Migration20261125000000_initial.js';
import { Migration20261206000000FailureKind } from './Migration20261206000000_failure_kind.js';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261125000000_initial', class: Migration20261125000000Initial },
  { name: 'Migration20261206000000_failure_kind', class: Migration20261206000000FailureKind },
];
