/**
 * Row shapes as node-postgres returns them, and their mapping to core's records. Epoch-ms numbers map to
 * timestamptz columns; bigint values come back as strings and are converted here.
 */
import type {
  AttemptRecord,
  AttemptState,
  DagRecord,
  DagSpec,
  DagVersion,
  DeliveryAttempt,
  DeliveryStatus,
  FailureKind,
  OutboxMessage,
  OutboxRecord,
  ParameterValue,
  RunRecord,
  RunState,
  RunTrigger,
  StoredLogLine,
} from '@kontroler/core';
import { isoTime } from '@kontroler/core';

/**
 * Epoch ms → a timestamptz parameter (null stays null), as ISO 8601 text in UTC: node-postgres formats a
 * Date field by field in local time, which cost measurable time on every commit (a dozen times each).
 */
export const toTimestamp = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : isoTime(ms);

/** A time column: a Date from a timestamptz column, or an ISO string when read through `row_to_json`. */
type Time = Date | string;
const msNotNull = (time: Time): number => (typeof time === 'string' ? Date.parse(time) : time.getTime());
const ms = (time: Time | null): number | null => (time === null ? null : msNotNull(time));
const num = (value: string | number | null): number | null => (value === null ? null : Number(value));

export interface DagRow {
  name: string;
  namespace: string;
  latest_version: number;
  suspended: boolean;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export const toDag = (row: DagRow): DagRecord => ({
  name: row.name,
  namespace: row.namespace,
  latestVersion: row.latest_version,
  suspended: row.suspended,
  createdAt: row.created_at.getTime(),
  updatedAt: row.updated_at.getTime(),
  deletedAt: ms(row.deleted_at),
});

export interface DagVersionRow {
  namespace: string;
  dag_name: string;
  version: number;
  hash: string;
  spec: DagSpec;
  created_at: Date;
  created_by: string | null;
}

export const toDagVersion = (row: DagVersionRow): DagVersion => ({
  namespace: row.namespace,
  dagName: row.dag_name,
  version: row.version,
  hash: row.hash,
  spec: row.spec,
  createdAt: row.created_at.getTime(),
  createdBy: row.created_by,
});

export interface RunRow {
  id: string;
  dag_name: string;
  namespace: string;
  dag_version: number;
  state: RunState;
  parameters: Record<string, ParameterValue>;
  trigger: RunTrigger;
  revision: number;
  round: number;
  cancel_requested: boolean;
  created_at: Time;
  started_at: Time | null;
  finished_at: Time | null;
  reason: string | null;
  idempotency_key: string | null;
  scheduled_for: Time | null;
  labels: Record<string, string>;
  active_deadline_seconds?: number | null;
  priority: number;
}

export const toRun = (row: RunRow): RunRecord => ({
  id: row.id,
  dagName: row.dag_name,
  namespace: row.namespace,
  dagVersion: row.dag_version,
  state: row.state,
  parameters: row.parameters,
  trigger: row.trigger,
  revision: row.revision,
  round: row.round,
  cancelRequested: row.cancel_requested,
  createdAt: msNotNull(row.created_at),
  startedAt: ms(row.started_at),
  finishedAt: ms(row.finished_at),
  reason: row.reason,
  idempotencyKey: row.idempotency_key,
  scheduledFor: ms(row.scheduled_for),
  labels: row.labels,
  priority: row.priority,
  ...(row.active_deadline_seconds != null ? { activeDeadlineSeconds: row.active_deadline_seconds } : {}),
});

export interface AttemptRow {
  id: string;
  run_id: string;
  task_name: string;
  attempt: number;
  round: number;
  state: AttemptState;
  exit_code: number | null;
  reason: string | null;
  message: string | null;
  created_at: Time;
  available_at: Time | null;
  started_at: Time | null;
  finished_at: Time | null;
  lease_owner: string | null;
  lease_expires_at: Time | null;
  runtime: string | null;
  non_retryable: boolean;
  retry_after_ms: string | number | null;
  failure_kind: FailureKind | null;
  outputs?: Record<string, unknown> | null;
  decided_by?: string | null;
}

/**
 * One string per distinct value of the attempt columns that repeat across records (run id, task name,
 * state, worker identity, runtime, reason): a busy worker holds ten thousand attempt records, each parsed
 * from its own row, and would otherwise hold as many copies of each (issue 19). Bounded: it starts over
 * when full.
 */
const shared = new Map<string, string>();
const SHARED_MAX = 4096;

function intern<T extends string | null>(value: T): T {
  if (value === null) return value;
  const known = shared.get(value);
  if (known !== undefined) return known as T;
  if (shared.size >= SHARED_MAX) shared.clear();
  shared.set(value, value);
  return value;
}

export const toAttempt = (row: AttemptRow): AttemptRecord => ({
  id: row.id,
  runId: intern(row.run_id),
  taskName: intern(row.task_name),
  attempt: row.attempt,
  round: row.round,
  state: intern(row.state),
  exitCode: row.exit_code,
  reason: intern(row.reason),
  message: row.message,
  createdAt: msNotNull(row.created_at),
  availableAt: ms(row.available_at),
  startedAt: ms(row.started_at),
  finishedAt: ms(row.finished_at),
  leaseOwner: intern(row.lease_owner),
  leaseExpiresAt: ms(row.lease_expires_at),
  runtime: intern(row.runtime),
  nonRetryable: row.non_retryable,
  retryAfterMs: num(row.retry_after_ms),
  failureKind: row.failure_kind ?? null,
  ...(row.outputs != null ? { outputs: row.outputs } : {}),
  ...(row.decided_by != null ? { decidedBy: row.decided_by } : {}),
});

/** The attempt columns `attemptTuple` packs, in order. */
const TUPLE_COLUMNS = [
  'id',
  'run_id',
  'task_name',
  'attempt',
  'round',
  'state',
  'exit_code',
  'reason',
  'message',
  'created_at',
  'available_at',
  'started_at',
  'finished_at',
  'lease_owner',
  'lease_expires_at',
  'runtime',
  'non_retryable',
  'retry_after_ms',
  'failure_kind',
  'outputs',
  'decided_by',
] as const;

/**
 * An attempt as a JSON array (no keys): half the bytes of `row_to_json`, and JSON parsing is what a
 * snapshot of a large run costs on the client.
 */
export const attemptTuple = (alias: string): string =>
  `json_build_array(${TUPLE_COLUMNS.map((c) => `${alias}.${c}`).join(', ')})`;

/** The inverse of `attemptTuple` (times arrive as ISO strings). */
export function tupleToAttempt(t: readonly unknown[]): AttemptRecord {
  const time = (v: unknown): number | null => (typeof v === 'string' ? Date.parse(v) : null);
  return {
    id: t[0] as string,
    runId: intern(t[1] as string),
    taskName: intern(t[2] as string),
    attempt: t[3] as number,
    round: t[4] as number,
    state: intern(t[5] as AttemptState),
    exitCode: (t[6] ?? null) as number | null,
    reason: intern((t[7] ?? null) as string | null),
    message: (t[8] ?? null) as string | null,
    createdAt: time(t[9]) ?? 0,
    availableAt: time(t[10]),
    startedAt: time(t[11]),
    finishedAt: time(t[12]),
    leaseOwner: intern((t[13] ?? null) as string | null),
    leaseExpiresAt: time(t[14]),
    runtime: intern((t[15] ?? null) as string | null),
    nonRetryable: t[16] === true,
    retryAfterMs: t[17] === null || t[17] === undefined ? null : Number(t[17]),
    failureKind: (t[18] ?? null) as FailureKind | null,
    ...(t[19] != null ? { outputs: t[19] as Record<string, unknown> } : {}),
    ...(t[20] != null ? { decidedBy: t[20] as string } : {}),
  };
}

export interface OutboxRow {
  id: string;
  topic: string;
  run_id: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  delivered_at: Date | null;
}

export const toOutbox = (row: OutboxRow): OutboxRecord => ({
  id: row.id,
  topic: row.topic,
  runId: row.run_id,
  payload: row.payload,
  createdAt: row.created_at.getTime(),
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at.getTime(),
  lastError: row.last_error,
  deliveredAt: ms(row.delivered_at),
});

export interface DeliveryAttemptRow {
  outbox_id: string;
  attempt: number;
  at: Date;
  ok: boolean;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export const toDeliveryAttempt = (row: DeliveryAttemptRow): DeliveryAttempt => ({
  outboxId: row.outbox_id,
  attempt: row.attempt,
  at: row.at.getTime(),
  ok: row.ok,
  statusCode: row.status_code,
  error: row.error,
  durationMs: row.duration_ms,
});

export interface LogLineRow {
  seq: number;
  ts: Date;
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
}

export const toLogLine = (row: LogLineRow): StoredLogLine => ({
  seq: row.seq,
  ts: row.ts.getTime(),
  stream: row.stream,
  line: row.line,
});

/** Adds a parameter and returns its placeholder (`$n`). */
export type Param = (value: unknown) => string;

/** A fresh parameter list and its placeholder function. */
export function parameters(): { params: unknown[]; p: Param } {
  const params: unknown[] = [];
  return {
    params,
    p: (value) => {
      params.push(value);
      return `$${params.length}`;
    },
  };
}

/** Attempt columns in the order `attemptsUnnest` produces them. */
export const ATTEMPT_COLUMNS =
  'id, run_id, task_name, attempt, round, state, exit_code, reason, message, created_at, available_at, ' +
  'started_at, finished_at, lease_owner, lease_expires_at, runtime, non_retryable, retry_after_ms, failure_kind, outputs';

const ATTEMPT_TYPES = [
  'text',
  'text',
  'text',
  'int',
  'int',
  'text',
  'int',
  'text',
  'text',
  'timestamptz',
  'timestamptz',
  'timestamptz',
  'timestamptz',
  'text',
  'timestamptz',
  'text',
  'boolean',
  'bigint',
  'text',
  'jsonb',
];

/** `select * from unnest(...)` producing attempt rows in `ATTEMPT_COLUMNS` order. */
export function attemptsUnnest(attempts: readonly AttemptRecord[], p: Param): string {
  const columns: unknown[][] = [
    attempts.map((a) => a.id),
    attempts.map((a) => a.runId),
    attempts.map((a) => a.taskName),
    attempts.map((a) => a.attempt),
    attempts.map((a) => a.round),
    attempts.map((a) => a.state),
    attempts.map((a) => a.exitCode),
    attempts.map((a) => a.reason),
    attempts.map((a) => a.message),
    attempts.map((a) => toTimestamp(a.createdAt)),
    attempts.map((a) => toTimestamp(a.availableAt)),
    attempts.map((a) => toTimestamp(a.startedAt)),
    attempts.map((a) => toTimestamp(a.finishedAt)),
    attempts.map((a) => a.leaseOwner),
    attempts.map((a) => toTimestamp(a.leaseExpiresAt)),
    attempts.map((a) => a.runtime),
    attempts.map((a) => a.nonRetryable),
    attempts.map((a) => a.retryAfterMs),
    attempts.map((a) => a.failureKind),
    attempts.map((a) => (a.outputs == null ? null : JSON.stringify(a.outputs))),
  ];
  return `select * from unnest(${columns.map((c, i) => `${p(c)}::${ATTEMPT_TYPES[i]}[]`).join(', ')})`;
}

/** Outbox columns in the order `outboxUnnest` produces them. */
export const OUTBOX_INSERT_COLUMNS = '(id, topic, run_id, payload, created_at, next_attempt_at)';

export function outboxUnnest(messages: readonly OutboxMessage[], p: Param): string {
  return `select id, topic, run_id, payload, created_at, created_at
    from unnest(${p(messages.map((m) => m.id))}::text[], ${p(messages.map((m) => m.topic))}::text[],
                ${p(messages.map((m) => m.runId))}::text[], ${p(messages.map((m) => JSON.stringify(m.payload)))}::jsonb[],
                ${p(messages.map((m) => toTimestamp(m.createdAt)))}::timestamptz[])
      as m(id, topic, run_id, payload, created_at)`;
}
