/**
 * Pure helpers of the run view for data and control flow (docs/flow/): forEach instances (`name[i]`
 * attempts), skip reasons, and the outputs an attempt carries.
 */
import type { Attempt } from '../api';

/** `process[3]` → `{task: 'process', index: 3}`; null for a plain task name (task names hold no `[`). */
export function parseInstance(name: string): { task: string; index: number } | null {
  // Most names are plain tasks: the run view asks about every one of them at each live event.
  if (!name.endsWith(']')) return null;
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
  // Only instances count: a live run of plain tasks asks this at every frame.
  const ofInstances = attempts.filter((a) => parseInstance(a.taskName));
  const counts = new Map<string, number>();
  for (const a of ofInstances) counts.set(a.taskName, (counts.get(a.taskName) ?? 0) + 1);
  const out = new Map<string, InstanceRow[]>();
  for (const [name, latest] of latestAttempts(ofInstances)) {
    const inst = parseInstance(name)!;
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
  // A sort of a live run's 1,000 attempts asks for each name's key a dozen times per frame.
  const keys = new Map<string, number>();
  return (taskName) => {
    const known = keys.get(taskName);
    if (known !== undefined) return known;
    const inst = parseInstance(taskName);
    const base = rank.get(inst ? inst.task : taskName) ?? unknown;
    // Up to a million instances between two tasks keeps the keys apart (10,000 is the forEach limit).
    const key = base * 1_000_001 + (inst ? inst.index + 1 : 0);
    keys.set(taskName, key);
    return key;
  };
}

/** A run's attempts sorted by `attemptOrder`, with each attempt's place by id: what the next sort may reuse. */
export interface SortedAttempts {
  readonly list: readonly Attempt[];
  readonly at: ReadonlyMap<string, number>;
  readonly key: (taskName: string) => number;
}

/**
 * `attempts` by `key` (an `attemptOrder`), then by attempt number. When they are the attempts of
 * `previous` by id (newer copies of some: a live event changes an attempt's state far more often than it
 * adds one), each takes its previous place and nothing is sorted: an attempt's task and number never change.
 */
export function sortAttempts(
  attempts: readonly Attempt[],
  key: (taskName: string) => number,
  previous: SortedAttempts | null = null,
): SortedAttempts {
  if (previous?.key === key && previous.list.length === attempts.length) {
    const list = new Array<Attempt>(attempts.length);
    let placed = 0;
    for (const a of attempts) {
      const i = previous.at.get(a.id);
      if (i === undefined || list[i] !== undefined) break;
      list[i] = a;
      placed++;
    }
    if (placed === attempts.length) return { list, at: previous.at, key };
  }
  const list = [...attempts].sort((a, b) => key(a.taskName) - key(b.taskName) || a.attempt - b.attempt);
  return { list, at: new Map(list.map((a, i) => [a.id, i])), key };
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
