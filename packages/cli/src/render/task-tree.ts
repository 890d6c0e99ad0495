/**
 * The state of a run's tasks as the live view shows it: pure, fed by engine events (`kontroler run`) or by
 * the server's event stream (`kontroler runs watch`), so both draw the same tree.
 */

/** A task's state in the view: the attempt states, plus `pending` before the run has planned it. */
export type TaskViewState =
  | 'pending'
  | 'waiting'
  | 'ready'
  | 'running'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'canceled'
  /** An approval task waiting for a person (docs/approval.md). */
  | 'awaiting';

/** One task row. */
export interface TaskRow {
  readonly name: string;
  /** Depth in the DAG (0 for roots): the tree's indentation. */
  readonly level: number;
  readonly state: TaskViewState;
  readonly attempt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly exitCode: number | null;
  readonly reason: string | null;
}

/** What changed about a task: a state, with the attempt record's fields. */
export interface TaskChange {
  readonly task: string;
  readonly state: TaskViewState;
  readonly attempt?: number;
  readonly startedAt?: number | null;
  readonly finishedAt?: number | null;
  readonly exitCode?: number | null;
  readonly reason?: string | null;
}

/** The rows of a run, in topological order. */
export class TaskTree {
  private readonly rows = new Map<string, TaskRow>();

  constructor(tasks: readonly { readonly name: string; readonly level: number }[]) {
    for (const t of tasks) {
      this.rows.set(t.name, {
        name: t.name,
        level: t.level,
        state: 'pending',
        attempt: 0,
        startedAt: null,
        finishedAt: null,
        exitCode: null,
        reason: null,
      });
    }
  }

  /** Applies a change; returns the new row, or undefined when nothing a user sees changed. */
  apply(change: TaskChange): TaskRow | undefined {
    const before = this.rows.get(change.task);
    if (before === undefined) return undefined;
    const after: TaskRow = {
      ...before,
      state: change.state,
      attempt: change.attempt ?? before.attempt,
      // A new attempt starts its own clock.
      startedAt: change.startedAt !== undefined ? change.startedAt : before.startedAt,
      finishedAt: change.finishedAt !== undefined ? change.finishedAt : before.finishedAt,
      exitCode: change.exitCode !== undefined ? change.exitCode : before.exitCode,
      reason: change.reason !== undefined ? change.reason : before.reason,
    };
    if (after.state === before.state && after.attempt === before.attempt) return undefined;
    this.rows.set(change.task, after);
    return after;
  }

  /** Every row, in the order the tree was built with. */
  list(): TaskRow[] {
    return [...this.rows.values()];
  }

  get(task: string): TaskRow | undefined {
    return this.rows.get(task);
  }
}

/** `0.4s`, `12.3s`, `2m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.floor(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/** How long a row has run (to `now` while running), or undefined before it started. */
export function rowDuration(row: TaskRow, now: number): number | undefined {
  if (row.startedAt === null) return undefined;
  return (row.finishedAt ?? now) - row.startedAt;
}
