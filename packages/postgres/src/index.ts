/** `@kontroler/postgres`: the PostgreSQL store (system of record and work queue) and its tools. */
export { createPostgresStore } from './store.js';
export type {
  PostgresStore,
  PostgresStoreBase,
  PostgresStoreOptions,
  PostgresStoreWithoutOrmOptions,
  SqlFunction,
} from './store.js';
export { startEmbeddedPostgres, freePort } from './embedded.js';
export type { EmbeddedPostgresOptions, EmbeddedPostgresHandle } from './embedded.js';
export { pruneFinishedRuns, pruneRunEvents } from './retention.js';
export type { RetentionOptions } from './retention.js';
export { MIGRATION_NAMES } from './migrations/names.js';
export { WORK_CHANNEL, OUTBOX_CHANNEL, EVENTS_CHANNEL } from './notify.js';
export {
  entities,
  DagSchema,
  DagVersionSchema,
  RunSchema,
  AttemptSchema,
  ScheduleSchema,
  OutboxSchema,
  DeliveryAttemptSchema,
  LogLineSchema,
  UserSchema,
  LoginFailureSchema,
  RoleBindingSchema,
  ApiTokenSchema,
  RefreshTokenSchema,
  AuditLogSchema,
  RunEventSchema,
} from './entities/index.js';
export type {
  DagEntity,
  DagVersionEntity,
  RunEntity,
  AttemptEntity,
  ScheduleEntity,
  OutboxEntity,
  DeliveryAttemptEntity,
  LogLineEntity,
  UserEntity,
  LoginFailureEntity,
  RoleBindingEntity,
  ApiTokenEntity,
  RefreshTokenEntity,
  AuditLogEntity,
} from './entities/index.js';
export {
  TriggerSchema,
  TriggerMessageSchema,
  BackfillSchema,
  DagTaskSchema,
  DagTaskVersionSchema,
  NamespaceLimitSchema,
} from './entities/operations.js';
export type {
  TriggerEntity,
  TriggerMessageEntity,
  BackfillEntity,
  DagTaskEntity,
  DagTaskVersionEntity,
  NamespaceLimitEntity,
} from './entities/operations.js';
