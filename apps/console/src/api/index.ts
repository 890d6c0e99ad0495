import type { DagSpec } from '@kontroler/core/dag';
import { http, type ApiClient } from './client';
import type {
  AuditEntry,
  Backfill,
  CreatedToken,
  DagDetail,
  DagTaskDetail,
  DagTaskInfo,
  DagTaskVersionInfo,
  DagDiff,
  DagSummary,
  DagVersionDetail,
  DagVersionInfo,
  Delivery,
  LogLine,
  LoginResult,
  Page,
  Role,
  RoleGrant,
  Run,
  RunDetail,
  RunState,
  SaveDagResult,
  SecretEntry,
  ServerInfo,
  TokenInfo,
  Trigger,
  TriggerWithSecret,
  User,
  ValidateResult,
} from './types';

export { ApiClient, http, type TokenSource } from './client';
export { ApiError } from './errors';
export type * from './types';

const enc = encodeURIComponent;
const V1 = '/api/v1';

/** A DAG is `(namespace, name)`; a run is found by its id in its namespace. */
export interface DagRef {
  readonly namespace: string;
  readonly name: string;
}
export interface RunRef {
  readonly namespace: string;
  readonly id: string;
}
const nsPath = (namespace: string) => `${V1}/namespaces/${enc(namespace)}`;
const dagPath = (dag: DagRef) => `${nsPath(dag.namespace)}/dags/${enc(dag.name)}`;
const runPath = (run: RunRef) => `${nsPath(run.namespace)}/runs/${enc(run.id)}`;

