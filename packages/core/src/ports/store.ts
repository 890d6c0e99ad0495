/**
 * The Store port: the system of record and the work queue. Implemented by `MemoryStore`
 * (`@kontroler/core/testing`, one process) and `@kontroler/postgres`. Every method is atomic on its own;
 * `commitRun` is the only way run and attempt state changes after creation (besides claims and leases),
 * and it is guarded by the run's `revision` so a stale planner can never overwrite a newer outcome.
 *
 * Conformance: `storeContractSuite(makeStore)` in `@kontroler/core/testing`.
 */
import type { DagSpec } from '../dag/schema.js';
import type {
  AttemptRecord,
  DagRecord,
  DagVersion,
  DeliveryAttempt,
  LogLine,
  OutboxMessage,
  OutboxRecord,
  RunRecord,
  RunSnapshot,
} from '../model/records.js';
import type { DagRef } from '../model/dag-ref.js';
import type { AttemptState, RunState } from '../model/states.js';
import type { AggregateStore } from './aggregates.js';
import type { RunEventInput, RunEventStore } from './run-events.js';

export type * from './run-events.js';
import type { BackfillStore } from './backfill-store.js';
import type { DagTaskStore } from './dag-task-store.js';
import type { LimitStore } from './limit-store.js';
import type { TriggerStore } from './trigger-store.js';

export interface PageRequest {
  /** Page size; stores cap it at 500. */
  readonly limit: number;
  /** Opaque cursor from the previous page's `nextCursor`. */
  readonly cursor?: string | null;
}

export interface Page<T> {
  readonly items: T[];
  /** `null` on the last page. */
  readonly nextCursor: string | null;
}

export interface DagFilter {
  readonly namespace?: string;
  /** Any of these namespaces (a user with roles in several); combined with `namespace` by AND. */
  readonly namespaces?: readonly string[];
  /** Case-insensitive substring of the name. */
  readonly search?: string;
  readonly includeDeleted?: boolean;
}

/** Runs are listed newest first (createdAt desc, id desc). */
export interface RunFilter {
  /** Runs of this one DAG. */
  readonly dag?: DagRef;
  readonly namespace?: string;
  /** Any of these namespaces (a user with roles in several); combined with `namespace` by AND. */
  readonly namespaces?: readonly string[];
  readonly states?: readonly RunState[];
  /** Inclusive lower bound on createdAt. */
  readonly createdFrom?: number;
  /** Exclusive upper bound on createdAt. */
  readonly createdTo?: number;
}

/**
 * Who saved a DAG, for the audit log. A store with an audit log writes the row (`dag.create` or
 * `dag.update`, target `namespace/name`) in the same transaction as the new version, so a saved version is
 * never unaudited; no row when no version was made. The memory store keeps no audit log and ignores it.
 */
export interface DagAuditInput {
  readonly actor: string;
  /** The client's address, when known. */
  readonly ip: string | null;
  /** Merged into the row's details (the store adds namespace, version and hash). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface PutDagVersionInput {
  readonly name: string;
  readonly namespace: string;
  readonly spec: DagSpec;
  readonly hash: string;
  readonly now: number;
  readonly createdBy?: string | null;
  readonly audit?: DagAuditInput;
}

export interface PutDagVersionResult {
  readonly dag: DagRecord;
  readonly version: DagVersion;
  /** False when the latest version already had this hash (no new version was made). */
  readonly created: boolean;
}

export interface DagStore {
  /** Saves a version unless the latest one has the same hash; revives a deleted DAG. */
  putDagVersion(input: PutDagVersionInput): Promise<PutDagVersionResult>;
  getDag(dag: DagRef): Promise<DagRecord | undefined>;
  /** Ordered by namespace, then name. */
  listDags(filter: DagFilter, page: PageRequest): Promise<Page<DagRecord>>;
  getDagVersion(dag: DagRef, version: number): Promise<DagVersion | undefined>;
  /** Newest first. */
  listDagVersions(dag: DagRef, page: PageRequest): Promise<Page<DagVersion>>;
  setDagSuspended(dag: DagRef, suspended: boolean, now: number): Promise<DagRecord | undefined>;
  /** Marks the DAG deleted; versions and runs are kept. */
  deleteDag(dag: DagRef, now: number): Promise<boolean>;
  /** DAGs with a schedule that are neither deleted nor suspended, with their latest version. */
  listScheduledDags(): Promise<Array<{ dag: DagRecord; version: DagVersion }>>;
  /** The last cron tick fired for a DAG (epoch ms), or null. */
  getScheduleCursor(dag: DagRef): Promise<number | null>;
  /** Compare-and-set of the cursor; false when another replica moved it first. */
  advanceScheduleCursor(dag: DagRef, expected: number | null, next: number): Promise<boolean>;
}

export interface CreateRunInput {
  readonly run: RunRecord;
  readonly attempts: readonly AttemptRecord[];
  readonly outbox?: readonly OutboxMessage[];
  /** Run events journaled in the same transaction (written only when the run is created). */
  readonly events?: readonly RunEventInput[];
}

export interface AttemptChange {
  readonly id: string;
  /** The commit fails (conflict) unless the attempt is in this state. */
  readonly expectState: AttemptState;
  /** When set, the commit fails unless this worker holds the attempt's lease. */
  readonly expectOwner?: string;
  readonly set: Partial<
    Pick<
      AttemptRecord,
      | 'state'
      | 'exitCode'
      | 'reason'
      | 'message'
      | 'availableAt'
      | 'startedAt'
      | 'finishedAt'
      | 'leaseOwner'
      | 'leaseExpiresAt'
      | 'runtime'
      | 'nonRetryable'
      | 'retryAfterMs'
      | 'failureKind'
      | 'outputs'
      | 'decidedBy'
    >
  >;
}

