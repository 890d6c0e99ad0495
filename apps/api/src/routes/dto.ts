/** Store records → the JSON shapes of docs/api.md. Times become ISO strings; secrets are never echoed. */
import {
  isoTime,
  parseInstance,
  type AttemptRecord,
  type DagVersion,
  type RunRecord,
  type Store,
} from '@kontroler/core';
import type { ForEachItems } from './for-each-items.js';
import { toIso, toMs, type ApiTokenRow, type UserRow } from '../auth/identity.js';

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : isoTime(ms));
const duration = (start: number | null, end: number | null): number | null =>
  start === null || end === null ? null : Math.max(0, Math.round(end - start));

export interface RunDto {
  id: string;
  dagName: string;
  namespace: string;
  dagVersion: number;
  state: RunRecord['state'];
  trigger: string;
  parameters: Record<string, string | { fromSecret: string }>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  reason: string | null;
  durationMs: number | null;
  /** A cancel was asked for and is under way (running tasks are being stopped). */
  cancelRequested: boolean;
  /** The run's own deadline in seconds (docs/flow/deadline.md); null when the DAG's (or none) applies. */
  activeDeadlineSeconds: number | null;
  /** Order among queued runs, higher first (docs/run-limits.md). */
  priority: number;
  /** For a queued run, its place in its DAG's queue (1: next to start); else null. */
  queuePosition: number | null;
}

/** `runDto` of each run, with the queue position of the queued ones (one store query for them all). */
export async function runDtos(
  store: Pick<Store, 'queuePositions'>,
  runs: readonly RunRecord[],
): Promise<RunDto[]> {
  const queued = runs.filter((run) => run.state === 'queued').map((run) => run.id);
  const positions = queued.length > 0 ? await store.queuePositions(queued) : new Map<string, number>();
  return runs.map((run) => runDto(run, positions.get(run.id) ?? null));
}

export function runDto(run: RunRecord, queuePosition: number | null = null): RunDto {
  const parameters: RunDto['parameters'] = {};
  for (const [name, value] of Object.entries(run.parameters)) {
    parameters[name] = 'fromSecret' in value ? { fromSecret: value.fromSecret } : value.value;
  }
  return {
    id: run.id,
    dagName: run.dagName,
    namespace: run.namespace,
    dagVersion: run.dagVersion,
    state: run.state,
    trigger: run.trigger,
    parameters,
    createdAt: isoTime(run.createdAt),
    startedAt: isoOrNull(run.startedAt),
    finishedAt: isoOrNull(run.finishedAt),
    reason: run.reason,
    durationMs: duration(run.startedAt, run.finishedAt),
    cancelRequested: run.cancelRequested,
    activeDeadlineSeconds: run.activeDeadlineSeconds ?? null,
    priority: run.priority,
    queuePosition: run.state === 'queued' ? queuePosition : null,
  };
}

/**
 * The deadline that applies to a run: its own, else its DAG version's; `at` once the run has started.
 * Null when neither sets one.
 */
export function deadlineDto(run: RunRecord, dagSeconds: number | undefined) {
  const own = run.activeDeadlineSeconds ?? null;
  const seconds = own ?? dagSeconds;
  if (seconds === undefined) return null;
  return {
    seconds,
    source: own !== null ? ('run' as const) : ('dag' as const),
    at: run.startedAt === null ? null : isoTime(run.startedAt + seconds * 1000),
  };
}

/** For a forEach instance `task[i]`: its task, its index and (when it can be read) its item. */
export interface InstanceDto {
  of: string;
  index: number;
  item?: unknown;
}

function instanceDto(taskName: string, items: ForEachItems | undefined): InstanceDto | null {
  const instance = parseInstance(taskName);
  if (instance === null) return null;
  const list = items?.(instance.task);
  return {
    of: instance.task,
    index: instance.index,
    ...(list !== undefined && instance.index < list.length ? { item: list[instance.index] } : {}),
  };
}

/**
 * An attempt as the API shows it. `items` (the run detail passes it) adds the item of a forEach instance;
 * without it (live events) an instance still says which task and index it is.
 */
export function attemptDto(a: AttemptRecord, items?: ForEachItems) {
  return {
    id: a.id,
    taskName: a.taskName,
    attempt: a.attempt,
    state: a.state,
    exitCode: a.exitCode,
    reason: a.reason,
    message: a.message,
    failureKind: a.failureKind,
    createdAt: isoTime(a.createdAt),
    startedAt: isoOrNull(a.startedAt),
    finishedAt: isoOrNull(a.finishedAt),
    durationMs: duration(a.startedAt, a.finishedAt),
    outputs: a.outputs ?? null,
    instance: instanceDto(a.taskName, items),
    ...(a.decidedBy != null ? { decidedBy: a.decidedBy } : {}),
  };
}

export const versionInfo = (v: DagVersion) => ({
  version: v.version,
  hash: v.hash,
  createdAt: isoTime(v.createdAt),
  createdBy: v.createdBy,
});

/** A user as the API shows it; `lockedUntil` is set only while failed logins keep the username locked. */
export function userDto(u: UserRow, now: number) {
  const lockedUntil = toMs(u.locked_until);
  return {
    id: u.id,
    username: u.username,
    roles: u.grants.map((g) => ({ role: g.role, namespace: g.namespace })),
    disabled: u.disabled,
    mustChangePassword: u.must_change_password,
    lockedUntil: lockedUntil !== null && lockedUntil > now ? new Date(lockedUntil).toISOString() : null,
    createdAt: toIso(u.created_at) ?? '',
  };
}

export const tokenDto = (t: ApiTokenRow) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  role: t.role,
  namespace: t.namespace,
  expiresAt: toIso(t.expires_at),
  lastUsedAt: toIso(t.last_used_at),
  createdAt: toIso(t.created_at) ?? '',
  revokedAt: toIso(t.revoked_at),
  userId: t.user_id,
  username: t.username,
});
