/**
 * Every event the engine emits, with its payload. Listeners run synchronously after the change is committed;
 * one that throws is logged, never fatal (see `safeEmit`).
 */
import { EventEmitter } from 'eventemitter3';
import type { ApprovalRequest } from '../engine/approvals.js';
import type { AttemptRecord, DagRecord, DagVersion, RunRecord } from '../model/records.js';
import type { Logger } from '../ports/logger.js';

export interface EngineEvents {
  /** A DAG document was registered (`created` false when it matched the latest version). */
  'dag.registered': (e: { dag: DagRecord; version: DagVersion; created: boolean }) => void;
  /** A run was accepted and stored. */
  'run.created': (e: { run: RunRecord }) => void;
  /** A run's first tasks were made ready. */
  'run.started': (e: { run: RunRecord }) => void;
  /** A run reached succeeded, failed or canceled. */
  'run.finished': (e: { run: RunRecord }) => void;
  /** A failed or canceled run was resumed from its failed tasks. */
  'run.retried': (e: { run: RunRecord }) => void;
  /** An attempt's dependencies succeeded: it waits for a worker. */
  'task.ready': (e: { run: RunRecord; attempt: AttemptRecord }) => void;
  /** A worker claimed the attempt and handed it to a runtime. */
  'task.started': (e: { run: RunRecord; attempt: AttemptRecord }) => void;
  'task.succeeded': (e: { run: RunRecord; attempt: AttemptRecord }) => void;
  /** The attempt failed; `willRetry` says whether a retry was scheduled. */
  'task.failed': (e: { run: RunRecord; attempt: AttemptRecord; willRetry: boolean }) => void;
  /** A retry attempt was scheduled for `retryAt`. */
  'task.retrying': (e: { run: RunRecord; attempt: AttemptRecord; retryAt: number }) => void;
  /** An upstream task failed, so this one will not run. */
  'task.skipped': (e: { run: RunRecord; attempt: AttemptRecord }) => void;
  'task.canceled': (e: { run: RunRecord; attempt: AttemptRecord }) => void;
  /** A person reran the task: `attempt` is its new `waiting` attempt (one event per task rerun). */
  'task.rerun': (e: { run: RunRecord; attempt: AttemptRecord }) => void;
  /** A person marked the task succeeded or failed: `attempt` records it (reason `MarkedSucceeded`/`MarkedFailed`). */
  'task.marked': (e: { run: RunRecord; attempt: AttemptRecord }) => void;
  /**
   * An approval task started waiting for a person; `timeoutAt` is when its `onTimeout` outcome applies,
   * `approval` what a person deciding needs (the message, who may decide).
   */
  'task.awaitingApproval': (e: {
    run: RunRecord;
    attempt: AttemptRecord;
    timeoutAt: number;
    approval: ApprovalRequest;
  }) => void;
  /** A cron schedule created a run. */
  'schedule.fired': (e: { namespace: string; dagName: string; tick: number; run: RunRecord }) => void;
  /** Something failed in the background (store unreachable, listener threw); the engine carries on. */
  'engine.error': (e: { error: unknown; context: string }) => void;
}

export type EngineEventName = keyof EngineEvents;

/** The events about runs and their tasks, in lifecycle order: what SSE feeds and status mirrors follow. */
export const RUN_EVENT_NAMES = [
  'run.created',
  'run.started',
  'run.finished',
  'run.retried',
  'task.ready',
  'task.started',
  'task.succeeded',
  'task.failed',
  'task.retrying',
  'task.skipped',
  'task.canceled',
  'task.rerun',
  'task.marked',
  'task.awaitingApproval',
] as const satisfies readonly EngineEventName[];

export type RunEventName = (typeof RUN_EVENT_NAMES)[number];
export type EngineEventPayload<K extends EngineEventName> = Parameters<EngineEvents[K]>[0];

/** The engine's typed event bus. */
export class EngineEventBus extends EventEmitter<EngineEvents> {}

/**
 * Emits without letting a listener's exception escape into engine code: it is logged and reported as
 * `engine.error` (unless it was an `engine.error` listener that threw).
 */
export function safeEmit<K extends EngineEventName>(
  bus: EngineEventBus,
  logger: Logger,
  name: K,
  payload: EngineEventPayload<K>,
): void {
  const listeners = bus.listeners(name) as Array<(p: EngineEventPayload<K>) => void>;
  for (const listener of listeners) {
    try {
      listener(payload);
    } catch (error) {
      logger.error({ err: error, event: name }, 'event listener threw');
      if (name !== 'engine.error')
        safeEmit(bus, logger, 'engine.error', { error, context: `listener:${name}` });
    }
  }
}
