/**
 * JSON Schema components of the OpenAPI document. `DagSpec` and its parts come from core's TypeBox schema
 * (the one source of the DAG shape); the rest describe the API's own answers.
 */
import { ATTEMPT_STATES, FAILURE_KINDS, RUN_STATES, dagSchema } from '@kontroler/core';
import { backfillSchemas } from './backfill-operations.js';
import { limitSchemas } from './limit-operations.js';
import { dagTaskSchemas } from './dag-task-operations.js';
import { triggerSchemas } from './trigger-operations.js';

export type JsonSchema = Record<string, unknown>;

/** TypeBox schemas carry symbols, `$id`s and defaults; components want plain, default-free JSON Schema. */
function plain(schema: unknown): JsonSchema {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$id' || key === 'default') continue;
      out[key] = strip(inner);
    }
    return out;
  };
  return strip(JSON.parse(JSON.stringify(schema))) as JsonSchema;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const str: JsonSchema = { type: 'string' };
const int: JsonSchema = { type: 'integer' };
const bool: JsonSchema = { type: 'boolean' };
const time: JsonSchema = { type: 'string', format: 'date-time' };
const nullable = (schema: JsonSchema): JsonSchema => {
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  return { oneOf: [schema, { type: 'null' }] };
};
const obj = (properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  additionalProperties: false,
});
const array = (items: JsonSchema): JsonSchema => ({ type: 'array', items });
export const page = (item: JsonSchema): JsonSchema => obj({ items: array(item), nextCursor: nullable(str) });

const RUN_STATE = [...RUN_STATES];
const ATTEMPT_STATE = [...ATTEMPT_STATES];
const ROLE: JsonSchema = { type: 'string', enum: ['admin', 'editor', 'viewer'] };

const tokenInfo = {
  id: str,
  name: str,
  prefix: str,
  role: nullable(ROLE),
  namespace: nullable(str),
  expiresAt: nullable(time),
  lastUsedAt: nullable(time),
  createdAt: time,
  revokedAt: nullable(time),
  userId: str,
  /** The owner's username. */
  username: str,
};

const dagVersionInfo = {
  version: int,
  hash: str,
  createdAt: time,
  createdBy: nullable(str),
};

