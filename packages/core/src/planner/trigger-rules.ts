/**
 * Trigger rules as data: what a task's upstream tasks must have done (Airflow's names and meanings; the
 * table is docs/flow/trigger-rules.md). Pure.
 */
import type { TriggerRule } from '../dag/schema.js';

/** How the upstream tasks stand. `failed` includes tasks skipped because of a failure (UpstreamFailed). */
export interface UpstreamCounts {
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
}

/** Why a task is skipped without running. */
export type SkipReason =
  'UpstreamFailed' | 'UpstreamSkipped' | 'TriggerRuleUnmet' | 'ConditionFalse' | 'EmptyForEach';

export type TriggerVerdict = 'run' | 'wait' | { readonly skip: SkipReason };

const UPSTREAM_FAILED = { skip: 'UpstreamFailed' } as const;
const UPSTREAM_SKIPPED = { skip: 'UpstreamSkipped' } as const;
const UNMET = { skip: 'TriggerRuleUnmet' } as const;

/** The verdict of `rule` on `c`: run now, keep waiting, or skip (and why). */
export function evaluateTriggerRule(rule: TriggerRule, c: UpstreamCounts): TriggerVerdict {
  const done = c.succeeded + c.failed + c.skipped;
  const allDone = done === c.total;
  switch (rule) {
    case 'all_success':
      if (c.failed > 0) return UPSTREAM_FAILED;
      if (c.skipped > 0) return UPSTREAM_SKIPPED;
      return allDone ? 'run' : 'wait';
    case 'all_failed':
      if (c.succeeded > 0 || c.skipped > 0) return UNMET;
      return allDone ? 'run' : 'wait';
    case 'all_done':
      return allDone ? 'run' : 'wait';
    case 'all_skipped':
      if (c.succeeded > 0 || c.failed > 0) return UNMET;
      return allDone ? 'run' : 'wait';
    case 'one_failed':
      if (c.failed > 0 || c.total === 0) return 'run';
      return allDone ? UNMET : 'wait';
    case 'one_success':
      if (c.succeeded > 0 || c.total === 0) return 'run';
      if (!allDone) return 'wait';
      return c.failed > 0 ? UPSTREAM_FAILED : UPSTREAM_SKIPPED;
    case 'one_done':
      if (c.succeeded + c.failed > 0 || c.total === 0) return 'run';
      return allDone ? UPSTREAM_SKIPPED : 'wait';
    case 'none_failed':
      if (c.failed > 0) return UPSTREAM_FAILED;
      return allDone ? 'run' : 'wait';
    case 'none_failed_min_one_success':
      if (c.failed > 0) return UPSTREAM_FAILED;
      if (!allDone) return 'wait';
      return c.succeeded > 0 || c.total === 0 ? 'run' : UPSTREAM_SKIPPED;
    case 'none_skipped':
      if (c.skipped > 0) return UPSTREAM_SKIPPED;
      return allDone ? 'run' : 'wait';
    case 'always':
      return 'run';
  }
}