/** The routes of docs/api.md as typed functions over one client. */
export function createApi(client: ApiClient) {
  return {
    client,
    auth: {
      login: (username: string, password: string) =>
        client.post<LoginResult>(`${V1}/auth/login`, { username, password }, { anonymous: true }),
      refresh: (refreshToken: string) =>
        client.post<LoginResult>(`${V1}/auth/refresh`, { refreshToken }, { anonymous: true }),
      logout: (refreshToken: string) => client.post<void>(`${V1}/auth/logout`, { refreshToken }),
      me: () => client.get<User>(`${V1}/me`),
      /** Ends every other session of the user; answers with a fresh one for this tab. */
      changePassword: (currentPassword: string, newPassword: string) =>
        client.post<LoginResult>(`${V1}/me/password`, { currentPassword, newPassword }),
    },
    tokens: {
      list: (all = false) =>
        client.get<Page<TokenInfo> | TokenInfo[]>(`${V1}/tokens`, { all: all || undefined }),
      create: (body: { name: string; role?: Role; namespace?: string | null; expiresInDays?: number }) =>
        client.post<CreatedToken>(`${V1}/tokens`, body),
      revoke: (id: string) => client.delete(`${V1}/tokens/${enc(id)}`),
    },
    dags: {
      /** Every namespace the user may read, or one with `namespace`. */
      list: (q: { search?: string; namespace?: string; limit?: number; cursor?: string | null }) =>
        client.get<Page<DagSummary>>(`${V1}/dags`, q),
      get: (dag: DagRef) => client.get<DagDetail>(dagPath(dag)),
      create: (namespace: string, spec: DagSpec) =>
        client.post<SaveDagResult>(`${nsPath(namespace)}/dags`, spec),
      update: (dag: DagRef, spec: DagSpec) => client.put<SaveDagResult>(dagPath(dag), spec),
      validate: (spec: DagSpec) => client.post<ValidateResult>(`${V1}/dags/validate`, spec),
      remove: (dag: DagRef) => client.delete(dagPath(dag)),
      suspend: (dag: DagRef) => client.post<DagSummary>(`${dagPath(dag)}/suspend`),
      resume: (dag: DagRef) => client.post<DagSummary>(`${dagPath(dag)}/resume`),
      versions: (dag: DagRef) =>
        client.get<Page<DagVersionInfo> | DagVersionInfo[]>(`${dagPath(dag)}/versions`, { limit: 200 }),
      version: (dag: DagRef, version: number) =>
        client.get<DagVersionDetail>(`${dagPath(dag)}/versions/${version}`),
      diff: (dag: DagRef, from: number, to: number) =>
        client.get<DagDiff>(`${dagPath(dag)}/diff`, { from, to }),
      trigger: (dag: DagRef, parameters: Record<string, string>, idempotencyKey?: string) =>
        client.post<Run>(`${dagPath(dag)}/runs`, { parameters, idempotencyKey }),
    },
    runs: {
      /** Every namespace the user may read, or one with `namespace`; `dag` needs `namespace`. */
      list: (q: {
        namespace?: string;
        dag?: string;
        state?: readonly RunState[];
        from?: string;
        to?: string;
        limit?: number;
        cursor?: string | null;
      }) => client.get<Page<Run>>(`${V1}/runs`, q),
      get: (run: RunRef) => client.get<RunDetail>(runPath(run)),
      cancel: (run: RunRef) => client.post<Run>(`${runPath(run)}/cancel`),
      retry: (run: RunRef, latestVersion = false) =>
        client.post<Run>(`${runPath(run)}/retry`, { latestVersion }),
      logs: (run: RunRef, attemptId: string, q: { tail?: number; afterSeq?: number; limit?: number }) =>
        client.get<{ lines: LogLine[] }>(`${runPath(run)}/attempts/${enc(attemptId)}/logs`, q),
      logText: async (run: RunRef, attemptId: string) => {
        const res = await client.raw('GET', `${runPath(run)}/attempts/${enc(attemptId)}/logs`, {
          headers: { Accept: 'text/plain' },
          query: { download: 1 },
        });
        return res.text();
      },
      logStreamPath: (run: RunRef, attemptId: string) =>
        `${runPath(run)}/attempts/${enc(attemptId)}/logs/stream`,
      deliveries: (run: RunRef) => client.get<Delivery[] | Page<Delivery>>(`${runPath(run)}/deliveries`),
      redeliver: (namespace: string, deliveryId: string) =>
        client.post<void>(`${nsPath(namespace)}/deliveries/${enc(deliveryId)}/redeliver`),
    },
    triggers: {
      list: (dag: DagRef) => client.get<{ items: Trigger[] }>(`${dagPath(dag)}/triggers`),
      create: (
        dag: DagRef,
        body: { name: string; mapping?: Record<string, string>; ratePerMinute?: number },
      ) => client.post<TriggerWithSecret>(`${dagPath(dag)}/triggers`, body),
      rotate: (dag: DagRef, name: string, revokePrevious = false) =>
        client.post<TriggerWithSecret>(`${dagPath(dag)}/triggers/${enc(name)}/rotate`, { revokePrevious }),
      remove: (dag: DagRef, name: string) => client.delete(`${dagPath(dag)}/triggers/${enc(name)}`),
    },
    backfills: {
      list: (dag: DagRef) => client.get<{ items: Backfill[] }>(`${dagPath(dag)}/backfills`),
      create: (dag: DagRef, body: { from: string; to: string; maxActiveRuns?: number }) =>
        client.post<Backfill>(`${dagPath(dag)}/backfills`, body),
      get: (namespace: string, id: string) =>
        client.get<Backfill>(`${nsPath(namespace)}/backfills/${enc(id)}`),
      cancel: (namespace: string, id: string) =>
        client.post<Backfill>(`${nsPath(namespace)}/backfills/${enc(id)}/cancel`),
    },
    dagTasks: {
      list: (namespace: string) => client.get<{ items: DagTaskInfo[] }>(`${nsPath(namespace)}/tasks`),
      get: (namespace: string, name: string) =>
        client.get<DagTaskDetail>(`${nsPath(namespace)}/tasks/${enc(name)}`),
      save: (namespace: string, name: string, spec: Record<string, unknown>) =>
        client.put<{ task: DagTaskInfo; version: DagTaskVersionInfo; created: boolean }>(
          `${nsPath(namespace)}/tasks/${enc(name)}`,
          spec,
        ),
      versions: (namespace: string, name: string) =>
        client.get<{ items: DagTaskVersionInfo[] }>(`${nsPath(namespace)}/tasks/${enc(name)}/versions`),
      diff: (namespace: string, name: string, from: number, to: number) =>
        client.get<{ changes: Array<{ path: string; kind: string }> }>(
          `${nsPath(namespace)}/tasks/${enc(name)}/diff`,
          { from, to },
        ),
      remove: (namespace: string, name: string) => client.delete(`${nsPath(namespace)}/tasks/${enc(name)}`),
    },
    eventsPath: `${V1}/events`,
    info: () => client.get<ServerInfo>(`${V1}/info`),
    secrets: {
      list: () => client.get<{ items: SecretEntry[]; store: string }>(`${V1}/secrets`),
      set: (name: string, value: string) => client.put<SecretEntry>(`${V1}/secrets/${enc(name)}`, { value }),
      remove: (name: string) => client.delete(`${V1}/secrets/${enc(name)}`),
    },
    admin: {
      users: () => client.get<User[] | Page<User>>(`${V1}/users`, { limit: 200 }),
      createUser: (body: { username: string; password: string; roles: RoleGrant[] }) =>
        client.post<User>(`${V1}/users`, body),
      updateUser: (id: string, body: { disabled?: boolean; roles?: RoleGrant[] }) =>
        client.patch<User>(`${V1}/users/${enc(id)}`, body),
      resetPassword: (id: string, password: string) =>
        client.post<void>(`${V1}/users/${enc(id)}/password`, { password }),
      unlock: (id: string) => client.post<User>(`${V1}/users/${enc(id)}/unlock`),
      audit: (q: { actor?: string; action?: string; limit?: number; cursor?: string | null }) =>
        client.get<Page<AuditEntry>>(`${V1}/audit`, q),
    },
  };
}

export type Api = ReturnType<typeof createApi>;

/** Some list routes may answer a bare array or a page; read both. */
export function itemsOf<T>(answer: T[] | Page<T>): T[] {
  return Array.isArray(answer) ? answer : answer.items;
}

export const api = createApi(http);
