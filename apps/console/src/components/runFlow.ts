/**
 * Pure helpers of the run view for data and control flow (docs/flow/): forEach instances (`name[i]`
 * attempts), skip reasons, and the outputs an attempt carries.
 */
import type { Attempt } from '../api';

/** `process[3]` → `{task: 'process', index: 3}`; null for a plain task name (task names hold no `[`). */
export function parseInstance(name: string): { task: string; index: number } | null {
  const m = /^(.+)\[(\d+)\]$/.exec(name);
  return m ? { task: m[1]!, index: Number(m[2]) } : null;
}

/** The latest attempt of every attempt task name (highest attempt number; the later one on a tie). */
export function latestAttempts(attempts: readonly Attempt[]): Map<string, Attempt> {
  const latest = new Map<string, Attempt>();
  for (const a of attempts) {
    const prev = latest.get(a.taskName);
    if (!prev || a.attempt > prev.attempt || (a.attempt === prev.attempt && a.createdAt >= prev.createdAt))
      latest.set(a.taskName, a);
  }
  return latest;
}

/** One forEach instance as the run view lists it: its latest attempt and how many it had. */
export interface InstanceRow {
  readonly name: string;
  readonly index: number;
  readonly latest: Attempt;
  readonly attempts: number;
}

/** The instances of every forEach task that has any, by task name, in index order. */
export function instancesByTask(attempts: readonly Attempt[]): Map<string, InstanceRow[]> {
  const counts = new Map<string, number>();
  for (const a of attempts) counts.set(a.taskName, (counts.get(a.taskName) ?? 0) + 1);
  const out = new Map<string, InstanceRow[]>();
  for (const [name, latest] of latestAttempts(attempts)) {
    const inst = parseInstance(name);
    if (!inst) continue;
    const rows = out.get(inst.task) ?? [];
    rows.push({ name, index: inst.index, latest, attempts: counts.get(name) ?? 1 });
    out.set(inst.task, rows);
  }
  for (const rows of out.values()) rows.sort((a, b) => a.index - b.index);
  return out;
}

/** How a forEach node sums up its instances: how many, and how many in each state. */
export interface InstanceSummary {
  readonly total: number;
  readonly states: Readonly<Record<string, number>>;
}

export function summarizeInstances(rows: readonly InstanceRow[]): InstanceSummary {
  const states: Record<string, number> = {};
  for (const r of rows) states[r.latest.state] = (states[r.latest.state] ?? 0) + 1;
  return { total: rows.length, states };
}

/** "3 succeeded, 1 running": the states of a summary, most common first. */
export function instanceStatesText(summary: InstanceSummary): string {
  return Object.entries(summary.states)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
}

/** Why a task was skipped, in words, for a skip reason the planner records (docs/flow/trigger-rules.md). */
export function skipReasonText(reason: string | null | undefined): string {
  switch (reason) {
    case 'ConditionFalse':
      return 'its when condition is false';
    case 'UpstreamFailed':
      return 'an upstream task failed';
    case 'UpstreamSkipped':
      return 'an upstream task was skipped';
    case 'TriggerRuleUnmet':
      return 'its trigger rule cannot be met';
    case 'EmptyForEach':
      return 'its forEach list is empty';
    default:
      return reason ?? 'skipped';
  }
}

/**
 * The named outputs an attempt carries (`attempts[].outputs` of the run detail), in name order; empty
 * when it has none or the server does not send them. Read defensively: older servers have no such field.
 */
export function outputsOf(attempt: Attempt | null | undefined): [string, unknown][] {
  const value: unknown = attempt ? (attempt as Attempt & { outputs?: unknown }).outputs : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
}

/** An output value as shown and copied: pretty JSON (2 spaces). */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}

/**
 * A sort key that keeps a run's attempts in graph order: a task's instances right after it (by index),
 * exit handlers (and anything else unknown) after the main tasks, in the order given.
 */
export function attemptOrder(
  mainTasks: readonly string[],
  exitTasks: readonly string[] = [],
): (taskName: string) => number {
  const rank = new Map<string, number>();
  [...mainTasks, ...exitTasks].forEach((n, i) => rank.set(n, i));
  const unknown = rank.size;
  return (taskName) => {
    const inst = parseInstance(taskName);
    const base = rank.get(inst ? inst.task : taskName) ?? unknown;
    // Up to a million instances between two tasks keeps the keys apart (10,000 is the forEach limit).
    return base * 1_000_001 + (inst ? inst.index + 1 : 0);
  };
}

/** `{{ tasks.X.outputs.Y }}` alone (what `forEach.from` holds). A regex, not core's parser: the run view stays light. */
const OUTPUT_REF = /^\{\{\s*tasks\.([A-Za-z0-9][-_A-Za-z0-9]*)\.outputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

/**
 * The item of a forEach instance, when the console can know it: from the static `items`, or from the
 * upstream output the list came from (its task's latest attempt's outputs). `undefined` when unknown.
 */
export function instanceItem(
  forEach: { items?: unknown[]; from?: string } | undefined,
  index: number,
  latest: ReadonlyMap<string, Attempt>,
): unknown {
  if (!forEach) return undefined;
  if (forEach.items) return index < forEach.items.length ? forEach.items[index] : undefined;
  const m = forEach.from ? OUTPUT_REF.exec(forEach.from) : null;
  if (!m) return undefined;
  const list = outputsOf(latest.get(m[1]!)).find(([name]) => name === m[2])?.[1];
  return Array.isArray(list) && index < list.length ? list[index] : undefined;
}

/**
 * The item the server reports for an instance attempt (`attempts[].instance.item` of newer servers), or
 * null when it reports none. Read defensively: older servers have no such field.
 */
export function reportedItem(attempt: Attempt | null | undefined): { item: unknown } | null {
  const instance: unknown = attempt ? (attempt as Attempt & { instance?: unknown }).instance : undefined;
  if (typeof instance !== 'object' || instance === null || !('item' in instance)) return null;
  return { item: (instance as { item: unknown }).item };
}
