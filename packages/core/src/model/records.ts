/**
 * What the store keeps. Plain data: dates are epoch milliseconds so that records survive JSON, the
 * memory store and PostgreSQL alike.
 */
import type { DagSpec } from '../dag/schema.js';
import type { FailureKind } from './failure-kind.js';
import type { AttemptState, RunState } from './states.js';

/** A DAG as a named, mutable pointer to its latest immutable version; `(namespace, name)` is its identity. */
export interface DagRecord {
  readonly name: string;
  readonly namespace: string;
  readonly latestVersion: number;
  /** Stops cron firing only; manual runs still run. */
  readonly suspended: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Set when the DAG was deleted; its history (versions, runs) is kept. */
  readonly deletedAt: number | null;
}

/** An immutable, content-hashed snapshot of a DAG document. */
export interface DagVersion {
  readonly namespace: string;
  readonly dagName: string;
  /** 1, 2, 3… per DAG. */
  readonly version: number;
  /** Hex SHA-256 of the canonical JSON of `spec`. */
  readonly hash: string;
  readonly spec: DagSpec;
  readonly createdAt: number;
  readonly createdBy: string | null;
}

/** A parameter value as resolved for a run: a literal, or a reference to a secret (never echoed). */
export type ParameterValue = { readonly value: string } | { readonly fromSecret: string };

export type RunTrigger = 'manual' | 'schedule' | 'retry' | 'resource' | 'api';

export interface RunRecord {
  readonly id: string;
  /** With `namespace`, the DAG this run belongs to. */
  readonly dagName: string;
  readonly namespace: string;
  /** The DAG version this run is pinned to (it may move on retry-from-failed). */
  readonly dagVersion: number;
  readonly state: RunState;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  readonly trigger: RunTrigger;
  /** Incremented by every change the planner commits; guards concurrent planners. */
  readonly revision: number;
  /** Retry-from-failed rounds start at 1; retry limits count attempts within a round. */
  readonly round: number;
  /** Set by `cancel`; the planner then cancels what is left. */
  readonly cancelRequested: boolean;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Why the run ended as it did, for humans. */
  readonly reason: string | null;
  /** A caller-chosen key: a second submit with the same key in the same namespace returns the first run. */
  readonly idempotencyKey: string | null;
  /** For scheduled runs: the cron tick this run is for (epoch ms). */
  readonly scheduledFor: number | null;
  /** Free-form labels (e.g. the DagRun resource that started it). */
  readonly labels: Readonly<Record<string, string>>;
  /** This run's deadline in seconds from `startedAt`; wins over the DAG's (docs/flow/deadline.md). */
  readonly activeDeadlineSeconds?: number | null;
  /**
   * Order among queued runs of the namespace: higher first, then first in first out
   * (docs/run-limits.md). Defaults to the DAG's `priority`, else 0.
   */
  readonly priority: number;
}

export interface AttemptRecord {
  /** Globally unique; runtimes are idempotent by it. */
  readonly id: string;
  readonly runId: string;
  readonly taskName: string;
  /** 1-based, increasing across rounds. */
  readonly attempt: number;
  readonly round: number;
  readonly state: AttemptState;
  readonly exitCode: number | null;
  /** Machine-readable reason: `Completed`, `Error`, `Timeout`, `OOMKilled`, `Lost`, `UpstreamFailed`… */
  readonly reason: string | null;
  readonly message: string | null;
  readonly createdAt: number;
  /** When it may be claimed (ready time, or end of backoff for `retrying`). */
  readonly availableAt: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** The worker holding it, while `running`. */
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: number | null;
  /** The runtime that executes it (`process`, `kubernetes`, a task type…). */
  readonly runtime: string | null;
  /** Set when the attempt must not be retried whatever the policy (NonRetryableError). */
  readonly nonRetryable: boolean;
  /** The runtime asked to wait at least this long before a retry (RetryAfterError). */
  readonly retryAfterMs: number | null;
  /** For a failed attempt: what kind of failure it was, which the task's `retryPolicy` decides on. */
  readonly failureKind: FailureKind | null;
  /**
   * The task's named outputs (JSON values), recorded with a succeeded attempt; for a `forEach` task, the
   * lists gathered from its instances (docs/flow/outputs.md). Absent or null: none.
   */
  readonly outputs?: Readonly<Record<string, unknown>> | null;
  /**
   * For an approval task decided by a person: who approved or rejected it (the comment is `message`).
   * Absent or null: not an approval, or decided by its timeout (docs/approval.md).
   */
  readonly decidedBy?: string | null;
}

/** A run with every attempt: the planner's input. */
export interface RunSnapshot {
  readonly run: RunRecord;
  readonly attempts: readonly AttemptRecord[];
}

export interface LogLine {
  /** Epoch ms when the line was produced. */
  readonly ts: number;
  readonly stream: 'stdout' | 'stderr' | 'system';
  readonly line: string;
}

/** A message written in the same transaction as the state change that causes it. */
export interface OutboxMessage {
  readonly id: string;
  /** Which consumer handles it: `webhook`, `event`, a plugin's own topic. */
  readonly topic: string;
  readonly runId: string | null;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface OutboxRecord extends OutboxMessage {
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
}

/** One try at delivering an outbox message, kept for the delivery history. */
export interface DeliveryAttempt {
  readonly outboxId: string;
  readonly attempt: number;
  readonly at: number;
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}