export function componentSchemas(): Record<string, JsonSchema> {
  return withOptionalFlowFields({
    DagSpec: plain(dagSchema),
    Problem: obj(
      {
        type: str,
        title: str,
        status: int,
        detail: str,
        code: str,
        errors: array(
          obj({ path: str, message: str, code: str, task: str, pointer: str, line: int, column: int }, [
            'task',
            'pointer',
            'line',
            'column',
          ]),
        ),
      },
      ['errors'],
    ),
    Grant: obj({ role: ROLE, namespace: nullable(str) }),
    User: obj({
      id: str,
      username: str,
      roles: array(ref('Grant')),
      disabled: bool,
      mustChangePassword: bool,
      /** Set while failed logins keep this username locked (an admin can unlock it). */
      lockedUntil: nullable(time),
      createdAt: time,
    }),
    Session: obj({ accessToken: str, refreshToken: str, expiresIn: int, user: ref('User') }),
    TokenInfo: obj(tokenInfo),
    CreatedToken: obj({ ...tokenInfo, token: str }),
    DagSummary: obj({
      name: str,
      namespace: str,
      latestVersion: int,
      suspended: bool,
      schedule: nullable(str),
      description: nullable(str),
      taskCount: int,
      lastRun: nullable(obj({ id: str, state: { type: 'string', enum: RUN_STATE }, createdAt: time })),
      nextRunAt: nullable(time),
      updatedAt: time,
    }),
    DagVersionInfo: obj(dagVersionInfo),
    DagVersionWithSpec: obj({ ...dagVersionInfo, spec: ref('DagSpec') }),
    DagVersionDetail: obj({ ...dagVersionInfo, spec: ref('DagSpec'), yaml: str, dsl: str }),
    DagSaveResult: obj({
      dag: ref('DagSummary'),
      version: ref('DagVersionInfo'),
      created: bool,
      warnings: array(ref('DagIssue')),
    }),
    DagDetail: obj({ dag: ref('DagSummary'), version: ref('DagVersionWithSpec'), nextRuns: array(time) }),
    // `path` is into the DagSpec; `pointer`, `line` and `column` into the document as sent (YAML, DSL, JSON).
    DagIssue: obj(
      {
        path: str,
        message: str,
        code: str,
        task: str,
        pointer: str,
        line: int,
        column: int,
        cycle: array(str),
      },
      ['task', 'pointer', 'line', 'column', 'cycle'],
    ),
    // A plan preview (core's `previewPlan`): levels, the critical path, what each task is expected to do.
    PlanPreview: obj(
      {
        version: int,
        dag: str,
        namespace: str,
        parameters: array(
          obj({
            name: str,
            value: { type: 'object', description: '{value} or {fromSecret}' },
            source: { type: 'string', enum: ['given', 'default'] },
          }),
        ),
        problems: array(obj({ name: str, reason: { type: 'string', enum: ['unknown'] }, message: str })),
        levels: array(array(str)),
        criticalPath: obj({ tasks: array(str), weight: { type: 'number' } }),
        tasks: array(
          obj(
            {
              name: str,
              level: int,
              runAfter: array(str),
              outcome: { type: 'string', enum: ['run', 'skip', 'maybe'] },
              reason: str,
              message: str,
              condition: {
                type: 'object',
                description: '{kind: always|true|false|unknown, expression?, reason?}',
              },
              onCriticalPath: bool,
              weight: { type: 'number' },
            },
            ['reason', 'message'],
          ),
        ),
      },
      ['version', 'namespace'],
    ),
    PlanPreviewResult: obj(
      {
        ok: bool,
        errors: array(ref('DagIssue')),
        warnings: array(ref('DagIssue')),
        plan: ref('PlanPreview'),
      },
      ['plan'],
    ),
    ValidationResult: obj({
      ok: bool,
      errors: array(ref('DagIssue')),
      warnings: array(ref('DagIssue')),
      order: array(str),
      levels: array(array(str)),
    }),
    DagDiff: obj({
      from: int,
      to: int,
      changes: array(
        obj(
          {
            path: str,
            kind: { type: 'string', enum: ['added', 'removed', 'changed'] },
            before: {},
            after: {},
          },
          ['before', 'after'],
        ),
      ),
      unified: str,
    }),
    Run: obj({
      id: str,
      dagName: str,
      namespace: str,
      dagVersion: int,
      state: { type: 'string', enum: RUN_STATE },
      trigger: str,
      parameters: {
        type: 'object',
        additionalProperties: { oneOf: [str, obj({ fromSecret: str })] },
      },
      createdAt: time,
      startedAt: nullable(time),
      finishedAt: nullable(time),
      reason: nullable(str),
      durationMs: nullable(int),
      cancelRequested: bool,
      activeDeadlineSeconds: {
        ...nullable(int),
        description:
          "The run's own deadline in seconds (set on submit); null when the DAG's, or none, applies",
      },
      priority: int,
      queuePosition: {
        type: ['integer', 'null'],
        minimum: 1,
        description: 'For a queued run: 1 for the next run of its DAG to start (docs/run-limits.md)',
      },
    }),
    Attempt: obj(
      {
        id: str,
        taskName: str,
        attempt: int,
        state: { type: 'string', enum: ATTEMPT_STATE },
        exitCode: nullable(int),
        reason: nullable(str),
        message: nullable(str),
        failureKind: {
          type: ['string', 'null'],
          enum: [...FAILURE_KINDS, null],
          description: 'For a failed attempt: exit, start, infra or transient (what retryPolicy decides by)',
        },
        createdAt: time,
        startedAt: nullable(time),
        finishedAt: nullable(time),
        durationMs: nullable(int),
        decidedBy: { ...str, description: 'An approval task decided by a person: who (docs/approval.md)' },
        outputs: {
          type: ['object', 'null'],
          additionalProperties: true,
          description:
            "The task's named outputs (JSON values) of a succeeded attempt; for a forEach task, each output's list of its instances' values in item order (docs/flow/outputs.md)",
        },
        instance: {
          ...nullable(obj({ of: str, index: int, item: {} }, ['item'])),
          description:
            'For a forEach instance `task[i]`: its task, index and item (in run detail, when the list can be read); null for other attempts',
        },
      },
      ['decidedBy'],
    ),
    RunDetail: obj({
      run: ref('Run'),
      attempts: array(ref('Attempt')),
      tasks: array(
        obj(
          {
            name: str,
            runAfter: array(str),
            approval: obj({
              message: nullable(str),
              approvers: array(ROLE),
              timeoutSeconds: int,
              onTimeout: { type: 'string', enum: ['approve', 'reject'] },
              canDecide: { type: 'boolean', description: 'Whether the caller may approve or reject it' },
            }),
          },
          ['approval'],
        ),
      ),
      /** What the run's DAG version gets on this server (IMAGE_IGNORED under the process runtime). */
      warnings: array(ref('DagIssue')),
      /** The deadline that applies (docs/flow/deadline.md): the run's own, else the DAG's; null: none. */
      deadline: nullable(
        obj({ seconds: int, source: { type: 'string', enum: ['run', 'dag'] }, at: nullable(time) }),
      ),
    }),
    ApprovalDecision: obj({ run: ref('Run'), attempt: ref('Attempt') }),
    ServerInfo: obj({
      runtime: obj({ name: str, runsImages: bool }),
      secrets: obj({ managed: bool }),
    }),
    SecretEntry: obj({ name: str, updatedAt: time }),
    SecretList: obj({ items: array(ref('SecretEntry')), store: str }),
    LogLines: obj({
      lines: array(
        obj({
          seq: int,
          ts: time,
          stream: { type: 'string', enum: ['stdout', 'stderr', 'system'] },
          line: str,
        }),
      ),
    }),
    Delivery: obj({
      id: str,
      topic: str,
      status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
      attempts: int,
      lastError: nullable(str),
      createdAt: time,
      deliveredAt: nullable(time),
      payload: { type: 'object' },
      history: array(
        obj({
          attempt: int,
          at: time,
          ok: bool,
          statusCode: nullable(int),
          error: nullable(str),
          durationMs: int,
        }),
      ),
    }),
    ...dashboardSchemas(),
    AuditEntry: obj({
      id: str,
      at: time,
      actor: str,
      action: str,
      target: nullable(str),
      ip: nullable(str),
      details: nullable({ type: 'object' }),
    }),
    ...triggerSchemas(),
    ...backfillSchemas(),
    ...limitSchemas(),
    ...dagTaskSchemas(),
  });
}

