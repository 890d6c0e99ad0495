/** `@kontroler/postgres`: the PostgreSQL store (system of record and work queue) and its tools. */
// The store and what a worker uses beside it: the same as `@kontroler/postgres/store`.
export * from './store-entry.js';
export { startEmbeddedPostgres, freePort } from './embedded.js';
export type { EmbeddedPostgresOptions, EmbeddedPostgresHandle } from './embedded.js';
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
