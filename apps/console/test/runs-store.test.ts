import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { watch } from 'vue';
import { api, type Attempt, type EngineEvent, type Run, type RunDetail } from '../src/api';
import { matchesFilters, toEngineEvent, useRunsStore, withEvent, withEvents } from '../src/stores/runs';
import { makeAttempt } from './helpers';

function run(patch: Partial<Run> = {}): Run {
  return {
    id: 'r1',
    dagName: 'etl',
    namespace: 'default',
    dagVersion: 1,
    state: 'running',
    trigger: 'manual',
    parameters: {},
    createdAt: '2026-11-25T10:00:00.000Z',
    startedAt: '2026-11-25T10:00:01.000Z',
    finishedAt: null,
    reason: null,
    durationMs: null,
    cancelRequested: false,
    activeDeadlineSeconds: null,
    priority: 0,
    queuePosition: null,
    ...patch,
  };
}

const attempt = makeAttempt;

describe('runs store: live events', () => {
  beforeEach(() => {
    vi.restoreAllMocks();
    setActivePinia(createPinia());
  });

  it('parses SSE messages into engine events and rejects garbage', () => {
    const ev = toEngineEvent({
      id: '5',
      event: 'task.started',
      data: JSON.stringify({ run: run(), attempt: attempt({}) }),
    });
    expect(ev?.event).toBe('task.started');
    expect(ev?.data.attempt?.id).toBe('a1');
    expect(toEngineEvent({ id: null, event: 'task.started', data: 'not json' })).toBeNull();
    expect(toEngineEvent({ id: null, event: 'task.started', data: '{"foo":1}' })).toBeNull();
    expect(toEngineEvent({ id: null, event: 'x', data: JSON.stringify({ run: run() }) })).toBeNull();
  });

  it('applies task events to the open run: states per task follow the latest attempt', () => {
    const s = useRunsStore();
    s.current = {
      run: run(),
      attempts: [],
      warnings: [],
      deadline: null,
      tasks: [
        { name: 'extract', runAfter: [] },
        { name: 'load', runAfter: ['extract'] },
      ],
    };
    expect(s.taskStates).toEqual({ extract: 'pending', load: 'pending' });

    s.applyEvent({ id: '1', event: 'task.started', data: { run: run(), attempt: attempt({}) } });
    expect(s.taskStates.extract).toBe('running');

    s.applyEvent({
      id: '2',
      event: 'task.failed',
      data: {
        run: run(),
        attempt: attempt({ state: 'failed', exitCode: 2, finishedAt: '2026-11-25T10:00:03.000Z' }),
      },
    });
    expect(s.current.attempts).toHaveLength(1);
    expect(s.current.attempts[0]!.exitCode).toBe(2);
    expect(s.taskStates.extract).toBe('failed');

    s.applyEvent({
      id: '3',
      event: 'task.started',
      data: { run: run(), attempt: attempt({ id: 'a2', attempt: 2, createdAt: '2026-11-25T10:00:05.000Z' }) },
    });
    expect(s.current.attempts).toHaveLength(2);
    expect(s.taskStates.extract).toBe('running');

    s.applyEvent({
      id: '4',
      event: 'task.succeeded',
      data: { run: run(), attempt: attempt({ id: 'a2', attempt: 2, state: 'succeeded', exitCode: 0 }) },
    });
    s.applyEvent({
      id: '5',
      event: 'task.succeeded',
      data: { run: run(), attempt: attempt({ id: 'a3', taskName: 'load', state: 'succeeded' }) },
    });
    s.applyEvent({
      id: '6',
      event: 'run.finished',
      data: { run: run({ state: 'succeeded', finishedAt: '2026-11-25T10:00:09.000Z', durationMs: 8000 }) },
    });
    expect(s.taskStates).toEqual({ extract: 'succeeded', load: 'succeeded' });
    expect(s.current.run.state).toBe('succeeded');
    expect(s.lastEventId).toBe('6');
  });

  it('a batch of live events makes one new open run sharing what did not change (1,000-task run views re-render only that)', () => {
    const s = useRunsStore();
    const tasks = Array.from({ length: 1000 }, (_, i) => ({ name: `t${i}`, runAfter: [] }));
    const attempts = tasks.map((t, i) => attempt({ id: `a${i}`, taskName: t.name, state: 'waiting' }));
    s.current = { run: run(), attempts, warnings: [], tasks };
    const before = s.current;
    let changes = 0;
    watch(
      () => s.current,
      () => changes++,
      { flush: 'sync' },
    );
    s.applyEvents([
      {
        id: '1',
        event: 'task.started',
        data: { run: run(), attempt: attempt({ id: 'a3', taskName: 't3' }) },
      },
      {
        id: '2',
        event: 'task.succeeded',
        data: { run: run(), attempt: attempt({ id: 'a3', taskName: 't3', state: 'succeeded', exitCode: 0 }) },
      },
      {
        id: '3',
        event: 'task.started',
        data: { run: run(), attempt: attempt({ id: 'a7', taskName: 't7' }) },
      },
    ]);
    const after = s.current!;
    expect(after).not.toBe(before);
    // The detail that was open is left as it was: whoever holds it sees no change under its feet.
    expect(before.attempts[3]!.state).toBe('waiting');
    expect(after.attempts[3]!.state).toBe('succeeded');
    expect(after.attempts[7]!.state).toBe('running');
    expect(after.attempts).toHaveLength(1000);
    expect(after.tasks).toBe(tasks);
    expect(after.attempts.filter((a, i) => a !== attempts[i]).map((a) => a.id)).toEqual(['a3', 'a7']);
    expect(changes).toBe(1);
    expect(s.taskStates.t3).toBe('succeeded');
  });

  it('a batch applied at once is what its events applied one by one give, and the places follow the new list', () => {
    const s = useRunsStore();
    const detail: RunDetail = {
      run: run(),
      attempts: [attempt({ id: 'a0', taskName: 'extract' }), attempt({ id: 'a1', taskName: 'load' })],
      warnings: [],
      tasks: [],
    };
    const events: EngineEvent[] = [
      {
        id: '1',
        event: 'task.succeeded',
        data: { run: run(), attempt: attempt({ id: 'a1', state: 'succeeded' }) },
      },
      { id: '2', event: 'task.started', data: { run: run({ id: 'other' }), attempt: attempt({ id: 'x9' }) } },
      {
        id: '3',
        event: 'task.started',
        data: { run: run(), attempt: attempt({ id: 'a2', taskName: 'report' }) },
      },
      {
        id: '4',
        event: 'task.failed',
        data: { run: run(), attempt: attempt({ id: 'a2', state: 'failed' }) },
      },
      { id: '5', event: 'run.finished', data: { run: run({ state: 'succeeded' }) } },
    ];
    const at = new Map(detail.attempts.map((a, i) => [a.id, i]));
    const batched = withEvents(detail, events, at);
    expect(batched).toEqual(events.reduce(withEvent, detail));
    expect([...at]).toEqual([
      ['a0', 0],
      ['a1', 1],
      ['a2', 2],
    ]);
    // Nothing about the open run: the very same detail.
    expect(withEvents(detail, [events[1]!], at)).toBe(detail);
    // Through the store, one batch after another (the places kept between them).
    s.current = detail;
    s.applyEvents(events.slice(0, 3));
    s.applyEvents(events.slice(3));
    expect(s.current).toEqual(batched);
  });

  it('ignores events of other runs for the open run but lists new runs that match the filters', () => {
    const s = useRunsStore();
    s.current = {
      run: run(),
      attempts: [],
      warnings: [],
      deadline: null,
      tasks: [{ name: 'extract', runAfter: [] }],
    };
    s.filters = { namespace: 'default', dag: 'etl', states: [], from: '', to: '' };
    s.items = [run()];
    s.applyEvent({
      id: '1',
      event: 'task.started',
      data: { run: run({ id: 'r2' }), attempt: attempt({ id: 'x' }) },
    });
    expect(s.current.attempts).toHaveLength(0);
    expect(s.items.map((r) => r.id)).toEqual(['r2', 'r1']);
    s.applyEvent({ id: '2', event: 'run.created', data: { run: run({ id: 'r3', dagName: 'other' }) } });
    expect(s.items.map((r) => r.id)).toEqual(['r2', 'r1']);
    s.applyEvent({ id: '3', event: 'run.finished', data: { run: run({ id: 'r1', state: 'failed' }) } });
    expect(s.items.find((r) => r.id === 'r1')?.state).toBe('failed');
  });

  // Regression (seen in CI): a fast run finished while the page re-read it; the read's older snapshot
  // landed after the run.finished event and the page showed "running" for good.
  it('keeps events that overtook an in-flight read of the open run', async () => {
    const s = useRunsStore();
    let answer: (d: RunDetail) => void = () => undefined;
    vi.spyOn(api.runs, 'get').mockReturnValue(new Promise<RunDetail>((resolve) => (answer = resolve)));
    const reading = s.open({ namespace: 'default', id: 'r1' });
    s.applyEvent({
      id: '7',
      event: 'task.failed',
      data: { run: run(), attempt: attempt({ state: 'failed', exitCode: 3 }) },
    });
    s.applyEvent({ id: '8', event: 'run.finished', data: { run: run({ state: 'failed' }) } });
    answer({
      run: run(),
      attempts: [attempt({})],
      warnings: [],
      deadline: null,
      tasks: [{ name: 'extract', runAfter: [] }],
    });
    await reading;
    expect(s.current?.run.state).toBe('failed');
    expect(s.taskStates.extract).toBe('failed');
    expect(s.current?.attempts).toHaveLength(1);

    // Once the read is over, events are not replayed on the next read.
    vi.spyOn(api.runs, 'get').mockResolvedValue({
      run: run({ state: 'running' }),
      attempts: [attempt({ id: 'a2', attempt: 2 })],
      warnings: [],
      deadline: null,
      tasks: [{ name: 'extract', runAfter: [] }],
    });
    await s.open({ namespace: 'default', id: 'r1' });
    expect(s.current?.run.state).toBe('running');
    expect(s.current?.attempts.map((a) => a.id)).toEqual(['a2']);
  });

  it("moves a queued run's place in line and keeps its tasks and attempts; leaves a run that started to its events", async () => {
    const s = useRunsStore();
    const tasks = [{ name: 'extract', runAfter: [] }];
    const detail = (patch: Partial<Run>): RunDetail => ({
      run: run({ state: 'queued', startedAt: null, ...patch }),
      attempts: [],
      warnings: [],
      deadline: null,
      tasks,
    });
    vi.spyOn(api.runs, 'get').mockResolvedValue(detail({ queuePosition: 2 }));
    const ref = { namespace: 'default', id: 'r1' };
    await s.open(ref);
    const openTasks = s.current?.tasks;

    vi.spyOn(api.runs, 'get').mockResolvedValue(detail({ queuePosition: 1 }));
    await s.refreshQueuePosition(ref);
    expect(s.current?.run.queuePosition).toBe(1);
    expect(s.current?.tasks).toBe(openTasks);

    // Read as started: the stream's run.started says so, not this read (which may be older than an event).
    vi.spyOn(api.runs, 'get').mockResolvedValue(detail({ state: 'running', queuePosition: null }));
    await s.refreshQueuePosition(ref);
    expect(s.current?.run).toMatchObject({ state: 'queued', queuePosition: 1 });
  });

  it('matches runs against state and time filters', () => {
    const f = {
      namespace: '',
      dag: '',
      states: ['failed' as const],
      from: '2026-11-25T09:00:00Z',
      to: '2026-11-25T11:00:00Z',
    };
    expect(matchesFilters(run({ state: 'failed' }), f)).toBe(true);
    expect(matchesFilters(run({ state: 'running' }), f)).toBe(false);
    expect(matchesFilters(run({ state: 'failed', createdAt: '2026-11-25T12:00:00.000Z' }), f)).toBe(false);
  });

  it('matches a DAG filter only within its namespace: the same name elsewhere is another DAG', () => {
    const f = { namespace: 'team-a', dag: 'etl', states: [], from: '', to: '' };
    expect(matchesFilters(run({ namespace: 'team-a' }), f)).toBe(true);
    expect(matchesFilters(run({ namespace: 'team-b' }), f)).toBe(false);
    expect(matchesFilters(run({ namespace: 'team-b' }), { ...f, namespace: '', dag: '' })).toBe(true);
  });
});
