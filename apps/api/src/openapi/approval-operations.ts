/** The approval task operations (issue 17, docs/approval.md), appended to `OPERATIONS`. */
import type { OperationDef } from './operations.js';
import { json, namespaceParam, ok, path, problem, ref } from './builders.js';

const NS = '/api/v1/namespaces/{namespace}';
const taskPath = [
  namespaceParam,
  path('id', { type: 'string', minLength: 1, maxLength: 200 }),
  path('task', { type: 'string', minLength: 1, maxLength: 253 }),
];

const decision = (operationId: 'approveTask' | 'rejectTask', verb: 'Approve' | 'Reject'): OperationDef => ({
  operationId,
  method: 'post',
  path: `${NS}/runs/{id}/tasks/{task}/${verb.toLowerCase()}`,
  tag: 'runs',
  summary: `${verb} an approval task that awaits a decision (its approvers, else editor)`,
  secured: true,
  parameters: taskPath,
  requestBody: {
    required: false,
    content: json({
      type: 'object',
      properties: {
        comment: { type: 'string', maxLength: 2000, description: 'Why; kept with the decision and audited' },
      },
      additionalProperties: false,
    }),
  },
  responses: {
    '200': ok(ref('ApprovalDecision'), 'Decided; the run has planned what follows'),
    '403': problem('The caller holds none of the roles that may decide this task'),
    '404': problem('No such run, or the task is not an approval task of it'),
    '409': problem('The task is not waiting for a decision (APPROVAL_NOT_PENDING)'),
  },
});

export const APPROVAL_OPERATIONS: readonly OperationDef[] = [
  decision('approveTask', 'Approve'),
  decision('rejectTask', 'Reject'),
];