/** The dashboard's answers (`/api/v1/dashboard/*`). */
function dashboardSchemas(): Record<string, JsonSchema> {
  const count = { type: 'integer', minimum: 0 };
  const counts = { succeeded: count, failed: count, canceled: count };
  const ms = nullable({ type: 'integer', minimum: 0 });
  const windowStats = obj({
    ...counts,
    successRate: {
      type: ['number', 'null'],
      minimum: 0,
      maximum: 1,
      description: 'succeeded / (succeeded + failed)',
    },
    p50Ms: ms,
    p95Ms: ms,
  });
  const task = obj({
    namespace: str,
    dagName: str,
    taskName: str,
    succeeded: count,
    failed: count,
    meanDurationMs: ms,
  });
  return {
    DashboardSummary: obj({
      generatedAt: time,
      active: {
        type: 'object',
        description: 'Runs not finished, by state',
        additionalProperties: count,
      },
      finished24h: obj(counts),
      dags: array(obj({ namespace: str, name: str, last24h: windowStats, last7d: windowStats })),
      daily: array(obj({ day: { type: 'string', format: 'date' }, ...counts })),
    }),
    DashboardTasks: obj({
      window: { type: 'string', enum: ['24h', '7d'] },
      slowest: array(task),
      failing: array(task),
    }),
    DashboardQueue: obj({
      queued: array(obj({ position: { type: 'integer', minimum: 1 }, run: ref('Run') })),
      upcoming: array(obj({ namespace: str, dagName: str, schedule: str, at: time })),
    }),
  };
}

export const schemaRef = ref;

/**
 * Fields added with data and control flow (docs/flow/), per component: always sent, yet not `required`, so
 * that clients typed from an earlier document (objects they build in tests, older consoles) keep compiling.
 */
const FLOW_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Run: ['activeDeadlineSeconds'],
  Attempt: ['outputs', 'instance'],
  RunDetail: ['deadline'],
};

function withOptionalFlowFields(schemas: Record<string, JsonSchema>): Record<string, JsonSchema> {
  for (const [name, fields] of Object.entries(FLOW_FIELDS)) {
    const schema = schemas[name];
    if (schema === undefined || !Array.isArray(schema.required)) continue;
    schemas[name] = { ...schema, required: schema.required.filter((f) => !fields.includes(String(f))) };
  }
  return schemas;
}
