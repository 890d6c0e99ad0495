/**
 * The `reason` values that task-level actions (docs/task-actions.md) leave on attempts. Separate from
 * `task-actions.ts` so that the planner reads them without importing the actions.
 */

/** On the `waiting` attempts a task rerun creates: the planner reruns every forEach instance of such a task. */
export const RERUN_REASON = 'Rerun';
/** On the attempt a person marked succeeded (no execution). */
export const MARKED_SUCCEEDED_REASON = 'MarkedSucceeded';
/** On the attempt a person marked failed (no execution, never retried). */
export const MARKED_FAILED_REASON = 'MarkedFailed';
