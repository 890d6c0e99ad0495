/**
 * `@kontroler/postgres/store`: the store and what a worker process uses beside it, without the MikroORM
 * entities that the root entry exports. With `createPostgresStore({ orm: false })` a worker (the controller)
 * never loads MikroORM once its schema is migrated.
 */
export { createPostgresStore } from './store.js';
export type {
  PostgresStore,
  PostgresStoreBase,
  PostgresStoreOptions,
  PostgresStoreWithoutOrmOptions,
  SqlFunction,
} from './store.js';
export { pruneFinishedRuns, pruneRunEvents } from './retention.js';
export type { RetentionOptions } from './retention.js';
export { MIGRATION_NAMES } from './migrations/names.js';
export { WORK_CHANNEL, OUTBOX_CHANNEL, EVENTS_CHANNEL } from './notify.js';
