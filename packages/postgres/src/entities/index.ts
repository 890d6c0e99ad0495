/**
 * MikroORM entities (EntitySchema, no decorators) for every table of the migrations. The store's
 * operations are raw SQL; the entities serve `store.orm` (its users, the migrator) and state the schema —
 * types, nullability, defaults, checks (`enum` items and `checks`), indexes, unique constraints and foreign
 * keys, with the names the migrations gave them. `test/schema-diff.test.ts` fails when they and the migrations
 * disagree. Property names are camelCase; the default naming strategy maps them to the snake_case columns.
 * Foreign keys are `m:1` relations with `mapToPk`, so their properties stay plain ids.
 */
import { EntitySchema, type PrimaryKeyProp } from '@mikro-orm/core';
import { ATTEMPT_STATES, FAILURE_KINDS, RUN_STATES } from '@kontroler/core';
import { cascade, sqlIndex, textNull, tz, tzNull } from './columns.js';
import { operationEntities } from './operations.js';

/** Keyed by `(namespace, name)`: the same name in two namespaces is two DAGs. */
export interface DagEntity {
  [PrimaryKeyProp]?: ['namespace', 'name'];
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
  /** The version's DAG: the foreign key `(namespace, dag_name)`, sharing the primary key's columns. */
  dag?: DagEntity;
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
    dag: {
      kind: 'm:1',
      entity: () => DagSchema,
      joinColumns: ['namespace', 'dag_name'],
      // Derived from the key, so a version is created with its key alone.
      onCreate: (version, em) => em.getReference(DagSchema, [version.namespace, version.dagName]),
      foreignKeyName: 'dag_versions_dag_fkey',
      ...cascade,
    },
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
  indexes: [
    sqlIndex(
      'runs_idempotency_key_idx',
      '(namespace, idempotency_key) where idempotency_key is not null',
      true,
    ),
    sqlIndex('runs_created_idx', '(created_at desc, id desc)'),
    sqlIndex('runs_dag_created_idx', '(namespace, dag_name, created_at desc, id desc)'),
    sqlIndex('runs_dag_state_created_idx', '(namespace, dag_name, state, created_at desc, id desc)'),
    sqlIndex('runs_state_created_idx', '(state, created_at desc, id desc)'),
    sqlIndex('runs_finished_idx', '(finished_at) where finished_at is not null'),
    sqlIndex('runs_waiting_idx', "(created_at, id) where state = 'pending'"),
    sqlIndex('runs_queued_idx', "(namespace, priority desc, created_at, queue_seq) where state = 'queued'"),
    sqlIndex('runs_slots_idx', "(namespace, dag_name) where state in ('pending', 'running')"),
  ],
  checks: [
    {
      name: 'runs_active_deadline_seconds_check',
      property: 'activeDeadlineSeconds',
      expression: 'active_deadline_seconds is null or active_deadline_seconds > 0',
    },
  ],
  properties: {
    id: { type: 'text', primary: true },
    dagName: { type: 'text' },
    namespace: { type: 'text' },
    dagVersion: { type: 'integer' },
    state: { type: 'text', enum: true, items: [...RUN_STATES] },
    parameters: { type: 'json', defaultRaw: "'{}'" },
    trigger: { type: 'text' },
    revision: { type: 'integer', default: 0 },
    round: { type: 'integer', default: 1 },
    cancelRequested: { type: 'boolean', default: false },
    createdAt: tz,
    startedAt: tzNull,
    finishedAt: tzNull,
    reason: textNull,
    idempotencyKey: textNull,
    scheduledFor: tzNull,
    labels: { type: 'json', defaultRaw: "'{}'" },
    activeDeadlineSeconds: { type: 'integer', nullable: true },
    priority: { type: 'integer', default: 0 },
    // An identity column, like attempts.ord: `columnType` keeps MikroORM from writing a bigserial.
    queueSeq: {
      type: 'bigint',
      columnType: 'bigint',
      autoincrement: true,
      generated: 'by default as identity',
    },
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
  /** Who approved or rejected an approval task (docs/approval.md). */
  decidedBy: string | null;
  /** Insertion order: snapshots list a run's attempts in the order they were created. */
  ord: string;
}

export const AttemptSchema = new EntitySchema<AttemptEntity>({
  name: 'Attempt',
  tableName: 'attempts',
  indexes: [
    { name: 'attempts_run_id_idx', properties: ['runId'] },
    sqlIndex('attempts_claimable_idx', "(available_at) where state in ('ready', 'retrying')"),
    sqlIndex('attempts_lease_idx', "(lease_expires_at) where state = 'running'"),
    sqlIndex('attempts_awaiting_idx', "(available_at) where state = 'awaiting'"),
  ],
  checks: [
    {
      name: 'attempts_outputs_check',
      property: 'outputs',
      expression: "outputs is null or jsonb_typeof(outputs) = 'object'",
    },
  ],
  properties: {
    id: { type: 'text', primary: true },
    runId: {
      kind: 'm:1',
      entity: 'Run',
      mapToPk: true,
      joinColumn: 'run_id',
      foreignKeyName: 'attempts_run_id_fkey',
      ...cascade,
    },
    taskName: { type: 'text' },
    attempt: { type: 'integer' },
    round: { type: 'integer' },
    state: { type: 'text', enum: true, items: [...ATTEMPT_STATES] },
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
    nonRetryable: { type: 'boolean', default: false },
    retryAfterMs: { type: 'bigint', nullable: true },
    failureKind: { ...textNull, enum: true, items: [...FAILURE_KINDS] },
    outputs: { type: 'json', nullable: true },
    // An identity column, not a bigserial: `columnType` keeps MikroORM from writing `bigserial … identity`.
    ord: { type: 'bigint', columnType: 'bigint', autoincrement: true, generated: 'by default as identity' },
    decidedBy: textNull,
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
  indexes: [
    sqlIndex('outbox_due_idx', "(next_attempt_at) where status = 'pending'"),
    { name: 'outbox_run_idx', properties: ['runId'] },
  ],
  properties: {
    id: { type: 'text', primary: true },
    topic: { type: 'text' },
    runId: textNull,
    payload: { type: 'json' },
    createdAt: tz,
    status: { type: 'text', enum: true, items: ['pending', 'delivered', 'failed'], default: 'pending' },
    attempts: { type: 'integer', default: 0 },
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
  indexes: [{ name: 'delivery_attempts_outbox_idx', properties: ['outboxId', 'id'] }],
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    outboxId: {
      kind: 'm:1',
      entity: 'Outbox',
      mapToPk: true,
      joinColumn: 'outbox_id',
      foreignKeyName: 'delivery_attempts_outbox_id_fkey',
      ...cascade,
    },
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
    username: { type: 'text', unique: 'users_username_key' },
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
  indexes: [{ name: 'login_failures_last_failed_at', properties: ['lastFailedAt'] }],
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
  uniques: [
    {
      name: 'role_bindings_subject_kind_subject_role_namespace_key',
      properties: ['subjectKind', 'subject', 'role', 'namespace'],
    },
  ],
  properties: {
    id: { type: 'uuid', primary: true },
    subjectKind: { type: 'text', enum: true, items: ['user', 'group'] },
    subject: { type: 'text' },
    role: { type: 'text', enum: true, items: ['admin', 'editor', 'viewer'] },
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
    userId: {
      kind: 'm:1',
      entity: 'User',
      mapToPk: true,
      joinColumn: 'user_id',
      foreignKeyName: 'api_tokens_user_id_fkey',
      ...cascade,
    },
    name: { type: 'text' },
    prefix: { type: 'text' },
    tokenHash: { type: 'text', unique: 'api_tokens_token_hash_key' },
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
    userId: {
      kind: 'm:1',
      entity: 'User',
      mapToPk: true,
      joinColumn: 'user_id',
      foreignKeyName: 'refresh_tokens_user_id_fkey',
      ...cascade,
    },
    familyId: { type: 'uuid' },
    tokenHash: { type: 'text', unique: 'refresh_tokens_token_hash_key' },
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
  indexes: [
    sqlIndex('run_events_key_unique', '(key) where key is not null', true),
    { name: 'run_events_run_id_index', properties: ['runId', 'id'] },
    { name: 'run_events_created_at_index', properties: ['createdAt'] },
  ],
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
