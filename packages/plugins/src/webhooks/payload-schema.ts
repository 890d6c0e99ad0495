/**
 * The JSON body of every webhook delivery, as a JSON Schema (draft-07, ajv's default) and its TypeScript type.
 *
 * Kontroler's receivers parse `{type: 'taskrun', status, dagRunId, taskName, taskId}`; those fields keep their
 * names and meaning here. Two differences: `dagRunId` and `taskId` are strings (run and attempt ids), not
 * integers, and `status` has `canceled` for runs. Everything else is added.
 */
import { APPROVER_ROLES, type ApproverRole } from '@kontroler/core';

/** Engine events that become webhooks. */
export const WEBHOOK_EVENTS = [
  'task.succeeded',
  'task.failed',
  'task.retrying',
  'run.finished',
  'task.awaitingApproval',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

const nullableTime = {
  type: ['string', 'null'],
  format: 'date-time',
  description: 'ISO 8601 UTC, or null when it has not happened',
} as const;

export const webhookPayloadSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://kontroler.dev/schemas/webhook-payload.json',
  title: 'Kontroler webhook payload',
  type: 'object',
  required: [
    'specVersion',
    'type',
    'event',
    'status',
    'dagRunId',
    'runId',
    'dagName',
    'dagVersion',
    'namespace',
    'occurredAt',
  ],
  properties: {
    specVersion: { const: 1, description: 'Bumped only for incompatible changes' },
    type: {
      enum: ['taskrun', 'dagrun'],
      description: "Kontroler's field: 'taskrun' for task events, 'dagrun' for run.finished",
    },
    event: { enum: [...WEBHOOK_EVENTS], description: 'The engine event this delivery reports' },
    status: {
      enum: ['success', 'failed', 'pending', 'canceled'],
      description:
        "Kontroler's field: task.succeeded → success, task.failed → failed, task.retrying → pending (a new attempt waits), task.awaitingApproval → pending (a person must decide); for runs the final state (success, failed, canceled)",
    },
    dagRunId: { type: 'string', minLength: 1, description: "Kontroler's field: the run id (same as runId)" },
    taskName: { type: 'string', minLength: 1, description: "Kontroler's field (task events only)" },
    taskId: {
      type: 'string',
      minLength: 1,
      description: "Kontroler's field: the attempt id (task events only)",
    },
    runId: { type: 'string', minLength: 1 },
    dagName: { type: 'string', minLength: 1 },
    dagVersion: { type: 'integer', minimum: 1 },
    namespace: { type: 'string' },
    occurredAt: { type: 'string', format: 'date-time', description: 'When the reported change happened' },
    attempt: { type: 'integer', minimum: 1, description: '1-based attempt number (task events)' },
    exitCode: {
      type: ['integer', 'null'],
      description: 'The exit code, null when there is none (task events)',
    },
    reason: {
      type: ['string', 'null'],
      description: 'Machine-readable reason: Completed, Error, Timeout, Lost…',
    },
    message: { type: ['string', 'null'], description: 'A human explanation' },
    startedAt: nullableTime,
    finishedAt: nullableTime,
    duration: {
      type: ['number', 'null'],
      minimum: 0,
      description: 'Seconds from start to finish, as in Kontroler pod payloads',
    },
    willRetry: { type: 'boolean', description: 'task.failed: whether a retry was scheduled' },
    retryAt: {
      type: 'string',
      format: 'date-time',
      description: 'task.retrying: when the next attempt may start',
    },
    timeoutAt: {
      type: 'string',
      format: 'date-time',
      description: "task.awaitingApproval: when the approval's onTimeout outcome applies",
    },
    approval: {
      type: 'object',
      description: 'task.awaitingApproval: what a person deciding needs, and where to send the decision',
      required: ['message', 'approvers', 'timeoutSeconds', 'onTimeout', 'approvePath', 'rejectPath'],
      properties: {
        message: {
          type: ['string', 'null'],
          description: "The task's approval.message (what the approver is asked), null when it has none",
        },
        approvers: {
          type: 'array',
          items: { enum: [...APPROVER_ROLES] },
          minItems: 1,
          description: "Roles in the run's namespace that may decide (the task's approvers, else editor)",
        },
        timeoutSeconds: { type: 'integer', minimum: 1 },
        onTimeout: {
          enum: ['approve', 'reject'],
          description: 'The outcome when nobody decides by timeoutAt',
        },
        approvePath: {
          type: 'string',
          description:
            "POST here (relative to the API's base URL, with a token of an approver) to approve; body {comment?}",
        },
        rejectPath: { type: 'string', description: 'POST here to reject' },
      },
      additionalProperties: false,
    },

    run: {
      type: 'object',
      description: 'run.finished: the run as it ended',
      required: ['state', 'reason', 'trigger', 'createdAt', 'startedAt', 'finishedAt'],
      properties: {
        state: { enum: ['succeeded', 'failed', 'canceled'] },
        reason: { type: ['string', 'null'] },
        trigger: { type: 'string' },
        createdAt: { type: 'string', format: 'date-time' },
        startedAt: nullableTime,
        finishedAt: nullableTime,
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
  allOf: [
    {
      if: { properties: { type: { const: 'taskrun' } } },
      then: { required: ['taskName', 'taskId', 'attempt', 'exitCode', 'reason'] },
      else: { required: ['run'] },
    },
    {
      if: { properties: { event: { const: 'task.awaitingApproval' } } },
      then: { required: ['approval', 'timeoutAt'] },
    },
  ],
} as const;

export interface WebhookPayload {
  readonly specVersion: 1;
  readonly type: 'taskrun' | 'dagrun';
  readonly event: WebhookEvent;
  readonly status: 'success' | 'failed' | 'pending' | 'canceled';
  readonly dagRunId: string;
  readonly taskName?: string;
  readonly taskId?: string;
  readonly runId: string;
  readonly dagName: string;
  readonly dagVersion: number;
  readonly namespace: string;
  readonly occurredAt: string;
  readonly attempt?: number;
  readonly exitCode?: number | null;
  readonly reason?: string | null;
  readonly message?: string | null;
  readonly startedAt?: string | null;
  readonly finishedAt?: string | null;
  readonly duration?: number | null;
  readonly willRetry?: boolean;
  readonly retryAt?: string;
  readonly timeoutAt?: string;
  readonly approval?: {
    readonly message: string | null;
    readonly approvers: readonly ApproverRole[];
    readonly timeoutSeconds: number;
    readonly onTimeout: 'approve' | 'reject';
    readonly approvePath: string;
    readonly rejectPath: string;
  };
  readonly run?: {
    readonly state: 'succeeded' | 'failed' | 'canceled';
    readonly reason: string | null;
    readonly trigger: string;
    readonly createdAt: string;
    readonly startedAt: string | null;
    readonly finishedAt: string | null;
    readonly labels?: Readonly<Record<string, string>>;
  };
}
