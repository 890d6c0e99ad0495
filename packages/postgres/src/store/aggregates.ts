/** The dashboard's aggregate reads of the PostgreSQL store (rollup tables, ../aggregates.ts). */
import type { Store } from '@kontroler/core';
import { PostgresAggregates } from '../aggregates.js';
import type { StoreContext } from './context.js';

export type AggregateOperations = Pick<
  Store,
  'countActiveRuns' | 'listWaitingRuns' | 'dagOutcomes' | 'dailyOutcomes' | 'taskOutcomes'
>;

export function aggregateOperations(ctx: StoreContext): AggregateOperations {
  const aggregates = new PostgresAggregates(ctx.db, ctx.url);
  return {
    countActiveRuns: (scope) => aggregates.countActiveRuns(scope),
    listWaitingRuns: (scope, limit) => aggregates.listWaitingRuns(scope, limit),
    dagOutcomes: (scope, window) => aggregates.dagOutcomes(scope, window),
    dailyOutcomes: (scope, window) => aggregates.dailyOutcomes(scope, window),
    taskOutcomes: (scope, window, q) => aggregates.taskOutcomes(scope, window, q),
  };
}
