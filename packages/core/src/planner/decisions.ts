/**
 * What the pure planner decides. The engine carries decisions out: state moves go into one guarded
 * `commitRun`, actions (`abort`) go to the runtime. Nothing here is I/O.
 */
import type { RunState } from '../model/states.js';
import type { SkipReason } from './trigger-rules.js';

export type Decision =
  /** pending → running: the run starts (emitted once, with the first `ready` decisions). */
  | { readonly kind: 'start-run' }
  /** waiting → ready: every parent of the task succeeded. */
  | { readonly kind: 'ready'; readonly attemptId: string; readonly task: string }
  /**
   * waiting → awaiting: an approval task's parents are done; it waits for a person until `until` (then a
   * worker records its `onTimeout` outcome). docs/approval.md
   */
  | { readonly kind: 'await'; readonly attemptId: string; readonly task: string; readonly until: number }
  /**
   * waiting → skipped. Without `reason`: an upstream task failed for good (`because` names it). With one:
   * the trigger rule skipped it because of `because`, or its own condition was false (`because` = itself),
   * or its forEach list was empty (docs/flow/trigger-rules.md).
   */
  | {
      readonly kind: 'skip';
      readonly attemptId: string;
      readonly task: string;
      readonly because: string;
      readonly reason?: Exclude<SkipReason, 'UpstreamFailed'>;
    }
  /** waiting → failed without running: its condition or forEach list could not be evaluated. */
  | {
      readonly kind: 'fail';
      readonly attemptId: string;
      readonly task: string;
      readonly reason: 'ConditionError' | 'ForEachError';
      readonly message: string;
    }
  /** waiting → succeeded | failed | skipped: a forEach task settles once all its instances have ended. */
  | {
      readonly kind: 'settle';
      readonly attemptId: string;
      readonly task: string;
      readonly state: 'succeeded' | 'failed' | 'skipped';
      readonly message: string;
      /** Per declared output, the list of the instances' values in item order. */
      readonly outputs: Readonly<Record<string, unknown>>;
    }
  /** New `waiting` attempts: the instances of a forEach task, or the exit handlers once the main tasks ended. */
  | {
      readonly kind: 'add';
      readonly why: 'expand' | 'exit';
      readonly attempts: readonly { readonly task: string; readonly attempt: number }[];
    }
  /**
   * The failed attempt `failedAttemptId` may be retried: create attempt number `attempt` in `retrying`,
   * claimable from `retryAt`.
   */
  | {
      readonly kind: 'retry';
      readonly task: string;
      readonly failedAttemptId: string;
      readonly attempt: number;
      readonly retryAt: number;
    }
  /** waiting | ready | retrying | awaiting → canceled (the run was canceled, or its deadline passed). */
  | {
      readonly kind: 'cancel';
      readonly attemptId: string;
      readonly task: string;
      readonly reason?: 'DeadlineExceeded';
    }
  /**
   * Ask the runtime to stop a running attempt: its deadline passed (`Timeout`) or the run was canceled
   * (`Canceled`). The outcome is recorded when the runtime reports back.
   */
  | {
      readonly kind: 'abort';
      readonly attemptId: string;
      readonly task: string;
      readonly reason: 'Timeout' | 'Canceled' | 'DeadlineExceeded';
    }
  /** running → succeeded | failed | canceled: every task is done. */
  | {
      readonly kind: 'finish-run';
      readonly state: Extract<RunState, 'succeeded' | 'failed' | 'canceled'>;
      readonly reason: string;
    };

export interface PlanResult {
  readonly decisions: readonly Decision[];
  /** The earliest future time at which planning again could decide something new (a deadline), or null. */
  readonly wakeAt: number | null;
}

/** Retry timing. Exponential backoff with seeded jitter and a cap. */
export interface RetryTiming {
  /** Delay before the first retry. @default 1000 */
  readonly initialDelayMs: number;
  /** Growth per further retry. @default 2 */
  readonly factor: number;
  /** Upper bound of a delay. @default 300000 (5 min) */
  readonly maxDelayMs: number;
  /** Fraction of the delay randomised (seeded by the attempt id), 0–1. @default 0.2 */
  readonly jitter: number;
}

export const DEFAULT_RETRY_TIMING: RetryTiming = {
  initialDelayMs: 1000,
  factor: 2,
  maxDelayMs: 300_000,
  jitter: 0.2,
};
