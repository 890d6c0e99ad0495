import { shallowReactive, toRaw } from 'vue';
import type { Attempt } from '../api';
import {
  parseInstance,
  summarizeInstances,
  type InstanceRow,
  type InstanceSummary,
} from '../components/runFlow';
import { syncRecord } from './syncRecord';

/** Why a task's latest attempt ended as it did (the graph shows skip reasons). */
export interface TaskReason {
  readonly reason: string | null;
  readonly message: string | null;
}

/** What the run graph shows of each task, as reactive records changed key by key (see syncRecord). */
export interface RunGraphRecords {
  /** Every main task's and exit handler's state: its latest attempt's, or `pending`. */
  readonly states: Readonly<Record<string, string>>;
  /** Attempts so far, by attempt task name. */
  readonly attempts: Readonly<Record<string, number>>;
  readonly reasons: Readonly<Record<string, TaskReason>>;
  /** The instances of each forEach task that has any. */
  readonly instances: Readonly<Record<string, InstanceSummary>>;
}

/** What the records are made from: the open run's attempts and what the run view derives from them. */
export interface RunGraphInput {
  readonly attempts: readonly Attempt[];
  readonly latest: ReadonlyMap<string, Attempt>;
  readonly instances: ReadonlyMap<string, InstanceRow[]>;
  readonly tasks: readonly string[];
  readonly exit: ReadonlySet<string>;
}

const sameReason = (a: TaskReason, b: TaskReason) => a.reason === b.reason && a.message === b.message;

function sameSummary(a: InstanceSummary, b: InstanceSummary): boolean {
  const states = Object.keys(a.states);
  return (
    a.total === b.total &&
    states.length === Object.keys(b.states).length &&
    states.every((s) => a.states[s] === b.states[s])
  );
}

/** Writes one key when its value changed; reads the raw record (see syncRecord). */
function put<V>(record: Record<string, V>, key: string, value: V | undefined, same: (a: V, b: V) => boolean) {
  const before = toRaw(record)[key];
  if (value === undefined) {
    if (before !== undefined) delete record[key];
  } else if (before === undefined || !same(before, value)) record[key] = value;
}

/**
 * The run graph's records and how to bring them up to date. A live run's attempts list keeps each attempt
 * in its place (a newer copy replaces it, a new one is appended: see the runs store), so after the first
 * time only the task names at places whose attempt is another object are looked at: a frame's few events,
 * not the 1,000 tasks. Anything else (another run, other tasks, a shorter list) is synced in full.
 */
export function runGraphRecords(): { records: RunGraphRecords; update(input: RunGraphInput): void } {
  const states = shallowReactive<Record<string, string>>({});
  const attempts = shallowReactive<Record<string, number>>({});
  const reasons = shallowReactive<Record<string, TaskReason>>({});
  const instances = shallowReactive<Record<string, InstanceSummary>>({});
  let last: { input: RunGraphInput; graphNames: ReadonlySet<string> } | null = null;

  const reasonOf = (name: string, a: Attempt | undefined): TaskReason | undefined =>
    a && !parseInstance(name) && (a.reason || a.message)
      ? { reason: a.reason, message: a.message }
      : undefined;

  function full(input: RunGraphInput): ReadonlySet<string> {
    const graphNames = new Set([...input.tasks, ...input.exit]);
    const s = new Map<string, string>();
    for (const name of graphNames) s.set(name, input.latest.get(name)?.state ?? 'pending');
    syncRecord(states, s);
    const counts = new Map<string, number>();
    const why = new Map<string, TaskReason>();
    for (const [name, a] of input.latest) {
      counts.set(name, a.attempt);
      const r = reasonOf(name, a);
      if (r) why.set(name, r);
    }
    syncRecord(attempts, counts);
    syncRecord(reasons, why, sameReason);
    const summaries = new Map<string, InstanceSummary>();
    for (const [task, rows] of input.instances) summaries.set(task, summarizeInstances(rows));
    syncRecord(instances, summaries, sameSummary);
    return graphNames;
  }

  function update(input: RunGraphInput): void {
    const before = last?.input;
    if (
      !last ||
      !before ||
      before.tasks !== input.tasks ||
      before.exit !== input.exit ||
      input.attempts.length < before.attempts.length
    ) {
      last = { input, graphNames: full(input) };
      return;
    }
    const changed = new Set<string>();
    const prev = before.attempts;
    for (let i = 0; i < input.attempts.length; i++) {
      const a = input.attempts[i]!;
      if (a === prev[i]) continue;
      changed.add(a.taskName);
      if (prev[i]) changed.add(prev[i]!.taskName);
    }
    const { graphNames } = last;
    last = { input, graphNames };
    for (const name of changed) {
      const a = input.latest.get(name);
      if (graphNames.has(name)) put(states, name, a?.state ?? 'pending', Object.is);
      put(attempts, name, a?.attempt, Object.is);
      put(reasons, name, reasonOf(name, a), sameReason);
      const inst = parseInstance(name);
      if (inst) {
        const rows = input.instances.get(inst.task);
        put(instances, inst.task, rows ? summarizeInstances(rows) : undefined, sameSummary);
      }
    }
  }

  return { records: { states, attempts, reasons, instances }, update };
}
