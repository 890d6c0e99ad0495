/** Types of the HTTP contract in docs/api.md. The console talks to nothing else. */
import type { DagIssue, DagSpec } from '@kontroler/core/dag';

export type Role = 'admin' | 'editor' | 'viewer';
export interface RoleGrant {
  role: Role;
  namespace: string | null;
}
export interface User {
  id: string;
  username: string;
  roles: RoleGrant[];
  disabled: boolean;
  mustChangePassword: boolean;
  /** Set while failed logins keep the username locked; an admin can unlock it. */
  lockedUntil: string | null;
  createdAt: string;
}
export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: User;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface TokenInfo {
  id: string;
  name: string;
  prefix: string;
  role: Role | null;
  namespace: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
  revokedAt: string | null;
  userId: string;
  /** The owner's username. */
  username: string;
}
export interface CreatedToken extends TokenInfo {
  token: string;
}

export type RunState = 'pending' | 'running' | 'succeeded' | 'failed' | 'canceled';
export type AttemptState =
  'waiting' | 'ready' | 'running' | 'succeeded' | 'failed' | 'retrying' | 'skipped' | 'canceled';

export interface DagSummary {
  name: string;
  /** With `name`, the DAG's identity. */
  namespace: string;
  latestVersion: number;
  suspended: boolean;
  schedule: string | null;
  description: string | null;
  taskCount: number;
  lastRun: { id: string; state: RunState; createdAt: string } | null;
  nextRunAt: string | null;
  updatedAt: string;
}
export interface DagVersionInfo {
  version: number;
  hash: string;
  createdAt: string;
  createdBy: string | null;
}
export interface DagDetail {
  dag: DagSummary;
  version: DagVersionInfo & { spec: DagSpec };
  nextRuns: string[];
}
export interface DagVersionDetail extends DagVersionInfo {
  spec: DagSpec;
  yaml: string;
  dsl: string;
}
export interface DagDiff {
  from: number;
  to: number;
  changes: { path: string; kind: 'added' | 'removed' | 'changed'; before?: unknown; after?: unknown }[];
  unified: string;
}
export interface SaveDagResult {
  dag: DagSummary;
  version: DagVersionInfo;
  created: boolean;
  /** Warnings for this server (IMAGE_IGNORED under the process runtime). */
  warnings?: DagIssue[];
}
export interface ValidateResult {
  ok: boolean;
  errors: ProblemFieldError[];
  warnings: ProblemFieldError[];
  order: string[];
  levels: string[][];
}

export type ParameterValue = string | { fromSecret: string };
export interface Run {
  id: string;
  dagName: string;
  namespace: string;
  dagVersion: number;
  state: RunState;
  trigger: string;
  parameters: Record<string, ParameterValue>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  reason: string | null;
  durationMs: number | null;
  /** A cancel was asked for; running tasks are being stopped. */
  cancelRequested?: boolean;
}
export interface Attempt {
  id: string;
  taskName: string;
  attempt: number;
  state: AttemptState;
  exitCode: number | null;
  reason: string | null;
  message: string | null;
  /** For a failed attempt: what kind of failure it was (docs/retries.md). */
  failureKind?: 'exit' | 'start' | 'infra' | 'transient' | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}
export interface RunDetail {
  run: Run;
  attempts: Attempt[];
  tasks: { name: string; runAfter: string[] }[];
  /** What the run's DAG gets on this server (IMAGE_IGNORED under the process runtime). */
  warnings?: DagIssue[];
}
/** `GET /api/v1/info`: what this server can do. */
export interface ServerInfo {
  runtime: { name: string; runsImages: boolean };
  secrets: { managed: boolean };
}
export interface SecretEntry {
  name: string;
  updatedAt: string;
}
export interface LogLine {
  seq: number;
  ts: string;
  stream: 'stdout' | 'stderr' | string;
  line: string;
}
export interface Delivery {
  id: string;
  topic: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  payload: unknown;
  history: {
    attempt: number;
    at: string;
    ok: boolean;
    statusCode: number | null;
    error: string | null;
    durationMs: number | null;
  }[];
}
export interface AuditEntry {
  id: string;
  at: string;
  actor: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  details: unknown;
}

/** One engine event from `GET /api/v1/events`. */
export type EngineEventName =
  | 'run.created'
  | 'run.started'
  | 'run.finished'
  | 'task.ready'
  | 'task.started'
  | 'task.succeeded'
  | 'task.failed'
  | 'task.retrying'
  | 'task.skipped'
  | 'task.canceled';
export interface EngineEvent {
  id: string | null;
  event: EngineEventName | string;
  data: { run: Run; attempt?: Attempt };
}

/** One entry of a problem+json `errors[]`. */
export interface ProblemFieldError {
  path: string;
  message: string;
  code: string;
  task?: string;
  /** JSON Pointer into the body as sent (`/spec/task/0/colour`). */
  pointer?: string;
  /** 1-based position in a YAML or DSL body. */
  line?: number;
  column?: number;
}
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  errors?: ProblemFieldError[];
}

/** An inbound trigger of a DAG (docs/triggers.md); its secret is only in `TriggerWithSecret`. */
export interface Trigger {
  id: string;
  name: string;
  namespace: string;
  dagName: string;
  /** Where senders POST, relative to the API. */
  url: string;
  mapping: Record<string, string>;
  toleranceSeconds: number;
  ratePerMinute: number;
  secrets: Array<{ hint: string; createdAt: string }>;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
}

/** The answer of create and rotate: the new secret, shown this once. */
export interface TriggerWithSecret extends Trigger {
  secret: string;
}

/** A backfill of a scheduled DAG and its progress (docs/backfill.md). */
export interface Backfill {
  id: string;
  namespace: string;
  dagName: string;
  from: string;
  to: string;
  schedule: string;
  timezone: string | null;
  maxActiveRuns: number;
  state: 'running' | 'completed' | 'canceled';
  total: number;
  submitted: number;
  done: number;
  failed: number;
  active: number;
  nextTick: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  createdBy: string | null;
}

/** A shared task (DagTask) of a namespace (docs/shared-tasks.md). */
export interface DagTaskInfo {
  namespace: string;
  name: string;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
}

export interface DagTaskVersionInfo {
  version: number;
  hash: string;
  /** The task fields (no name, runAfter or taskRef). */
  spec: Record<string, unknown>;
  createdAt: string;
  createdBy: string | null;
}

export interface DagTaskDetail {
  task: DagTaskInfo;
  version: DagTaskVersionInfo;
  usedBy: Array<{ dag: string; version: number; tasks: string[] }>;
}
