/** The shared task (DagTask) operations (issue 17), appended to `OPERATIONS`; schemas in `dagTaskSchemas()`. */
import type { OperationDef, ParameterDef } from './operations.js';
import type { JsonSchema } from './schemas.js';
import { json, K8S_NAME, namespaceParam, ok, path, problem, ref } from './builders.js';

const taskPath = [namespaceParam, path('name', K8S_NAME)];
const versionQuery = (name: string): ParameterDef => ({
  name,
  in: 'query',
  required: true,
  schema: { type: 'integer', minimum: 1 },
});
const TASKS = '/api/v1/namespaces/{namespace}/tasks';
const items = (schema: JsonSchema): JsonSchema => ({
  type: 'object',
  properties: { items: { type: 'array', items: schema } },
  required: ['items'],
  additionalProperties: false,
});

export const DAG_TASK_OPERATIONS: readonly OperationDef[] = [
  {
    operationId: 'listDagTasks',
    method: 'get',
    path: TASKS,
    tag: 'tasks',
    summary: "A namespace's shared tasks, by name",
    secured: true,
    parameters: [namespaceParam],
    responses: { '200': ok(items(ref('DagTask'))) },
  },
  {
    operationId: 'putDagTask',
    method: 'put',
    path: `${TASKS}/{name}`,
    tag: 'tasks',
    summary: 'Save a shared task: a new version when the spec is new, the recorded one when it is not',
    secured: true,
    parameters: taskPath,
    requestBody: {
      required: true,
      content: json({
        type: 'object',
        description: 'The task fields of a DAG task (components.schemas.DagSpec tasks), checked by core',
      }),
    },
    responses: {
      '200': ok(ref('DagTaskSaved'), 'Unchanged: the version with this spec'),
      '201': ok(ref('DagTaskSaved'), 'A new version'),
      '422': problem('The task is not valid (each issue names its field)'),
    },
  },
  {
    operationId: 'getDagTask',
    method: 'get',
    path: `${TASKS}/{name}`,
    tag: 'tasks',
    summary: 'A shared task, its latest version and the DAGs that use it',
    secured: true,
    parameters: taskPath,
    responses: {
      '200': ok({
        type: 'object',
        properties: {
          task: ref('DagTask'),
          version: ref('DagTaskVersion'),
          usedBy: { type: 'array', items: ref('DagTaskUser') },
        },
        required: ['task', 'version', 'usedBy'],
        additionalProperties: false,
      }),
    },
  },
  {
    operationId: 'listDagTaskVersions',
    method: 'get',
    path: `${TASKS}/{name}/versions`,
    tag: 'tasks',
    summary: 'Every version of a shared task, newest first',
    secured: true,
    parameters: taskPath,
    responses: { '200': ok(items(ref('DagTaskVersion'))) },
  },
  {
    operationId: 'getDagTaskVersion',
    method: 'get',
    path: `${TASKS}/{name}/versions/{version}`,
    tag: 'tasks',
    summary: 'One version of a shared task',
    secured: true,
    parameters: [...taskPath, path('version', { type: 'integer', minimum: 1 })],
    responses: { '200': ok(ref('DagTaskVersion')) },
  },
  {
    operationId: 'diffDagTaskVersions',
    method: 'get',
    path: `${TASKS}/{name}/diff`,
    tag: 'tasks',
    summary: 'What changed between two versions of a shared task (JSON Pointer paths)',
    secured: true,
    parameters: [...taskPath, versionQuery('from'), versionQuery('to')],
    responses: {
      '200': ok({
        type: 'object',
        properties: {
          from: { type: 'integer' },
          to: { type: 'integer' },
          changes: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                path: { type: 'string' },
                kind: { type: 'string', enum: ['added', 'removed', 'changed'] },
                before: {},
                after: {},
              },
              required: ['path', 'kind'],
            },
          },
        },
        required: ['from', 'to', 'changes'],
        additionalProperties: false,
      }),
    },
  },
  {
    operationId: 'deleteDagTask',
    method: 'delete',
    path: `${TASKS}/{name}`,
    tag: 'tasks',
    summary: 'Delete a shared task and its versions; refused while a DAG uses it',
    secured: true,
    parameters: taskPath,
    responses: {
      '204': { description: 'No content' },
      '409': problem('DAGs use it: `errors` lists each one (`/dags/<name>`) and its tasks'),
    },
  },
];

export function dagTaskSchemas(): Record<string, JsonSchema> {
  const time: JsonSchema = { type: 'string', format: 'date-time' };
  const object = (properties: Record<string, JsonSchema>): JsonSchema => ({
    type: 'object',
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  });
  return {
    DagTask: object({
      namespace: { type: 'string' },
      name: { type: 'string' },
      latestVersion: { type: 'integer' },
      createdAt: time,
      updatedAt: time,
    }),
    DagTaskVersion: object({
      version: { type: 'integer' },
      hash: { type: 'string' },
      spec: { type: 'object', description: 'The task fields (no name, runAfter or taskRef)' },
      createdAt: time,
      createdBy: { type: ['string', 'null'] },
    }),
    DagTaskSaved: object({
      task: ref('DagTask'),
      version: ref('DagTaskVersion'),
      created: { type: 'boolean' },
    }),
    DagTaskUser: object({
      dag: { type: 'string' },
      version: { type: 'integer' },
      tasks: { type: 'array', items: { type: 'string' } },
    }),
  };
}