export type RunChange = Partial<
  Pick<
    RunRecord,
    'state' | 'startedAt' | 'finishedAt' | 'reason' | 'round' | 'dagVersion' | 'cancelRequested'
  >
>;

/** One atomic change to a run: its own fields, attempt moves, new attempts and outbox messages. */
export interface RunCommit {
  readonly runId: string;
  /** The commit fails (conflict) unless the run is at this revision; success increments it. */
  readonly expectRevision: number;
  readonly run?: RunChange;
  readonly attempts?: readonly AttemptChange[];
  readonly newAttempts?: readonly AttemptRecord[];
  readonly outbox?: readonly OutboxMessage[];
  /** Run events journaled in the same transaction (written only when the commit succeeds). */
  readonly events?: readonly RunEventInput[];
}

export type CommitResult =
  | { readonly ok: true; readonly revision: number }
  | { readonly ok: false; readonly reason: 'conflict' | 'not-found' };

export interface RunStore {
  /**
   * Creates a run with its first attempts; with an idempotency key already used in the run's namespace,
   * returns that run (keys are per namespace: the same key in another namespace is another run).
   */
  createRun(input: CreateRunInput): Promise<{ run: RunRecord; created: boolean }>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  getRunSnapshot(runId: string): Promise<RunSnapshot | undefined>;
  listRuns(filter: RunFilter, page: PageRequest): Promise<Page<RunRecord>>;
  /** Ids of runs not yet succeeded, failed or canceled: what a starting engine resumes. */
  listActiveRunIds(): Promise<string[]>;
  commitRun(commit: RunCommit): Promise<CommitResult>;
  /** Deletes finished runs (with attempts, logs, outbox) finished before `before`; at most `limit`. */
  deleteFinishedRuns(before: number, limit: number): Promise<number>;
}

export interface ClaimRequest {
  readonly owner: string;
  readonly limit: number;
  readonly leaseMs: number;
  readonly now: number;
}

export interface ClaimedAttempt {
  /** The attempt after the claim (`running`, leased to the claimer). */
  readonly attempt: AttemptRecord;
  /** True when it was taken over from an expired lease: the runtime must adopt, not start blindly. */
  readonly reclaimed: boolean;
}

export interface LeaseRenewal {
  readonly renewed: string[];
  /** Attempts this owner no longer holds (lease expired and taken, or finished elsewhere). */
  readonly lost: string[];
  /** Held attempts whose run has `cancelRequested`. */
  readonly cancelRequested: string[];
}

export interface QueueStore {
  /**
   * Claims up to `limit` attempts that are `ready`, `retrying` with `availableAt <= now`, or `running`
   * with an expired lease, oldest first; each becomes `running`, leased to `owner` until now+leaseMs.
   * Two concurrent claims never return the same attempt.
   */
  claimAttempts(request: ClaimRequest): Promise<ClaimedAttempt[]>;
  renewLeases(
    owner: string,
    attemptIds: readonly string[],
    leaseMs: number,
    now: number,
  ): Promise<LeaseRenewal>;
  /** Hands leases back (graceful shutdown): they expire now and another worker may reclaim them. */
  releaseLeases(owner: string, attemptIds: readonly string[], now: number): Promise<void>;
  /** Calls `listener` whenever work may have become claimable; returns an unsubscribe function. */
  onWork(listener: () => void): () => void;
}

export interface StoredLogLine extends LogLine {
  /** Increasing per attempt, from 1. */
  readonly seq: number;
}

export interface LogStore {
  appendLogs(attemptId: string, lines: readonly LogLine[]): Promise<void>;
  /** Lines after `afterSeq` (default 0), at most `limit`; or the last `tail` lines. */
  readLogs(
    attemptId: string,
    options?: { afterSeq?: number; limit?: number; tail?: number },
  ): Promise<StoredLogLine[]>;
}

export interface OutboxClaim {
  readonly owner: string;
  readonly topics: readonly string[];
  readonly limit: number;
  readonly leaseMs: number;
  readonly now: number;
}

export interface DeliveryResult {
  readonly attempt: DeliveryAttempt;
  /** `retry` schedules another try at `nextAttemptAt`. */
  readonly outcome: 'delivered' | 'retry' | 'failed';
  readonly nextAttemptAt?: number;
}

export interface OutboxStore {
  enqueueOutbox(messages: readonly OutboxMessage[]): Promise<void>;
  /** Pending messages due at `now`, leased to `owner` so that no other dispatcher sends them meanwhile. */
  claimOutbox(claim: OutboxClaim): Promise<OutboxRecord[]>;
  recordDelivery(id: string, result: DeliveryResult): Promise<void>;
  listDeliveries(runId: string): Promise<Array<{ message: OutboxRecord; attempts: DeliveryAttempt[] }>>;
  /** One message by id (the API checks who may redeliver it by its run's namespace). */
  getOutbox(id: string): Promise<OutboxRecord | undefined>;
  /** Makes a delivered or failed message pending again (manual redelivery). */
  requeueOutbox(id: string, now: number): Promise<boolean>;
  /** Calls `listener` when outbox messages were enqueued. */
  onOutbox(listener: () => void): () => void;
}

/** The whole port. Adapters are factories returning it (`createPostgresStore(options)`). */
export interface Store
  extends
    DagStore,
    RunStore,
    QueueStore,
    LogStore,
    OutboxStore,
    RunEventStore,
    AggregateStore,
    TriggerStore,
    BackfillStore,
    DagTaskStore,
    LimitStore {
  /** Resolves when the store answers; rejects with STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
