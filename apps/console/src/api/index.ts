/**
 * The console's API layer: the routes of docs/api.md as typed functions over `@kontroler/client`. Every
 * request and response type is generated from the API's OpenAPI document; the names below are the
 * console's words for them.
 */
import type { DagSpec } from '@kontroler/core/dag';
import {
  unwrap,
  type DashboardSummary,
  type KontrolerClient,
  type Schemas,
  type paths,
  type LogLines,
  type Page,
  type Role,
  type RunState,
} from '@kontroler/client';
import { http } from './client';

export { http } from './client';
export { ApiProblem, parseRunEvent, type SseMessage, type TokenSource } from '@kontroler/client';
export type {
  Attempt,
  AttemptState,
  AuditEntry,
  CreatedToken,
  DagDetail,
  DagDiff,
  DagIssue,
  DagSummary,
  DagVersionDetail,
  DagVersionInfo,
  DashboardQueue,
  DashboardSummary,
  DashboardTasks,
  Delivery,
  LogLine,
  Page,
  ProblemFieldError,
  Role,
  Run,
  RunDetail,
  RunState,
  SecretEntry,
  ServerInfo,
  TokenInfo,
  User,
  Session as LoginResult,
  Grant as RoleGrant,
  DagSaveResult as SaveDagResult,
  ValidationResult as ValidateResult,
  RunEvent as EngineEvent,
} from '@kontroler/client';

/** `POST /dags/plan` and `GET …/dags/{name}/plan`: levels, the critical path, each task's outcome. */
export type PlanPreview = Schemas['PlanPreview'];
export type PlanPreviewTask = PlanPreview['tasks'][number];
export type PlanPreviewResult = Schemas['PlanPreviewResult'];

/** Inbound triggers, backfills and shared tasks (docs/triggers.md, backfill.md, shared-tasks.md). */
export type Trigger = Schemas['Trigger'];
export type TriggerWithSecret = Schemas['TriggerWithSecret'];
export type Backfill = Schemas['Backfill'];
export type DagTaskInfo = Schemas['DagTask'];
export type DagTaskVersionInfo = Schemas['DagTaskVersion'];
export type DagTaskDetail =
  paths['/api/v1/namespaces/{namespace}/tasks/{name}']['get']['responses']['200']['content']['application/json'];

/** Finished runs (or attempts) by outcome. */
export type OutcomeCounts = DashboardSummary['finished24h'];
/** One DAG's finished runs over a window: counts, success rate, p50/p95 duration. */
export type DagWindowStats = DashboardSummary['dags'][number]['last24h'];

/** A DAG is `(namespace, name)`; a run is found by its id in its namespace. */
export interface DagRef {
  readonly namespace: string;
  readonly name: string;
}
export interface RunRef {
  readonly namespace: string;
  readonly id: string;
}

/** The JSON body of a DAG save or validation: core's `DagSpec` as the document's open object. */
const document = (spec: DagSpec) => spec as unknown as Record<string, unknown>;
const dagParams = (dag: DagRef) => ({ path: { namespace: dag.namespace, name: dag.name } });
const runParams = (run: RunRef) => ({ path: { namespace: run.namespace, id: run.id } });
const attemptParams = (run: RunRef, attemptId: string) => ({
  path: { namespace: run.namespace, id: run.id, attemptId },
});
const orUndefined = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

