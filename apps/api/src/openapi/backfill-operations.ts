/** The backfill operations (issue 17), appended to `OPERATIONS`; schemas in `backfillSchemas()`. */
import type { OperationDef } from './operations.js';
import type { JsonSchema } from './schemas.js';
import { dagPathParams, json, namespaceParam, ok, path, problem, ref } from './builders.js';

const dagPath = dagPathParams;
const backfillPath = [namespaceParam, path('id', { type: 'string', minLength: 1, maxLength: 200 })];
const time: JsonSchema = { type: 'string', format: 'date-time' };
const NS = '/api/v1/namespaces/{namespace}';

export const BACKFILL_OPERATIONS: readonly OperationDef[] = [
  {
    operationId: 'createBackfill',
    method: 'post',
    path: `${NS}/dags/{name}/backfills`,
    tag: 'backfills',
    summary: 'Create the runs of every cron tick in [from, to), at most maxActiveRuns at once',
    secured: true,
    parameters: dagPath,
    requestBody: {
      required: true,
      content: json({
        type: 'object',
        properties: {
          from: { ...time, description: 'Inclusive start' },
          to: { ...time, description: 'Exclusive end' },
          maxActiveRuns: { type: 'integer', minimum: 1, maximum: 100, description: 'Default 1' },
        },
        required: ['from', 'to'],
        additionalProperties: false,
      }),
    },
    responses: {
      '201': ok(ref('Backfill'), 'Created; its first runs are made'),
      '409': problem('The DAG has no schedule'),
      '422': problem('The range holds no tick, or more than 10000'),
    },
  },
  {
    operationId: 'listBackfills',
    method: 'get',
    path: `${NS}/dags/{name}/backfills`,
    tag: 'backfills',
    summary: "A DAG's backfills, newest first, with their progress",
    secured: true,
    parameters: [
      ...dagPath,
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
    ],
    responses: {
      '200': ok({
        type: 'object',
        properties: { items: { type: 'array', items: ref('Backfill') } },
        required: ['items'],
        additionalProperties: false,
      }),
    },
  },
  {
    operationId: 'getBackfill',
    method: 'get',
    path: `${NS}/backfills/{id}`,
    tag: 'backfills',
    summary: 'A backfill and its progress (done / total)',
    secured: true,
    parameters: backfillPath,
    responses: { '200': ok(ref('Backfill')) },
  },
  {
    operationId: 'cancelBackfill',
    method: 'post',
    path: `${NS}/backfills/{id}/cancel`,
    tag: 'backfills',
    summary: 'Cancel a backfill as a whole: no further ticks, and its active runs are canceled',
    secured: true,
    parameters: backfillPath,
    responses: { '200': ok(ref('Backfill')) },
  },
];

export function backfillSchemas(): Record<string, JsonSchema> {
  const properties: Record<string, JsonSchema> = {
    id: { type: 'string' },
    namespace: { type: 'string' },
    dagName: { type: 'string' },
    from: time,
    to: time,
    schedule: { type: 'string' },
    timezone: { type: ['string', 'null'] },
    maxActiveRuns: { type: 'integer' },
    state: { type: 'string', enum: ['running', 'completed', 'canceled'] },
    total: { type: 'integer', description: 'Ticks in the range' },
    submitted: { type: 'integer', description: 'Ticks whose run is made (or was already there)' },
    done: { type: 'integer', description: 'Ticks whose run has finished' },
    failed: { type: 'integer', description: 'Of done, the runs that did not succeed' },
    active: { type: 'integer', description: 'Runs of the backfill still active' },
    nextTick: { type: ['string', 'null'], format: 'date-time' },
    createdAt: time,
    updatedAt: time,
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
    createdBy: { type: ['string', 'null'] },
  };
  return {
    Backfill: { type: 'object', properties, required: Object.keys(properties), additionalProperties: false },
  };
}
