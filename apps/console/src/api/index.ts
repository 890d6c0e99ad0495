import type { DagSpec } from '@kontroler/core/dag';
import { http, type ApiClient } from './client';
import type {
  AuditEntry,
  CreatedToken,
  DagDetail,
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
  User,
  ValidateResult,
} from './types';

export { ApiClient, http, type TokenSource } from './client';
export { ApiError } from './errors';
export type * from './types';

const enc = encodeURIComponent;
const V1 = '/api/v1';

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
      changePassword: (currentPassword: string, newPassword: string) =>
        client.post<void>(`${V1}/me/password`, { currentPassword, newPassword }),
    },
    tokens: {
      list: (all = false) =>
        client.get<Page<TokenInfo> | TokenInfo[]>(`${V1}/tokens`, { all: all || undefined }),
      create: (body: { name: string; role?: Role; namespace?: string | null; expiresInDays?: number }) =>
        client.post<CreatedToken>(`${V1}/tokens`, body),
      revoke: (id: string) => client.delete(`${V1}/tokens/${enc(id)}`),
    },
    dags: {
      list: (q: { search?: string; namespace?: string; limit?: number; cursor?: string | null }) =>
        client.get<Page<DagSummary>>(`${V1}/dags`, q),
      get: (name: string) => client.get<DagDetail>(`${V1}/dags/${enc(name)}`),
      create: (spec: DagSpec) => client.post<SaveDagResult>(`${V1}/dags`, spec),
      update: (name: string, spec: DagSpec) => client.put<SaveDagResult>(`${V1}/dags/${enc(name)}`, spec),
      validate: (spec: DagSpec) => client.post<ValidateResult>(`${V1}/dags/validate`, spec),
      remove: (name: string) => client.delete(`${V1}/dags/${enc(name)}`),
      suspend: (name: string) => client.post<DagSummary>(`${V1}/dags/${enc(name)}/suspend`),
      resume: (name: string) => client.post<DagSummary>(`${V1}/dags/${enc(name)}/resume`),
      versions: (name: string) =>
        client.get<Page<DagVersionInfo> | DagVersionInfo[]>(`${V1}/dags/${enc(name)}/versions`, {
          limit: 200,
        }),
      version: (name: string, version: number) =>
        client.get<DagVersionDetail>(`${V1}/dags/${enc(name)}/versions/${version}`),
      diff: (name: string, from: number, to: number) =>
        client.get<DagDiff>(`${V1}/dags/${enc(name)}/diff`, { from, to }),
      trigger: (name: string, parameters: Record<string, string>, idempotencyKey?: string) =>
        client.post<Run>(`${V1}/dags/${enc(name)}/runs`, { parameters, idempotencyKey }),
    },
    runs: {
      list: (q: {
        dag?: string;
        state?: readonly RunState[];
        from?: string;
        to?: string;
        limit?: number;
        cursor?: string | null;
      }) => client.get<Page<Run>>(`${V1}/runs`, q),
      get: (id: string) => client.get<RunDetail>(`${V1}/runs/${enc(id)}`),
      cancel: (id: string) => client.post<Run>(`${V1}/runs/${enc(id)}/cancel`),
      retry: (id: string, latestVersion = false) =>
        client.post<Run>(`${V1}/runs/${enc(id)}/retry`, { latestVersion }),
      logs: (id: string, attemptId: string, q: { tail?: number; afterSeq?: number; limit?: number }) =>
        client.get<{ lines: LogLine[] }>(`${V1}/runs/${enc(id)}/attempts/${enc(attemptId)}/logs`, q),
      logText: async (id: string, attemptId: string) => {
        const res = await client.raw('GET', `${V1}/runs/${enc(id)}/attempts/${enc(attemptId)}/logs`, {
          headers: { Accept: 'text/plain' },
          query: { download: 1 },
        });
        return res.text();
      },
      logStreamPath: (id: string, attemptId: string) =>
        `${V1}/runs/${enc(id)}/attempts/${enc(attemptId)}/logs/stream`,
      deliveries: (id: string) => client.get<Delivery[] | Page<Delivery>>(`${V1}/runs/${enc(id)}/deliveries`),
      redeliver: (deliveryId: string) => client.post<void>(`${V1}/deliveries/${enc(deliveryId)}/redeliver`),
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