/** The routes of docs/api.md as typed functions over one client. */
export function createApi(client: KontrolerClient) {
  return {
    client,
    auth: {
      login: (username: string, password: string) =>
        unwrap(client.POST('/api/v1/auth/login', { body: { username, password } })),
      refresh: (refreshToken: string) =>
        unwrap(client.POST('/api/v1/auth/refresh', { body: { refreshToken } })),
      logout: (refreshToken: string) =>
        unwrap(client.POST('/api/v1/auth/logout', { body: { refreshToken } })),
      me: () => unwrap(client.GET('/api/v1/me')),
      /** Ends every other session of the user; answers with a fresh one for this tab. */
      changePassword: (currentPassword: string, newPassword: string) =>
        unwrap(client.POST('/api/v1/me/password', { body: { currentPassword, newPassword } })),
    },
    tokens: {
      list: (all = false) =>
        unwrap(client.GET('/api/v1/tokens', { params: { query: { all: all || undefined } } })),
      /** A token for every namespace of the role when `namespace` is null or left out. */
      create: ({
        namespace,
        ...body
      }: {
        name: string;
        role?: Role;
        namespace?: string | null;
        expiresInDays?: number;
      }) => unwrap(client.POST('/api/v1/tokens', { body: { ...body, ...(namespace ? { namespace } : {}) } })),
      revoke: (id: string) => unwrap(client.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } })),
    },
    dags: {
      /** Every namespace the user may read, or one with `namespace`. */
      list: (q: { search?: string; namespace?: string; limit?: number; cursor?: string | null }) =>
        unwrap(
          client.GET('/api/v1/dags', {
            params: {
              query: {
                search: q.search || undefined,
                namespace: q.namespace || undefined,
                limit: q.limit,
                cursor: orUndefined(q.cursor),
              },
            },
          }),
        ),
      get: (dag: DagRef) =>
        unwrap(client.GET('/api/v1/namespaces/{namespace}/dags/{name}', { params: dagParams(dag) })),
      create: (namespace: string, spec: DagSpec) =>
        unwrap(
          client.POST('/api/v1/namespaces/{namespace}/dags', {
            params: { path: { namespace } },
            body: document(spec),
          }),
        ),
      update: (dag: DagRef, spec: DagSpec) =>
        unwrap(
          client.PUT('/api/v1/namespaces/{namespace}/dags/{name}', {
            params: dagParams(dag),
            body: document(spec),
          }),
        ),
      validate: (spec: DagSpec) => unwrap(client.POST('/api/v1/dags/validate', { body: document(spec) })),
      /** The plan preview of a draft (not saved), with the DAG's default parameters. */
      plan: (spec: DagSpec, signal?: AbortSignal) =>
        unwrap(client.POST('/api/v1/dags/plan', { body: document(spec), ...(signal ? { signal } : {}) })),
      remove: (dag: DagRef) =>
        unwrap(client.DELETE('/api/v1/namespaces/{namespace}/dags/{name}', { params: dagParams(dag) })),
      suspend: (dag: DagRef) =>
        unwrap(client.POST('/api/v1/namespaces/{namespace}/dags/{name}/suspend', { params: dagParams(dag) })),
      resume: (dag: DagRef) =>
        unwrap(client.POST('/api/v1/namespaces/{namespace}/dags/{name}/resume', { params: dagParams(dag) })),
      versions: (dag: DagRef) =>
        unwrap(
          client.GET('/api/v1/namespaces/{namespace}/dags/{name}/versions', {
            params: { ...dagParams(dag), query: { limit: 200 } },
          }),
        ),
      version: (dag: DagRef, version: number) =>
        unwrap(
          client.GET('/api/v1/namespaces/{namespace}/dags/{name}/versions/{version}', {
            params: { path: { ...dagParams(dag).path, version } },
          }),
        ),
      diff: (dag: DagRef, from: number, to: number) =>
        unwrap(
          client.GET('/api/v1/namespaces/{namespace}/dags/{name}/diff', {
            params: { ...dagParams(dag), query: { from, to } },
          }),
        ),
      trigger: (dag: DagRef, parameters: Record<string, string>, idempotencyKey?: string) =>
        unwrap(
          client.POST('/api/v1/namespaces/{namespace}/dags/{name}/runs', {
            params: dagParams(dag),
            body: { parameters, ...(idempotencyKey ? { idempotencyKey } : {}) },
          }),
        ),
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
      }) =>
        unwrap(
          client.GET('/api/v1/runs', {
            params: {
              query: {
                namespace: q.namespace || undefined,
                dag: q.dag || undefined,
                state: q.state?.length ? q.state.join(',') : undefined,
                from: q.from || undefined,
                to: q.to || undefined,
                limit: q.limit,
                cursor: orUndefined(q.cursor),
              },
            },
          }),
        ),
      get: (run: RunRef) =>
        unwrap(client.GET('/api/v1/namespaces/{namespace}/runs/{id}', { params: runParams(run) })),
      cancel: (run: RunRef) =>
        unwrap(client.POST('/api/v1/namespaces/{namespace}/runs/{id}/cancel', { params: runParams(run) })),
      retry: (run: RunRef, latestVersion = false) =>
        unwrap(
          client.POST('/api/v1/namespaces/{namespace}/runs/{id}/retry', {
            params: runParams(run),
            body: { latestVersion },
          }),
        ),
      rerunTask: (run: RunRef, task: string, downstream: boolean) =>
        unwrap(
          client.POST('/api/v1/namespaces/{namespace}/runs/{id}/tasks/{task}/rerun', {
            params: { path: { ...runParams(run).path, task } },
            body: { downstream },
          }),
        ),
      markTask: (run: RunRef, task: string, state: 'succeeded' | 'failed', reason?: string) =>
        unwrap(
          client.POST('/api/v1/namespaces/{namespace}/runs/{id}/tasks/{task}/mark', {
            params: { path: { ...runParams(run).path, task } },
            body: { state, ...(reason ? { reason } : {}) },
          }),
        ),
      /** Approves or rejects an approval task that awaits a decision (docs/approval.md). */
      decide: (run: RunRef, task: string, decision: 'approve' | 'reject', comment: string) =>
        unwrap(
          client.POST(`/api/v1/namespaces/{namespace}/runs/{id}/tasks/{task}/${decision}`, {
            params: { path: { namespace: run.namespace, id: run.id, task } },
            body: comment.trim() === '' ? {} : { comment },
          }),
        ),
      logs: (run: RunRef, attemptId: string, q: { tail?: number; afterSeq?: number; limit?: number }) =>
        unwrap(
          client.GET('/api/v1/namespaces/{namespace}/runs/{id}/attempts/{attemptId}/logs', {
            params: { ...attemptParams(run, attemptId), query: q },
            headers: { Accept: 'application/json' },
          }),
        ) as Promise<LogLines>, // 200 also offers text/plain; the Accept header above asks for JSON
      logText: (run: RunRef, attemptId: string) =>
        unwrap(
          client.GET('/api/v1/namespaces/{namespace}/runs/{id}/attempts/{attemptId}/logs', {
            params: { ...attemptParams(run, attemptId), query: { download: '1' } },
            headers: { Accept: 'text/plain' },
            parseAs: 'text',
          }),
        ),
      logStreamPath: (run: RunRef, attemptId: string) =>
        `/api/v1/namespaces/${encodeURIComponent(run.namespace)}/runs/${encodeURIComponent(run.id)}` +
        `/attempts/${encodeURIComponent(attemptId)}/logs/stream`,
      deliveries: (run: RunRef) =>
        unwrap(client.GET('/api/v1/namespaces/{namespace}/runs/{id}/deliveries', { params: runParams(run) })),
      redeliver: (namespace: string, deliveryId: string) =>
        unwrap(
          client.POST('/api/v1/namespaces/{namespace}/deliveries/{id}/redeliver', {
            params: { path: { namespace, id: deliveryId } },
          }),
        ),
    },
    info: () => unwrap(client.GET('/api/v1/info')),
    dashboard: {
      /** Figures of every namespace the user may read, or of one with `namespace`. */
      summary: (q: { namespace?: string; days?: number } = {}) =>
        unwrap(client.GET('/api/v1/dashboard/summary', { params: { query: q } })),
      tasks: (q: { namespace?: string; window?: '24h' | '7d'; limit?: number } = {}) =>
        unwrap(client.GET('/api/v1/dashboard/tasks', { params: { query: q } })),
      queue: (q: { namespace?: string; limit?: number } = {}) =>
        unwrap(client.GET('/api/v1/dashboard/queue', { params: { query: q } })),
    },
    triggers: {
      list: (dag: DagRef) =>
        unwrap(client.GET('/api/v1/namespaces/{namespace}/dags/{name}/triggers', { params: dagParams(dag) })),
      create: (
        dag: DagRef,
        body: { name: string; mapping?: Record<string, string>; ratePerMinute?: number },
      ) =>
        unwrap(
          client.POST('/api/v1/namespaces/{namespace}/dags/{name}/triggers', {
            params: dagParams(dag),
            body,
          }),
        ),
      rotate: (dag: DagRef, name: string, revokePrevious = false) =>
        unwrap(
          client.POST('/api/v1/namespaces/{namespace}/dags/{name}/triggers/{trigger}/rotate', {
            params: { path: { ...dagParams(dag).path, trigger: name } },
            body: { revokePrevious },
          }),
        ),
      remove: (dag: DagRef, name: string) =>
        unwrap(
          client.DELETE('/api/v1/namespaces/{namespace}/dags/{name}/triggers/{trigger}', {
            params: { path: { ...dagParams(dag).path, trigger: name } },
          }),
        ),
    },
    backfills: {
      list: (dag: DagRef) =>
        unwrap(
          client.GET('/api/v1/namespaces/{namespace}/dags/{name}/backfills', { params: dagParams(dag) }),
        ),
      create: (dag: DagRef, body: { from: string; to: string; maxActiveRuns?: number }) =>
        unwrap(
          client.POST('/api/v1/namespaces/{namespace}/dags/{name}/backfills', {
            params: dagParams(dag),
            body,
          }),
        ),
      get: (namespace: string, id: string) =>
        unwrap(
          client.GET('/api/v1/namespaces/{namespace}/backfills/{id}', {
            params: { path: { namespace, id } },
          }),
        ),
      cancel: (namespace: string, id: string) =>
        unwrap(
          client.POST('/api/v1/namespaces/{namespace}/backfills/{id}/cancel', {
            params: { path: { namespace, id } },
          }),
        ),
    },
    dagTasks: {
      list: (namespace: string) =>
        unwrap(client.GET('/api/v1/namespaces/{namespace}/tasks', { params: { path: { namespace } } })),
      get: (namespace: string, name: string) =>
        unwrap(
          client.GET('/api/v1/namespaces/{namespace}/tasks/{name}', {
            params: { path: { namespace, name } },
          }),
        ),
      save: (namespace: string, name: string, spec: Record<string, unknown>) =>
        unwrap(
          client.PUT('/api/v1/namespaces/{namespace}/tasks/{name}', {
            params: { path: { namespace, name } },
            body: spec,
          }),
        ),
      versions: (namespace: string, name: string) =>
        unwrap(
          client.GET('/api/v1/namespaces/{namespace}/tasks/{name}/versions', {
            params: { path: { namespace, name } },
          }),
        ),
      diff: (namespace: string, name: string, from: number, to: number) =>
        unwrap(
          client.GET('/api/v1/namespaces/{namespace}/tasks/{name}/diff', {
            params: { path: { namespace, name }, query: { from, to } },
          }),
        ),
      remove: (namespace: string, name: string) =>
        unwrap(
          client.DELETE('/api/v1/namespaces/{namespace}/tasks/{name}', {
            params: { path: { namespace, name } },
          }),
        ),
    },
    secrets: {
      list: () => unwrap(client.GET('/api/v1/secrets')),
      set: (name: string, value: string) =>
        unwrap(client.PUT('/api/v1/secrets/{name}', { params: { path: { name } }, body: { value } })),
      remove: (name: string) =>
        unwrap(client.DELETE('/api/v1/secrets/{name}', { params: { path: { name } } })),
    },
    admin: {
      users: () => unwrap(client.GET('/api/v1/users', { params: { query: { limit: 200 } } })),
      createUser: (body: {
        username: string;
        password: string;
        roles: { role: Role; namespace: string | null }[];
      }) => unwrap(client.POST('/api/v1/users', { body })),
      updateUser: (
        id: string,
        body: { disabled?: boolean; roles?: { role: Role; namespace: string | null }[] },
      ) => unwrap(client.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body })),
      resetPassword: (id: string, password: string) =>
        unwrap(client.POST('/api/v1/users/{id}/password', { params: { path: { id } }, body: { password } })),
      unlock: (id: string) => unwrap(client.POST('/api/v1/users/{id}/unlock', { params: { path: { id } } })),
      audit: (q: { actor?: string; action?: string; limit?: number; cursor?: string | null }) =>
        unwrap(
          client.GET('/api/v1/audit', {
            params: {
              query: {
                actor: q.actor || undefined,
                action: q.action || undefined,
                limit: q.limit,
                cursor: orUndefined(q.cursor),
              },
            },
          }),
        ),
    },
  };
}

export type Api = ReturnType<typeof createApi>;

/** Some list routes answer a bare array, the others a page; read both. */
export function itemsOf<T>(answer: T[] | Page<T>): T[] {
  return Array.isArray(answer) ? answer : answer.items;
}

export const api = createApi(http);
