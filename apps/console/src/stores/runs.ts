import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import {
  api,
  parseRunEvent,
  type Attempt,
  type AttemptState,
  type EngineEvent,
  type Run,
  type RunDetail,
  type RunRef,
  type RunState,
} from '../api';

export interface RunFilters {
  /** Empty: every namespace the user may read. */
  namespace: string;
  /** A DAG is (namespace, name): the name filters only within a chosen namespace. */
  dag: string;
  states: RunState[];
  /** datetime-local values or ISO strings; empty = open. */
  from: string;
  to: string;
}

export type TaskState = AttemptState | 'pending';

const PAGE_SIZE = 50;

/** Parses one SSE message of `/api/v1/events` into an engine event, or null when it is not one. */
export const toEngineEvent = parseRunEvent;

function toIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function matchesFilters(run: Run, f: RunFilters): boolean {
  if (f.namespace && run.namespace !== f.namespace) return false;
  if (f.namespace && f.dag && run.dagName !== f.dag) return false;
  if (f.states.length > 0 && !f.states.includes(run.state)) return false;
  const from = toIso(f.from);
  const to = toIso(f.to);
  if (from && run.createdAt < from) return false;
  if (to && run.createdAt > to) return false;
  return true;
}

/**
 * The open run after one engine event: a new detail with the event's run and attempt (by id: a newer copy
 * of the attempt replaces the older one in place), or the same one when the event is about another run.
 */
export function withEvent(detail: RunDetail, ev: EngineEvent): RunDetail {
  const { run, attempt } = ev.data;
  if (detail.run.id !== run.id) return detail;
  if (!attempt) return { ...detail, run };
  const i = detail.attempts.findIndex((a) => a.id === attempt.id);
  const attempts = i >= 0 ? detail.attempts.with(i, attempt) : [...detail.attempts, attempt];
  return { ...detail, run, attempts };
}

/**
 * The open run after a batch of engine events, in order: what `withEvent` one by one gives, with one new
 * attempts list for the batch instead of one per event. `at` says where each attempt of `detail` is, by id;
 * it is updated to say the same of the answer's list (an attempt keeps its place, a new one is appended).
 */
export function withEvents(
  detail: RunDetail,
  events: readonly EngineEvent[],
  at: Map<string, number>,
): RunDetail {
  let run = detail.run;
  let attempts: Attempt[] | null = null;
  for (const ev of events) {
    if (ev.data.run.id !== detail.run.id) continue;
    run = ev.data.run;
    const attempt = ev.data.attempt;
    if (!attempt) continue;
    attempts ??= [...detail.attempts];
    const i = at.get(attempt.id);
    if (i === undefined) at.set(attempt.id, attempts.push(attempt) - 1);
    else attempts[i] = attempt;
  }
  if (run === detail.run && !attempts) return detail;
  return { ...detail, run, attempts: attempts ?? detail.attempts };
}

/**
 * Runs: the filtered list with keyset "load more", the run open in the detail page, and the
 * application of live engine events to both. Events are applied in arrival order; an older event
 * never overwrites a newer state (attempts are matched by id, the run by id).
 */
