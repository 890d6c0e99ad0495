/**
 * The order in which queued runs are admitted (docs/run-limits.md): higher `priority` first,
 * then first in first out: `createdAt`, and runs created in the same millisecond in the order the store
 * created them (a stable sort of runs listed in creation order; the PostgreSQL store orders by a sequence).
 */
import type { RunRecord } from './records.js';

export function compareQueued(a: RunRecord, b: RunRecord): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.createdAt - b.createdAt;
}

/** A run's DAG as one string key (a separator no name contains). */
export const dagKeyOf = (run: RunRecord): string => `${run.namespace}\u0000${run.dagName}`;
