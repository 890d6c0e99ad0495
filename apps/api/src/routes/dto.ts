/** Store records → the JSON shapes of docs/api.md. Times become ISO strings; secrets are never echoed. */
import type { AttemptRecord, DagVersion, RunRecord, Store } from '@kontroler/core';
import { toIso, toMs, type ApiTokenRow, type UserRow } from '../auth/identity.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
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
    createdAt: iso(run.createdAt),
    startedAt: isoOrNull(run.startedAt),
    finishedAt: isoOrNull(run.finishedAt),
    reason: run.reason,
    durationMs: duration(run.startedAt, run.finishedAt),
    cancelRequested: run.cancelRequested,
    priority: run.priority,
    queuePosition: run.state === 'queued' ? queuePosition : null,
  };
}

export function attemptDto(a: AttemptRecord) {
  return {
    id: a.id,
    taskName: a.taskName,
    attempt: a.attempt,
    state: a.state,
    exitCode: a.exitCode,
    reason: a.reason,
    message: a.message,
    failureKind: a.failureKind,
    createdAt: iso(a.createdAt),
    startedAt: isoOrNull(a.startedAt),
    finishedAt: isoOrNull(a.finishedAt),
    durationMs: duration(a.startedAt, a.finishedAt),
  };
}

export const versionInfo = (v: DagVersion) => ({
  version: v.version,
  hash: v.hash,
  createdAt: iso(v.createdAt),
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