export const useRunsStore = defineStore('runs', () => {
  const items = ref<Run[]>([]);
  const filters = ref<RunFilters>({ namespace: '', dag: '', states: [], from: '', to: '' });
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);
  /**
   * The open run, never changed in place: each change (a batch of events, a cancel) puts a new detail
   * here that shares what did not change (the tasks, the warnings, the untouched attempts). A live run of
   * 1,000 tasks would otherwise be 1,000 reactive attempts, each event paying for tracking all of them, and
   * the views could not tell what changed by identity (the run view re-renders only changed rows).
   */
  const current = shallowRef<RunDetail | null>(null);
  /**
   * Where each attempt of the open run is in its list, by id, and the list that is true of: a live event
   * finds its attempt here instead of searching 1,000 of them. Built again when the list is another.
   */
  let places: { attempts: readonly Attempt[]; at: Map<string, number> } | null = null;
  const lastEventId = ref<string | null>(null);

  async function load(more = false): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const f = filters.value;
      const page = await api.runs.list({
        namespace: f.namespace || undefined,
        dag: (f.namespace && f.dag) || undefined,
        state: f.states.length ? f.states : undefined,
        from: toIso(f.from),
        to: toIso(f.to),
        limit: PAGE_SIZE,
        cursor: more ? nextCursor.value : undefined,
      });
      items.value = more
        ? [...items.value, ...page.items.filter((r) => !items.value.some((x) => x.id === r.id))]
        : page.items;
      nextCursor.value = page.nextCursor;
    } catch (err) {
      error.value = err;
    } finally {
      loading.value = false;
    }
  }

  /**
   * Events that arrived while a read of the open run was in flight, one list per read. The read's
   * snapshot may be older than some of them (the stream is faster than the query), so they are applied
   * again on top of it: events come in order, so the result is never older than the last event seen.
   */
  const arrivedDuringRead = new Set<EngineEvent[]>();

  /** Reads a run's detail and makes it the open run, with the events that overtook the read applied. */
  async function open(run: RunRef): Promise<RunDetail> {
    const overtaking: EngineEvent[] = [];
    arrivedDuringRead.add(overtaking);
    try {
      const detail = await api.runs.get(run);
      current.value = overtaking.reduce(withEvent, detail);
      return detail;
    } finally {
      arrivedDuringRead.delete(overtaking);
    }
  }

  /**
   * Reads the open queued run's place in line again: it moves when other runs of the DAG start or end, and
   * this run's own events do not say so. Only the position changes (tasks and attempts stay, so nothing is
   * laid out again); a run that has left the queue meanwhile is left to its events.
   */
  async function refreshQueuePosition(run: RunRef): Promise<void> {
    const { run: read } = await api.runs.get(run);
    const open = current.value;
    if (open?.run.id !== run.id || open.run.state !== 'queued' || read.state !== 'queued') return;
    if (open.run.queuePosition === read.queuePosition) return;
    current.value = { ...open, run: { ...open.run, queuePosition: read.queuePosition } };
  }

  function upsertRun(run: Run): void {
    const i = items.value.findIndex((r) => r.id === run.id);
    if (i >= 0) items.value.splice(i, 1, run);
    else if (matchesFilters(run, filters.value)) {
      items.value.unshift(run);
    }
  }

  /** Applies one engine event to the list and to the open run. */
  function applyEvent(ev: EngineEvent): void {
    applyEvents([ev]);
  }

  /** Applies events in order: one change of the page for all of them (see useLiveRun). */
  function applyEvents(events: readonly EngineEvent[]): void {
    for (const ev of events) {
      if (ev.id) lastEventId.value = ev.id;
      upsertRun(ev.data.run);
      for (const list of arrivedDuringRead) list.push(ev);
    }
    const cur = current.value;
    if (cur) {
      if (places?.attempts !== cur.attempts)
        places = { attempts: cur.attempts, at: new Map(cur.attempts.map((a, i) => [a.id, i])) };
      const next = withEvents(cur, events, places.at);
      places.attempts = next.attempts;
      if (next !== cur) current.value = next;
    }
  }

  /** Each task's state in the open run: its latest attempt's, or `pending` before the first. */
  const taskStates = computed<Record<string, TaskState>>(() => {
    const out: Record<string, TaskState> = {};
    const cur = current.value;
    if (!cur) return out;
    const latest = new Map<string, Attempt>();
    for (const a of cur.attempts) {
      const prev = latest.get(a.taskName);
      if (!prev || a.attempt > prev.attempt || (a.attempt === prev.attempt && a.createdAt >= prev.createdAt))
        latest.set(a.taskName, a);
    }
    for (const t of cur.tasks) out[t.name] = latest.get(t.name)?.state ?? 'pending';
    return out;
  });

  async function cancel(ref: RunRef): Promise<void> {
    const run = await api.runs.cancel(ref);
    upsertRun(run);
    if (current.value?.run.id === ref.id) current.value = { ...current.value, run };
  }

  async function retry(ref: RunRef, latestVersion = false): Promise<Run> {
    const run = await api.runs.retry(ref, latestVersion);
    upsertRun(run);
    return run;
  }

  /**
   * A task action (docs/task-actions.md): rerun the task (with `downstream`, what is below it too), or
   * mark it succeeded or failed. The answer's new attempts are added to the open run at once; the live
   * events keep them and the run current. Events may overtake the answer (they are sent when the change is
   * committed), so an attempt the open run already has is never replaced by the answer's older copy.
   */
  async function taskAction(
    ref: RunRef,
    task: string,
    action:
      | { kind: 'rerun'; downstream: boolean }
      | { kind: 'mark'; state: 'succeeded' | 'failed'; reason?: string },
  ): Promise<void> {
    const result =
      action.kind === 'rerun'
        ? await api.runs.rerunTask(ref, task, action.downstream)
        : await api.runs.markTask(ref, task, action.state, action.reason);
    const cur = current.value;
    if (!cur || cur.run.id !== ref.id) return;
    const known = new Set(cur.attempts.map((a) => a.id));
    const added = result.attempts.filter((a) => !known.has(a.id));
    // The open run is replaced, never changed in place (it is not deeply reactive: see withEvent).
    if (added.length > 0) current.value = { ...cur, attempts: [...cur.attempts, ...added] };
  }

  return {
    taskAction,
    items,
    filters,
    nextCursor,
    loading,
    error,
    current,
    lastEventId,
    taskStates,
    load,
    open,
    refreshQueuePosition,
    applyEvent,
    applyEvents,
    upsertRun,
    cancel,
    retry,
  };
});
