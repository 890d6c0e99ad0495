/**
 * Every HTTP operation of the API as data: method, path, parameters, bodies and answers. The OpenAPI
 * document is generated from this list, and the app registers one handler per operationId from it, so the
 * document and the routes cannot drift apart.
 */
import { MAX_RUN_DEADLINE_SECONDS } from '@kontroler/core';
import { DSL_MEDIA_TYPE, YAML_MEDIA_TYPES } from '../media-types.js';
import type { OperationId } from '../rbac/rules.js';
import { page, schemaRef as ref, type JsonSchema } from './schemas.js';
import { BACKFILL_OPERATIONS } from './backfill-operations.js';
import { DAG_TASK_OPERATIONS } from './dag-task-operations.js';
import { LIMIT_OPERATIONS } from './limit-operations.js';
import { TRIGGER_OPERATIONS } from './trigger-operations.js';
import { TASK_ACTION_OPERATIONS } from './task-action-operations.js';
import { APPROVAL_OPERATIONS } from './approval-operations.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ParameterDef {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly schema: JsonSchema;
  readonly description?: string;
  /** Accept reserved characters (`,` in `state=running,failed`) unencoded. */
  readonly allowReserved?: boolean;
}

export interface OperationDef {
  readonly operationId: OperationId;
  readonly method: HttpMethod;
  /** OpenAPI path template (`/api/v1/namespaces/{namespace}/dags/{name}`). */
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly parameters?: readonly ParameterDef[];
  readonly requestBody?: {
    readonly required: boolean;
    readonly content: Record<string, { schema: JsonSchema }>;
  };
  readonly responses: Record<
    string,
    { description: string; content?: Record<string, { schema: JsonSchema }> }
  >;
  /** False for operations that need no credential. */
  readonly secured: boolean;
}

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const ok = (schema: JsonSchema, description = 'OK') => ({ description, content: json(schema) });
const noContent = { description: 'No content' };
const str: JsonSchema = { type: 'string' };
const namePath: ParameterDef = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 253 },
};
/** A DAG or run lives in a namespace; `(namespace, name)` is a DAG's identity. */
const namespacePath: ParameterDef = {
  name: 'namespace',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' },
  description: 'A Kubernetes-style namespace name',
};
const idPath: ParameterDef = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 200 },
};
/** Secret names as a Kubernetes Secret may be named (SECRET_NAME_PATTERN in @kontroler/plugins). */
const secretNamePath: ParameterDef = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$' },
};
const limit: ParameterDef = {
  name: 'limit',
  in: 'query',
  schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
};
const cursor: ParameterDef = {
  name: 'cursor',
  in: 'query',
  schema: { type: 'string', maxLength: 2000 },
  allowReserved: true,
};
const query = (name: string, schema: JsonSchema = str, description?: string): ParameterDef => ({
  name,
  in: 'query',
  schema,
  ...(schema.type === 'string' ? { allowReserved: true } : {}),
  ...(description ? { description } : {}),
});
const body = (schema: JsonSchema, required = true) => ({ required, content: json(schema) });
const object = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const nullableString: JsonSchema = { type: ['string', 'null'], minLength: 1, maxLength: 63 };
const role: JsonSchema = { type: 'string', enum: ['admin', 'editor', 'viewer'] };
const grants: JsonSchema = {
  type: 'array',
  maxItems: 100,
  items: object({ role, namespace: nullableString }, ['role']),
};

/** A DAG document: JSON (`DagSpec`, checked by core so errors name the task), YAML, or DSL text. */
const dagDocument = {
  required: true,
  content: {
    'application/json': {
      schema: { type: 'object', description: 'A DagSpec (components.schemas.DagSpec), checked by core' },
    },
    ...Object.fromEntries(
      YAML_MEDIA_TYPES.map((type) => [
        type,
        { schema: { type: 'string', description: 'A Kontroler manifest or a plain YAML DagSpec' } },
      ]),
    ),
    [DSL_MEDIA_TYPE]: { schema: { type: 'string', description: 'The DSL; with ?format=dsl&name=<name>' } },
  },
};
const documentQuery: ParameterDef[] = [
  query('format', { type: 'string', enum: ['json', 'yaml', 'dsl'] }),
  query('name', { type: 'string', minLength: 1, maxLength: 253 }, 'The DAG name for a DSL body'),
];
/** Repeated `?param=name=value`: the run's parameters for a plan preview. */
const planParam: ParameterDef = {
  name: 'param',
  in: 'query',
  schema: { type: 'array', items: { type: 'string', maxLength: 10_000 }, maxItems: 200 },
  allowReserved: true,
  description: 'A run parameter as name=value (repeat for several: form style, exploded)',
};
const sse = { description: 'Server-Sent Events', content: { 'text/event-stream': { schema: str } } };

