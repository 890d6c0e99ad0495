/** Pure mapping from engine events to webhook payloads. */
import type { AttemptRecord, NotifiableEvent, RunRecord } from '@kontroler/core';
import { WEBHOOK_EVENTS, type WebhookEvent, type WebhookPayload } from './payload-schema.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The events of `WEBHOOK_EVENTS`, narrowed. */
export type WebhookNotifiableEvent = Extract<NotifiableEvent, { name: WebhookEvent }>;

export function isWebhookEvent(event: NotifiableEvent): event is WebhookNotifiableEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(event.name);
}

function common(run: RunRecord) {
  return {
    specVersion: 1 as const,
    dagRunId: run.id,
    runId: run.id,
    dagName: run.dagName,
    dagVersion: run.dagVersion,
    namespace: run.namespace,
  };
}

function attemptFields(attempt: AttemptRecord) {
  const duration =
    attempt.startedAt !== null && attempt.finishedAt !== null
      ? (attempt.finishedAt - attempt.startedAt) / 1000
      : null;
  return {
    taskName: attempt.taskName,
    taskId: attempt.id,
    attempt: attempt.attempt,
    exitCode: attempt.exitCode,
    reason: attempt.reason,
    message: attempt.message,
    startedAt: iso(attempt.startedAt),
    finishedAt: iso(attempt.finishedAt),
    duration,
  };
}

/**
 * The API path that approves or rejects an approval task (apps/api's `approveTask` / `rejectTask`), relative
 * to the API's base URL, which the engine does not know: the receiver prefixes its own.
 */
function decisionPath(run: RunRecord, task: string, decision: 'approve' | 'reject'): string {
  const at = [run.namespace, run.id, task].map(encodeURIComponent);
  return `/api/v1/namespaces/${at[0]}/runs/${at[1]}/tasks/${at[2]}/${decision}`;
}

/** Builds the payload of an event (pure: every time comes from the records). */
export function webhookPayload(event: WebhookNotifiableEvent): WebhookPayload {
  switch (event.name) {
    case 'task.succeeded':
    case 'task.failed': {
      const { run, attempt } = event.payload;
      return {
        ...common(run),
        type: 'taskrun',
        event: event.name,
        status: event.name === 'task.succeeded' ? 'success' : 'failed',
        occurredAt: iso(attempt.finishedAt ?? attempt.startedAt ?? attempt.createdAt)!,
        ...attemptFields(attempt),
        ...(event.name === 'task.failed' ? { willRetry: event.payload.willRetry } : {}),
      };
    }
    case 'task.retrying': {
      const { run, attempt, retryAt } = event.payload;
      return {
        ...common(run),
        type: 'taskrun',
        event: event.name,
        status: 'pending',
        occurredAt: iso(attempt.createdAt)!,
        ...attemptFields(attempt),
        retryAt: iso(retryAt)!,
      };
    }
    case 'task.awaitingApproval': {
      const { run, attempt, timeoutAt, approval } = event.payload;
      return {
        ...common(run),
        type: 'taskrun',
        event: event.name,
        status: 'pending',
        occurredAt: iso(attempt.startedAt ?? attempt.createdAt)!,
        ...attemptFields(attempt),
        timeoutAt: iso(timeoutAt)!,
        approval: {
          message: approval.message,
          approvers: [...approval.approvers],
          timeoutSeconds: approval.timeoutSeconds,
          onTimeout: approval.onTimeout,
          approvePath: decisionPath(run, attempt.taskName, 'approve'),
          rejectPath: decisionPath(run, attempt.taskName, 'reject'),
        },
      };
    }
    case 'run.finished': {
      const { run } = event.payload;
      const state = run.state === 'succeeded' || run.state === 'canceled' ? run.state : 'failed';
      return {
        ...common(run),
        type: 'dagrun',
        event: event.name,
        status: state === 'succeeded' ? 'success' : state,
        occurredAt: iso(run.finishedAt ?? run.startedAt ?? run.createdAt)!,
        reason: run.reason,
        startedAt: iso(run.startedAt),
        finishedAt: iso(run.finishedAt),
        duration:
          run.startedAt !== null && run.finishedAt !== null ? (run.finishedAt - run.startedAt) / 1000 : null,
        run: {
          state,
          reason: run.reason,
          trigger: run.trigger,
          createdAt: iso(run.createdAt)!,
          startedAt: iso(run.startedAt),
          finishedAt: iso(run.finishedAt),
          labels: run.labels,
        },
      };
    }
  }
}
