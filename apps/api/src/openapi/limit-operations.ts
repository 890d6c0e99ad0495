/** The run-limit operations (issue 17), appended to `OPERATIONS`; schemas in `limitSchemas()`. */
import type { OperationDef } from './operations.js';
import type { JsonSchema } from './schemas.js';
import { json, namespaceParam, ok, problem, ref } from './builders.js';

const PATH = '/api/v1/namespaces/{namespace}/limits';
const maxActiveRuns: JsonSchema = {
  type: ['integer', 'null'],
  minimum: 1,
  maximum: 100000,
  description: 'Most runs of the namespace pending or running at once; null: no limit',
};

export const LIMIT_OPERATIONS: readonly OperationDef[] = [
  {
    operationId: 'getNamespaceLimits',
    method: 'get',
    path: PATH,
    tag: 'limits',
    summary: "The namespace's run limit and how many runs are queued",
    secured: true,
    parameters: [namespaceParam],
    responses: { '200': ok(ref('NamespaceLimits')) },
  },
  {
    operationId: 'putNamespaceLimits',
    method: 'put',
    path: PATH,
    tag: 'limits',
    summary: "Set the namespace's run limit (admin); queued runs that now fit start at once",
    secured: true,
    parameters: [namespaceParam],
    requestBody: {
      required: true,
      content: json({
        type: 'object',
        properties: { maxActiveRuns },
        required: ['maxActiveRuns'],
        additionalProperties: false,
      }),
    },
    responses: {
      '200': ok(ref('NamespaceLimits')),
      '400': problem('The body is not a limit'),
    },
  },
];

export function limitSchemas(): Record<string, JsonSchema> {
  const properties: Record<string, JsonSchema> = {
    namespace: { type: 'string' },
    maxActiveRuns,
    queued: { type: 'integer', minimum: 0, description: 'Runs of the namespace waiting for a slot' },
    active: { type: 'integer', minimum: 0, description: 'Runs of the namespace pending or running' },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
    updatedBy: { type: ['string', 'null'] },
  };
  return {
    NamespaceLimits: {
      type: 'object',
      properties,
      required: Object.keys(properties),
      additionalProperties: false,
    },
  };
}