function op(
  operationId: OperationId,
  method: HttpMethod,
  path: string,
  tag: string,
  summary: string,
  rest: Partial<Pick<OperationDef, 'parameters' | 'requestBody' | 'responses' | 'secured'>> = {},
): OperationDef {
  return {
    operationId,
    method,
    path,
    tag,
    summary,
    secured: rest.secured ?? true,
    responses: rest.responses ?? { '200': { description: 'OK' } },
    ...(rest.parameters ? { parameters: rest.parameters } : {}),
    ...(rest.requestBody ? { requestBody: rest.requestBody } : {}),
  };
}

const V1 = '/api/v1';
/** Where a namespace's DAGs, runs and deliveries live. */
const NS = `${V1}/namespaces/{namespace}`;
const dagPath = [namespacePath, namePath];
const runPath = [namespacePath, idPath];
const attemptIdPath: ParameterDef = {
  name: 'attemptId',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 200 },
};

const dashboardNamespace = query(
  'namespace',
  { type: 'string', maxLength: 63 },
  'Only this namespace (figures never cover namespaces the caller may not read)',
);
const dashboardSummary =
  'Runs by state now, success rate and p50/p95 duration per DAG over 24 h and 7 d, runs finished per day';

export const OPERATIONS: readonly OperationDef[] = [
  op('healthz', 'get', '/healthz', 'health', 'The process is up', {
    secured: false,
    responses: { '200': ok(object({ status: str }, ['status'])) },
  }),
  op('readyz', 'get', '/readyz', 'health', 'The store answers', {
    secured: false,
    responses: { '200': ok(object({ status: str }, ['status'])) },
  }),
  op('getOpenApi', 'get', '/api/openapi.json', 'health', 'This document', {
    secured: false,
    responses: { '200': ok({ type: 'object' }) },
  }),
  op('getServerInfo', 'get', `${V1}/info`, 'health', 'What this server can do (its runtime, secrets)', {
    responses: { '200': ok(ref('ServerInfo')) },
  }),

  op('login', 'post', `${V1}/auth/login`, 'auth', 'Log in with a username and password', {
    secured: false,
    requestBody: body(
      object(
        {
          username: { type: 'string', minLength: 1, maxLength: 200 },
          password: { type: 'string', maxLength: 1000 },
        },
        ['username', 'password'],
      ),
    ),
    responses: { '200': ok(ref('Session')) },
  }),
  op('refresh', 'post', `${V1}/auth/refresh`, 'auth', 'Rotate a refresh token', {
    secured: false,
    requestBody: body(
      object({ refreshToken: { type: 'string', minLength: 1, maxLength: 500 } }, ['refreshToken']),
    ),
    responses: { '200': ok(ref('Session')) },
  }),
  op('logout', 'post', `${V1}/auth/logout`, 'auth', 'Revoke a refresh token family', {
    requestBody: body(object({ refreshToken: { type: 'string', maxLength: 500 } }), false),
    responses: { '204': noContent },
  }),
  op('getMe', 'get', `${V1}/me`, 'auth', 'The caller', { responses: { '200': ok(ref('User')) } }),
  op('changePassword', 'post', `${V1}/me/password`, 'auth', 'Change the own password', {
    requestBody: body(
      object(
        {
          currentPassword: { type: 'string', maxLength: 1000 },
          newPassword: { type: 'string', minLength: 8, maxLength: 1000 },
        },
        ['currentPassword', 'newPassword'],
      ),
    ),
    // Every other session of the user ends; the caller gets a fresh one to carry on with.
    responses: { '200': ok(ref('Session')) },
  }),
  op('listTokens', 'get', `${V1}/tokens`, 'auth', 'API tokens (own; admins: ?all=true)', {
    parameters: [query('all', { type: 'boolean' })],
    responses: { '200': ok(page(ref('TokenInfo'))) },
  }),
  op('createToken', 'post', `${V1}/tokens`, 'auth', 'Create an API token (shown once)', {
    requestBody: body(
      object(
        {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          role,
          namespace: { type: 'string', minLength: 1, maxLength: 63 },
          expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 },
        },
        ['name'],
      ),
    ),
    responses: { '201': ok(ref('CreatedToken'), 'Created') },
  }),
  op('deleteToken', 'delete', `${V1}/tokens/{id}`, 'auth', 'Revoke an API token', {
    parameters: [idPath],
    responses: { '204': noContent },
  }),

  op(
    'listDags',
    'get',
    `${V1}/dags`,
    'dags',
    'DAGs of every namespace the caller may read (or of ?namespace=), by namespace then name',
    {
      parameters: [
        query('search', { type: 'string', maxLength: 200 }),
        query('namespace', { type: 'string', maxLength: 63 }),
        limit,
        cursor,
      ],
      responses: { '200': ok(page(ref('DagSummary'))) },
    },
  ),
  op('listNamespaceDags', 'get', `${NS}/dags`, 'dags', "One namespace's DAGs, by name", {
    parameters: [namespacePath, query('search', { type: 'string', maxLength: 200 }), limit, cursor],
    responses: { '200': ok(page(ref('DagSummary'))) },
  }),
  op(
    'createDag',
    'post',
    `${NS}/dags`,
    'dags',
    'Create a DAG in the namespace, or a new version of it (the path namespace wins; a different ' +
      'metadata.namespace in the document is a 422)',
    {
      parameters: [namespacePath, ...documentQuery],
      requestBody: dagDocument,
      responses: {
        '200': ok(ref('DagSaveResult'), 'Unchanged'),
        '201': ok(ref('DagSaveResult'), 'New version'),
      },
    },
  ),
  op('validateDag', 'post', `${V1}/dags/validate`, 'dags', 'Validate a DAG document without saving it', {
    parameters: documentQuery,
    requestBody: dagDocument,
    responses: { '200': ok(ref('ValidationResult')) },
  }),
  op(
    'previewDraftPlan',
    'post',
    `${V1}/dags/plan`,
    'dags',
    'Preview the plan of a DAG document without saving it: levels, critical path, tasks a condition would skip',
    {
      parameters: [...documentQuery, planParam],
      requestBody: dagDocument,
      responses: { '200': ok(ref('PlanPreviewResult')) },
    },
  ),
  op('getDag', 'get', `${NS}/dags/{name}`, 'dags', 'A DAG with its latest version', {
    parameters: dagPath,
    responses: { '200': ok(ref('DagDetail')) },
  }),
  op('updateDag', 'put', `${NS}/dags/{name}`, 'dags', 'Save a new version of a DAG', {
    parameters: [...dagPath, ...documentQuery.filter((p) => p.name !== 'name')],
    requestBody: dagDocument,
    responses: {
      '200': ok(ref('DagSaveResult'), 'Unchanged'),
      '201': ok(ref('DagSaveResult'), 'New version'),
    },
  }),
  op('deleteDag', 'delete', `${NS}/dags/{name}`, 'dags', 'Delete a DAG (history is kept)', {
    parameters: dagPath,
    responses: { '204': noContent },
  }),
  op('suspendDag', 'post', `${NS}/dags/{name}/suspend`, 'dags', "Suspend a DAG's schedule", {
    parameters: dagPath,
    responses: { '200': ok(ref('DagSummary')) },
  }),
  op('resumeDag', 'post', `${NS}/dags/{name}/resume`, 'dags', "Resume a DAG's schedule", {
    parameters: dagPath,
    responses: { '200': ok(ref('DagSummary')) },
  }),
  op('listDagVersions', 'get', `${NS}/dags/{name}/versions`, 'dags', 'Versions, newest first', {
    parameters: [...dagPath, limit, cursor],
    responses: { '200': ok(page(ref('DagVersionInfo'))) },
  }),
  op(
    'getDagVersion',
    'get',
    `${NS}/dags/{name}/versions/{version}`,
    'dags',
    'One version as JSON, YAML and DSL',
    {
      parameters: [
        ...dagPath,
        { name: 'version', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
      ],
      responses: { '200': ok(ref('DagVersionDetail')) },
    },
  ),
  op('diffDagVersions', 'get', `${NS}/dags/{name}/diff`, 'dags', 'Differences between two versions', {
    parameters: [
      ...dagPath,
      { name: 'from', in: 'query', required: true, schema: { type: 'integer', minimum: 1 } },
      { name: 'to', in: 'query', required: true, schema: { type: 'integer', minimum: 1 } },
    ],
    responses: { '200': ok(ref('DagDiff')) },
  }),
  op(
    'previewDagPlan',
    'get',
    `${NS}/dags/{name}/plan`,
    'dags',
    "Preview a run's plan for a stored DAG (its latest version, or ?version=): levels, critical path, skipped tasks",
    {
      parameters: [
        ...dagPath,
        query('version', { type: 'integer', minimum: 1 }, 'The version to preview; default: the latest'),
        planParam,
      ],
      responses: { '200': ok(ref('PlanPreview')) },
    },
  ),
  op('triggerRun', 'post', `${NS}/dags/{name}/runs`, 'runs', 'Start a run', {
    parameters: dagPath,
    requestBody: body(
      object({
        parameters: {
          type: 'object',
          additionalProperties: { type: 'string', maxLength: 100_000 },
          maxProperties: 200,
        },
        idempotencyKey: { type: 'string', minLength: 1, maxLength: 200 },
        activeDeadlineSeconds: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_RUN_DEADLINE_SECONDS,
          description:
            "This run's deadline in seconds from its start, instead of the DAG's (docs/flow/deadline.md)",
        },
        priority: {
          type: 'integer',
          minimum: -1000000,
          maximum: 1000000,
          description: "Order among queued runs, higher first; default the DAG's priority, else 0",
        },
      }),
      false,
    ),
    responses: { '201': ok(ref('Run'), 'Created (state queued when over a run limit)') },
  }),

  op('listRuns', 'get', `${V1}/runs`, 'runs', 'Runs of every namespace the caller may read, newest first', {
    parameters: [
      query('dag', { type: 'string', maxLength: 253 }, 'Runs of this DAG; needs ?namespace='),
      query('namespace', { type: 'string', maxLength: 63 }),
      query(
        'state',
        {
          type: 'string',
          pattern:
            '^(queued|pending|running|succeeded|failed|canceled)(,(queued|pending|running|succeeded|failed|canceled))*$',
        },
        'Comma-separated states',
      ),
      query('from', { type: 'string', format: 'date-time' }),
      query('to', { type: 'string', format: 'date-time' }),
      limit,
      cursor,
    ],
    responses: { '200': ok(page(ref('Run'))) },
  }),
  op('getRun', 'get', `${NS}/runs/{id}`, 'runs', 'A run with every attempt (404 in another namespace)', {
    parameters: runPath,
    responses: { '200': ok(ref('RunDetail')) },
  }),
  op('cancelRun', 'post', `${NS}/runs/{id}/cancel`, 'runs', 'Cancel a run', {
    parameters: runPath,
    responses: { '200': ok(ref('Run')) },
  }),
  op(
    'retryRun',
    'post',
    `${NS}/runs/{id}/retry`,
    'runs',
    'Retry a failed or canceled run from its failed tasks; queued while a run limit is reached',
    {
      parameters: runPath,
      requestBody: body(object({ latestVersion: { type: 'boolean' } }), false),
      responses: { '200': ok(ref('Run')) },
    },
  ),
  op('getAttemptLogs', 'get', `${NS}/runs/{id}/attempts/{attemptId}/logs`, 'runs', "An attempt's log", {
    parameters: [
      ...runPath,
      attemptIdPath,
      query('tail', { type: 'integer', minimum: 1, maximum: 10_000 }),
      query('afterSeq', { type: 'integer', minimum: 0 }),
      query('limit', { type: 'integer', minimum: 1, maximum: 10_000 }),
      query('download', { type: 'string', enum: ['0', '1', 'true', 'false'] }),
    ],
    responses: {
      '200': {
        description: 'Lines as JSON, or the whole log as text',
        content: { 'application/json': { schema: ref('LogLines') }, 'text/plain': { schema: str } },
      },
      '206': { description: 'A byte range of the text log', content: { 'text/plain': { schema: str } } },
    },
  }),
  op(
    'streamAttemptLogs',
    'get',
    `${NS}/runs/{id}/attempts/{attemptId}/logs/stream`,
    'runs',
    'Follow a log (SSE)',
    {
      parameters: [...runPath, attemptIdPath, query('afterSeq', { type: 'integer', minimum: 0 })],
      responses: { '200': sse },
    },
  ),
  op('listRunDeliveries', 'get', `${NS}/runs/{id}/deliveries`, 'runs', 'Webhook deliveries of a run', {
    parameters: runPath,
    responses: { '200': ok({ type: 'array', items: ref('Delivery') }) },
  }),
  op('redeliver', 'post', `${NS}/deliveries/{id}/redeliver`, 'runs', 'Send a delivery again', {
    parameters: runPath,
    responses: { '202': { description: 'Queued' } },
  }),
  op('streamEvents', 'get', `${V1}/events`, 'events', 'Engine events the caller may see (SSE)', {
    parameters: [
      query('runId', { type: 'string', maxLength: 200 }),
      query('namespace', { type: 'string', maxLength: 63 }),
    ],
    responses: { '200': sse },
  }),

  op('listUsers', 'get', `${V1}/users`, 'admin', 'Users', {
    parameters: [limit, cursor],
    responses: { '200': ok(page(ref('User'))) },
  }),
  op('createUser', 'post', `${V1}/users`, 'admin', 'Create a user', {
    requestBody: body(
      object(
        {
          username: { type: 'string', pattern: '^[A-Za-z0-9._@-]{1,100}$' },
          password: { type: 'string', minLength: 8, maxLength: 1000 },
          roles: grants,
        },
        ['username', 'password'],
      ),
    ),
    responses: { '201': ok(ref('User'), 'Created') },
  }),
  op('updateUser', 'patch', `${V1}/users/{id}`, 'admin', 'Disable or enable a user; replace roles', {
    parameters: [idPath],
    requestBody: body(object({ disabled: { type: 'boolean' }, roles: grants })),
    responses: { '200': ok(ref('User')) },
  }),
  op(
    'resetUserPassword',
    'post',
    `${V1}/users/{id}/password`,
    'admin',
    'Set a password the user must change',
    {
      parameters: [idPath],
      requestBody: body(
        object({ password: { type: 'string', minLength: 8, maxLength: 1000 } }, ['password']),
      ),
      responses: { '204': noContent },
    },
  ),
  op('unlockUser', 'post', `${V1}/users/{id}/unlock`, 'admin', 'Lift the lock of failed logins', {
    parameters: [idPath],
    responses: { '200': ok(ref('User')) },
  }),
  op(
    'listSecrets',
    'get',
    `${V1}/secrets`,
    'admin',
    'Managed secrets: names and change times, never values',
    {
      responses: { '200': ok(ref('SecretList')) },
    },
  ),
  op('setSecret', 'put', `${V1}/secrets/{name}`, 'admin', 'Store or replace a secret (write-only)', {
    parameters: [secretNamePath],
    requestBody: body(object({ value: { type: 'string', maxLength: 65536 } }, ['value'])),
    responses: { '200': ok(ref('SecretEntry')) },
  }),
  op('deleteSecret', 'delete', `${V1}/secrets/{name}`, 'admin', 'Delete a secret', {
    parameters: [secretNamePath],
    responses: { '204': noContent },
  }),
  op('listAudit', 'get', `${V1}/audit`, 'admin', 'The audit log, newest first', {
    parameters: [
      query('actor', { type: 'string', maxLength: 200 }),
      query('action', { type: 'string', maxLength: 200 }),
      limit,
      cursor,
    ],
    responses: { '200': ok(page(ref('AuditEntry'))) },
  }),

  op('getDashboardSummary', 'get', `${V1}/dashboard/summary`, 'dashboard', dashboardSummary, {
    parameters: [
      dashboardNamespace,
      query('days', { type: 'integer', minimum: 1, maximum: 90, default: 14 }, 'Days in the daily chart'),
    ],
    responses: { '200': ok(ref('DashboardSummary')) },
  }),
  op(
    'getDashboardTasks',
    'get',
    `${V1}/dashboard/tasks`,
    'dashboard',
    'The slowest and the most failing tasks',
    {
      parameters: [
        dashboardNamespace,
        query('window', { type: 'string', enum: ['24h', '7d'], default: '7d' }),
        query('limit', { type: 'integer', minimum: 1, maximum: 100, default: 10 }),
      ],
      responses: { '200': ok(ref('DashboardTasks')) },
    },
  ),
  op(
    'getDashboardQueue',
    'get',
    `${V1}/dashboard/queue`,
    'dashboard',
    'Runs waiting to start and upcoming scheduled runs',
    {
      parameters: [
        dashboardNamespace,
        query('limit', { type: 'integer', minimum: 1, maximum: 200, default: 20 }),
      ],
      responses: { '200': ok(ref('DashboardQueue')) },
    },
  ),
  ...TRIGGER_OPERATIONS,
  ...BACKFILL_OPERATIONS,
  ...DAG_TASK_OPERATIONS,
  ...TASK_ACTION_OPERATIONS,
  ...APPROVAL_OPERATIONS,
  ...LIMIT_OPERATIONS,
];

/** `/api/v1/namespaces/{namespace}/dags/{name}` → `/api/v1/namespaces/:namespace/dags/:name` */
export const expressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');
