/**
 * MikroORM entities (EntitySchema, no decorators) for every table of the migrations. The hot paths
 * (claims, commits, log appends) use raw SQL; the entities serve the simple CRUD and document the schema.
 * Property names are camelCase; the default naming strategy maps them to the snake_case columns.
 */
import { EntitySchema } from '@mikro-orm/core';
import { operationEntities } from './operations.js';

const tz = { type: 'Date', columnType: 'timestamptz' } as const;
const tzNull = { ...tz, nullable: true } as const;
const textNull = { type: 'text', nullable: true } as const;

/** Keyed by `(namespace, name)`: the same name in two namespaces is two DAGs. */
export interface DagEntity {
  namespace: string;
  name: string;
  latestVersion: number;
  suspended: boolean;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

export const DagSchema = new EntitySchema<DagEntity>({
  name: 'Dag',
  tableName: 'dags',
  properties: {
    namespace: { type: 'text', primary: true },
    name: { type: 'text', primary: true },
    latestVersion: { type: 'integer' },
    suspended: { type: 'boolean', default: false },
    createdAt: tz,
    updatedAt: tz,
    deletedAt: tzNull,
  },
});

export interface DagVersionEntity {
  namespace: string;
  dagName: string;
  version: number;
  hash: string;
  spec: Record<string, unknown>;
  createdAt: Date;
  createdBy: string | null;
}

export const DagVersionSchema = new EntitySchema<DagVersionEntity>({
  name: 'DagVersion',
  tableName: 'dag_versions',
  properties: {
    namespace: { type: 'text', primary: true },
    dagName: { type: 'text', primary: true },
    version: { type: 'integer', primary: true },
    hash: { type: 'text' },
    spec: { type: 'json' },
    createdAt: tz,
    createdBy: textNull,
  },
});

export interface RunEntity {
  id: string;
  dagName: string;
  namespace: string;
  dagVersion: number;
  state: string;
  parameters: Record<string, unknown>;
  trigger: string;
  revision: number;
  round: number;
  cancelRequested: boolean;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  reason: string | null;
  idempotencyKey: string | null;
  scheduledFor: Date | null;
  labels: Record<string, string>;
  activeDeadlineSeconds: number | null;
  priority: number;
  /** Creation order: first in first out among queued runs created in the same millisecond. */
  queueSeq: string;
}

export const RunSchema = new EntitySchema<RunEntity>({
  name: 'Run',
  tableName: 'runs',
  properties: {
    id: { type: 'text', primary: true },
    dagName: { type: 'text' },
    namespace: { type: 'text' },
    dagVersion: { type: 'integer' },
    state: { type: 'text' },
    parameters: { type: 'json' },
    trigger: { type: 'text' },
    revision: { type: 'integer' },
    round: { type: 'integer' },
    cancelRequested: { type: 'boolean' },
    createdAt: tz,
    startedAt: tzNull,
    finishedAt: tzNull,
    reason: textNull,
    idempotencyKey: textNull,
    scheduledFor: tzNull,
    labels: { type: 'json' },
    activeDeadlineSeconds: { type: 'integer', nullable: true },
    priority: { type: 'integer', default: 0 },
    queueSeq: { type: 'bigint', autoincrement: true },
  },
});

export interface AttemptEntity {
  id: string;
  runId: string;
  taskName: string;
  attempt: number;
  round: number;
  state: string;
  exitCode: number | null;
  reason: string | null;
  message: string | null;
  createdAt: Date;
  availableAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  runtime: string | null;
  nonRetryable: boolean;
  retryAfterMs: number | null;
  failureKind: string | null;
  outputs: Record<string, unknown> | null;
  /** Insertion order: snapshots list a run's attempts in the order they were created. */
  ord: string;
}

export const AttemptSchema = new EntitySchema<AttemptEntity>({
  name: 'Attempt',
  tableName: 'attempts',
  properties: {
    id: { type: 'text', primary: true },
    runId: { type: 'text' },
    taskName: { type: 'text' },
    attempt: { type: 'integer' },
    round: { type: 'integer' },
    state: { type: 'text' },
    exitCode: { type: 'integer', nullable: true },
    reason: textNull,
    message: textNull,
    createdAt: tz,
    availableAt: tzNull,
    startedAt: tzNull,
    finishedAt: tzNull,
    leaseOwner: textNull,
    leaseExpiresAt: tzNull,
    runtime: textNull,
    nonRetryable: { type: 'boolean' },
    retryAfterMs: { type: 'bigint', nullable: true },
    failureKind: textNull,
    outputs: { type: 'json', nullable: true },
    ord: { type: 'bigint', autoincrement: true },
  },
});

export interface ScheduleEntity {
  namespace: string;
  dagName: string;
  lastTick: Date;
}

export const ScheduleSchema = new EntitySchema<ScheduleEntity>({
  name: 'Schedule',
  tableName: 'schedules',
  properties: {
    namespace: { type: 'text', primary: true },
    dagName: { type: 'text', primary: true },
    lastTick: tz,
  },
});

export interface OutboxEntity {
  id: string;
  topic: string;
  runId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  deliveredAt: Date | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
}

export const OutboxSchema = new EntitySchema<OutboxEntity>({
  name: 'Outbox',
  tableName: 'outbox',
  properties: {
    id: { type: 'text', primary: true },
    topic: { type: 'text' },
    runId: textNull,
    payload: { type: 'json' },
    createdAt: tz,
    status: { type: 'text' },
    attempts: { type: 'integer' },
    nextAttemptAt: tz,
    lastError: textNull,
    deliveredAt: tzNull,
    leaseOwner: textNull,
    leaseExpiresAt: tzNull,
  },
});

export interface DeliveryAttemptEntity {
  id: string;
  outboxId: string;
  attempt: number;
  at: Date;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export const DeliveryAttemptSchema = new EntitySchema<DeliveryAttemptEntity>({
  name: 'DeliveryAttempt',
  tableName: 'delivery_attempts',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    outboxId: { type: 'text' },
    attempt: { type: 'integer' },
    at: tz,
    ok: { type: 'boolean' },
    statusCode: { type: 'integer', nullable: true },
    error: textNull,
    durationMs: { type: 'integer' },
  },
});

export interface LogLineEntity {
  attemptId: string;
  seq: number;
  ts: Date;
  stream: string;
  line: string;
}

export const LogLineSchema = new EntitySchema<LogLineEntity>({
  name: 'LogLine',
  tableName: 'log_lines',
  properties: {
    attemptId: { type: 'text', primary: true },
    seq: { type: 'integer', primary: true },
    ts: tz,
    stream: { type: 'text' },
    line: { type: 'text' },
  },
});

export interface UserEntity {
  id: string;
  username: string;
  passwordHash: string;
  disabled: boolean;
  mustChangePassword: boolean;
  /** Bumped by every password change or reset; tokens of an older version are refused. */
  credentialsVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

export const UserSchema = new EntitySchema<UserEntity>({
  name: 'User',
  tableName: 'users',
  properties: {
    id: { type: 'uuid', primary: true },
    username: { type: 'text', unique: true },
    passwordHash: { type: 'text' },
    disabled: { type: 'boolean', default: false },
    mustChangePassword: { type: 'boolean', default: false },
    credentialsVersion: { type: 'integer', default: 0 },
    createdAt: { ...tz, defaultRaw: 'now()' },
    updatedAt: { ...tz, defaultRaw: 'now()' },
  },
});

/** Failed logins by the username that was typed, whether or not such a user exists. */
export interface LoginFailureEntity {
  username: string;
  failures: number;
  lastFailedAt: Date;
  lockedUntil: Date | null;
}

export const LoginFailureSchema = new EntitySchema<LoginFailureEntity>({
  name: 'LoginFailure',
  tableName: 'login_failures',
  properties: {
    username: { type: 'text', primary: true },
    failures: { type: 'integer' },
    lastFailedAt: tz,
    lockedUntil: tzNull,
  },
});

/**
 * The dashboard's rollup of finished runs per hour, DAG, outcome and duration bucket. Written only by the
 * triggers of `Migration20261207030000_dashboard`; read by the aggregate port.
 */
export interface RunRollupEntity {
  hour: Date;
  namespace: string;
  dagName: string;
  state: string;
  bucket: number;
  runs: number;
}

export const RunRollupSchema = new EntitySchema<RunRollupEntity>({
  name: 'RunRollup',
  tableName: 'run_rollup',
  properties: {
    hour: { ...tz, primary: true },
    namespace: { type: 'text', primary: true },
    dagName: { type: 'text', primary: true },
    state: { type: 'text', primary: true },
    bucket: { type: 'integer', primary: true },
    runs: { type: 'integer' },
  },
});

/** The same per UTC day (`day` is midnight UTC). */
export interface RunRollupDailyEntity extends Omit<RunRollupEntity, 'hour'> {
  day: Date;
}

export const RunRollupDailySchema = new EntitySchema<RunRollupDailyEntity>({
  name: 'RunRollupDaily',
  tableName: 'run_rollup_daily',
  properties: {
    day: { ...tz, primary: true },
    namespace: { type: 'text', primary: true },
    dagName: { type: 'text', primary: true },
    state: { type: 'text', primary: true },
    bucket: { type: 'integer', primary: true },
    runs: { type: 'integer' },
  },
});

/** The dashboard's rollup of finished attempts per hour, DAG, task and outcome, with summed durations. */
export interface TaskRollupEntity {
  hour: Date;
  namespace: string;
  dagName: string;
  taskName: string;
  state: string;
  attempts: number;
  timed: number;
  durationMsSum: string;
}

export const TaskRollupSchema = new EntitySchema<TaskRollupEntity>({
  name: 'TaskRollup',
  tableName: 'task_rollup',
  properties: {
    hour: { ...tz, primary: true },
    namespace: { type: 'text', primary: true },
    dagName: { type: 'text', primary: true },
    taskName: { type: 'text', primary: true },
    state: { type: 'text', primary: true },
    attempts: { type: 'integer' },
    timed: { type: 'integer' },
    durationMsSum: { type: 'bigint' },
  },
});

export interface RoleBindingEntity {
  id: string;
  subjectKind: 'user' | 'group';
  subject: string;
  role: 'admin' | 'editor' | 'viewer';
  namespace: string | null;
  createdAt: Date;
}

export const RoleBindingSchema = new EntitySchema<RoleBindingEntity>({
  name: 'RoleBinding',
  tableName: 'role_bindings',
  properties: {
    id: { type: 'uuid', primary: true },
    subjectKind: { type: 'text' },
    subject: { type: 'text' },
    role: { type: 'text' },
    namespace: textNull,
    createdAt: { ...tz, defaultRaw: 'now()' },
  },
});

export interface ApiTokenEntity {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  tokenHash: string;
  role: string | null;
  namespace: string | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export const ApiTokenSchema = new EntitySchema<ApiTokenEntity>({
  name: 'ApiToken',
  tableName: 'api_tokens',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid' },
    name: { type: 'text' },
    prefix: { type: 'text' },
    tokenHash: { type: 'text', unique: true },
    role: textNull,
    namespace: textNull,
    expiresAt: tzNull,
    lastUsedAt: tzNull,
    revokedAt: tzNull,
    createdAt: { ...tz, defaultRaw: 'now()' },
  },
});

export interface RefreshTokenEntity {
  id: string;
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
  revokedAt: Date | null;
  replacedBy: string | null;
  /** The user's credentials version when the token was issued. */
  credentialsVersion: number;
  createdAt: Date;
}

export const RefreshTokenSchema = new EntitySchema<RefreshTokenEntity>({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid' },
    familyId: { type: 'uuid' },
    tokenHash: { type: 'text', unique: true },
    expiresAt: tz,
    revokedAt: tzNull,
    replacedBy: { type: 'uuid', nullable: true },
    credentialsVersion: { type: 'integer', default: 0 },
    createdAt: { ...tz, defaultRaw: 'now()' },
  },
});

export interface AuditLogEntity {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

export const AuditLogSchema = new EntitySchema<AuditLogEntity>({
  name: 'AuditLog',
  tableName: 'audit_log',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    at: { ...tz, defaultRaw: 'now()' },
    actor: { type: 'text' },
    action: { type: 'text' },
    target: textNull,
    ip: textNull,
    details: { type: 'json', nullable: true },
  },
});

/** The run event journal (`run_events`): written and read with raw SQL in commit order. */
export interface RunEventEntity {
  id: string;
  namespace: string;
  runId: string;
  attemptId: string | null;
  type: string;
  payload: Record<string, unknown>;
  key: string | null;
  createdAt: Date;
}

export const RunEventSchema = new EntitySchema<RunEventEntity>({
  name: 'RunEvent',
  tableName: 'run_events',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    namespace: { type: 'text' },
    runId: { type: 'text' },
    attemptId: textNull,
    type: { type: 'text' },
    payload: { type: 'json' },
    key: textNull,
    createdAt: tz,
  },
});

/** Every entity, for `MikroORM.init({ entities })`. */
export const entities = [
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
  RunRollupSchema,
  RunRollupDailySchema,
  TaskRollupSchema,
  RunEventSchema,
  ...operationEntities,
];
