/**
 * The items of a run's forEach tasks (docs/flow/for-each.md), so that the run detail shows each instance
 * `task[i]` with the item it ran on. Static lists come from the DAG version; a list taken from an upstream
 * output is read from that task's latest attempt, as the executor reads it when the instance starts.
 */
import { parseReference, type AttemptRecord, type DagSpec } from '@kontroler/core';

/** Looks up the items of forEach task `task`; undefined for a task without forEach or unreadable items. */
export type ForEachItems = (task: string) => readonly unknown[] | undefined;

export function forEachItems(spec: DagSpec | undefined, attempts: readonly AttemptRecord[]): ForEachItems {
  const cache = new Map<string, readonly unknown[] | undefined>();
  let latest: Map<string, AttemptRecord> | undefined;
  const latestOf = (task: string): AttemptRecord | undefined => {
    if (latest === undefined) {
      latest = new Map();
      for (const a of attempts) {
        const current = latest.get(a.taskName);
        if (current === undefined || a.attempt > current.attempt) latest.set(a.taskName, a);
      }
    }
    return latest.get(task);
  };
  const read = (task: string): readonly unknown[] | undefined => {
    const forEach = spec?.tasks.find((t) => t.name === task)?.forEach;
    if (forEach === undefined) return undefined;
    if (forEach.items !== undefined) return forEach.items;
    const ref = parseReference((forEach.from ?? '').replace(/^\s*\{\{\s*|\s*\}\}\s*$/g, ''));
    if (typeof ref === 'string' || ref.kind !== 'output') return undefined;
    const value = latestOf(ref.task)?.outputs?.[ref.output];
    return Array.isArray(value) ? value : undefined;
  };
  return (task) => {
    if (!cache.has(task)) cache.set(task, read(task));
    return cache.get(task);
  };
}
