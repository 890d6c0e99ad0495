/**
 * The task-level actions of a run (issue 17, docs/task-actions.md): rerun a task, with or without its
 * downstream tasks, and mark a task succeeded or failed. Appended to `OPERATIONS`.
 */
import type { OperationDef } from './operations.js';
import type { JsonSchema } from './schemas.js';
import { json, namespaceParam, ok, path, problem, ref } from './builders.js';

const NS = '/api/v1/namespaces/{namespace}';
const taskPath = [
  namespaceParam,
  path('id', { type: 'string', minLength: 1, maxLength: 200 }),
  path('task', { type: 'string', minLength: 1, maxLength: 253 }),
];

/** What both actions answer: the run after the action was planned, and the attempts it created or settled. */
const result: JsonSchema = {
  type: 'object',
  properties: {
    run: ref('Run'),
    attempts: { type: 'array', items: ref('Attempt') },
  },
  required: ['run', 'attempts'],
  additionalProperties: false,
};

const refused = problem(
  'TASK_ACTION_REFUSED: the run is pending or being canceled, the task (or one below it, or an exit handler) is ready or running, the task has not run yet, is an exit handler, or already has that state',
);

export const TASK_ACTION_OPERATIONS: readonly OperationDef[] = [
  {
    operationId: 'rerunTask',
    method: 'post',
    path: `${NS}/runs/{id}/tasks/{task}/rerun`,
    tag: 'runs',
    summary:
      'Run one task of a running or finished run again, with downstream every task below it too (a finished run reopens)',
    secured: true,
    parameters: taskPath,
    requestBody: {
      required: false,
      content: json({
        type: 'object',
        properties: {
          downstream: { type: 'boolean', description: 'Rerun every task below it too. Default false' },
        },
        additionalProperties: false,
      }),
    },
    responses: { '200': ok(result), '409': refused },
  },
  {
    operationId: 'markTask',
    method: 'post',
    path: `${NS}/runs/{id}/tasks/{task}/mark`,
    tag: 'runs',
    summary:
      'Record a task as succeeded or failed without running it, so that its downstream proceeds or stops',
    secured: true,
    parameters: taskPath,
    requestBody: {
      required: true,
      content: json({
        type: 'object',
        properties: {
          state: {
            type: 'string',
            enum: ['succeeded', 'failed', 'Succeeded', 'Failed'],
            description:
              'The outcome to record (attempt states are lowercase; the capitalised forms are accepted)',
          },
          reason: { type: 'string', minLength: 1, maxLength: 1000, description: 'Why, for the record' },
        },
        required: ['state'],
        additionalProperties: false,
      }),
    },
    responses: { '200': ok(result), '409': refused },
  },
];
