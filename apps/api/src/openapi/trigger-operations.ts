/**
 * The inbound trigger operations (issue 17): management per DAG, and the public hook that starts runs.
 * Appended to `OPERATIONS` by operations.ts; their component schemas are in `triggerSchemas()`.
 */
import type { OperationDef } from './operations.js';
import type { JsonSchema } from './schemas.js';
import { dagPathParams, json, K8S_NAME, ok, path, problem, ref } from './builders.js';

const dagPath = dagPathParams;
const triggerPath = [...dagPath, path('trigger', K8S_NAME)];
const TRIGGERS = '/api/v1/namespaces/{namespace}/dags/{name}/triggers';

export const TRIGGER_OPERATIONS: readonly OperationDef[] = [
  {
    operationId: 'listTriggers',
    method: 'get',
    path: TRIGGERS,
    tag: 'triggers',
    summary: "A DAG's inbound triggers (secrets are never shown again)",
    secured: true,
    parameters: dagPath,
    responses: {
      '200': ok({
        type: 'object',
        properties: { items: { type: 'array', items: ref('Trigger') } },
        required: ['items'],
        additionalProperties: false,
      }),
    },
  },
  {
    operationId: 'createTrigger',
    method: 'post',
    path: TRIGGERS,
    tag: 'triggers',
    summary: 'Create a signed trigger endpoint; the answer holds its secret, shown this once',
    secured: true,
    parameters: dagPath,
    requestBody: {
      required: true,
      content: json({
        type: 'object',
        properties: {
          name: { ...K8S_NAME, description: 'Unique in the DAG' },
          mapping: {
            type: 'object',
            maxProperties: 200,
            additionalProperties: { type: 'string', maxLength: 1000 },
            description: 'Run parameter name → JSON Pointer into the request body ("" is the whole body)',
          },
          toleranceSeconds: { type: 'integer', minimum: 1, maximum: 3600, description: 'Default 300' },
          ratePerMinute: { type: 'integer', minimum: 1, maximum: 100000, description: 'Default 60' },
        },
        required: ['name'],
        additionalProperties: false,
      }),
    },
    responses: {
      '201': ok(ref('TriggerWithSecret'), 'Created'),
      '409': problem('The DAG already has a trigger of that name'),
    },
  },
  {
    operationId: 'rotateTriggerSecret',
    method: 'post',
    path: `${TRIGGERS}/{trigger}/rotate`,
    tag: 'triggers',
    summary: 'Make a new secret; the previous one stays valid until the next rotation unless revoked',
    secured: true,
    parameters: triggerPath,
    requestBody: {
      required: false,
      content: json({
        type: 'object',
        properties: {
          revokePrevious: { type: 'boolean', description: 'Refuse the previous secret at once' },
        },
        additionalProperties: false,
      }),
    },
    responses: { '200': ok(ref('TriggerWithSecret')) },
  },
  {
    operationId: 'deleteTrigger',
    method: 'delete',
    path: `${TRIGGERS}/{trigger}`,
    tag: 'triggers',
    summary: 'Delete a trigger (its URL answers 404 from then on)',
    secured: true,
    parameters: triggerPath,
    responses: { '204': { description: 'No content' } },
  },
  {
    operationId: 'receiveHook',
    method: 'post',
    path: '/api/v1/hooks/{id}',
    tag: 'triggers',
    summary:
      "Start a run: a JSON body signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature) with the trigger's secret",
    secured: false,
    parameters: [
      path('id', { type: 'string', minLength: 1, maxLength: 100 }),
      {
        name: 'webhook-id',
        in: 'header',
        required: false,
        schema: { type: 'string', minLength: 1, maxLength: 256 },
      },
      { name: 'webhook-timestamp', in: 'header', required: false, schema: { type: 'string', maxLength: 20 } },
      {
        name: 'webhook-signature',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: 2000 },
      },
    ],
    requestBody: {
      required: true,
      content: json({ description: 'Any JSON; the trigger maps it to parameters' }),
    },
    responses: {
      '202': ok(
        {
          type: 'object',
          properties: {
            runId: { type: 'string' },
            namespace: { type: 'string' },
            dagName: { type: 'string' },
          },
          required: ['runId'],
          additionalProperties: false,
        },
        'Accepted: the run is created',
      ),
      '401': problem('Missing or invalid signature, or a timestamp outside the tolerance'),
      '409': problem('A replayed message id, or the DAG of the trigger is gone'),
      '422': problem('The body does not give the run its parameters (the problem names each pointer)'),
      '429': problem("Over the trigger's rate limit (Retry-After says when to try again)"),
    },
  },
];

const time: JsonSchema = { type: 'string', format: 'date-time' };

export function triggerSchemas(): Record<string, JsonSchema> {
  const trigger = {
    id: { type: 'string' },
    name: { type: 'string' },
    namespace: { type: 'string' },
    dagName: { type: 'string' },
    url: { type: 'string', description: 'Where to POST, relative to the API' },
    mapping: { type: 'object', additionalProperties: { type: 'string' } },
    toleranceSeconds: { type: 'integer' },
    ratePerMinute: { type: 'integer' },
    secrets: {
      type: 'array',
      description: 'The valid secrets, newest first: only their first characters',
      items: {
        type: 'object',
        properties: { hint: { type: 'string' }, createdAt: time },
        required: ['hint', 'createdAt'],
        additionalProperties: false,
      },
    },
    createdAt: time,
    updatedAt: time,
    createdBy: { type: ['string', 'null'] },
  };
  const required = Object.keys(trigger);
  return {
    Trigger: { type: 'object', properties: trigger, required, additionalProperties: false },
    TriggerWithSecret: {
      type: 'object',
      properties: {
        ...trigger,
        secret: { type: 'string', description: 'whsec_…: shown only in this answer' },
      },
      required: [...required, 'secret'],
      additionalProperties: false,
    },
  };
}
