/**
 * Run limits through the engine (docs/run-limits.md): two run services and two workers on one
 * store, as two replicas would be, a burst of 1,000 submits, and the limit never exceeded.
 */
import { describe, expect, it } from 'vitest';
import {
  EngineEventBus,
  SLOT_RUN_STATES,
  createRunService,
  createWorker,
  setUpPlugins,
  type RunService,
  type Worker,
} from '../../src/index.js';
import { FakeClock, FakeRuntime, createMemoryStore, type MemoryStore } from '../../src/testing/index.js';

const LIMITED = {
  name: 'limited',
  maxActiveRuns: 3,
  tasks: [{ name: 'work', image: 'busybox', command: ['true'] }],
};

interface Replica {
  readonly runs: RunService;
  readonly worker: Worker;
  readonly events: EngineEventBus;
}

function replica(store: MemoryStore, clock: FakeClock, id: string): Replica {
  const events = new EngineEventBus();
  const runtime = new FakeRuntime({ clock, defaultOutcome: { exitCode: 0, delayMs: 50 } });
  const plugins = setUpPlugins({ events, runtimes: [runtime] });
  const runs = createRunService({ store, clock, events, notifiers: plugins.notifiers });
  const worker = createWorker({ runs, plugins, clock, scheduler: false, workerId: id, concurrency: 20 });
  return { runs, worker, events };
}

async function holding(store: MemoryStore): Promise<number> {
  const page = await store.listRuns(
    { dag: { namespace: 'default', name: 'limited' }, states: [...SLOT_RUN_STATES] },
    { limit: 500 },
  );
  return page.items.length;
}

describe('run limits', () => {
  it('queues a burst of 1,000 submits across two replicas and never runs more than maxActiveRuns', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const replicas = [replica(store, clock, 'w1'), replica(store, clock, 'w2')];
    await replicas[0]?.runs.registerDag(LIMITED);
    let peak = 0;
    let finished = 0;
    for (const { events } of replicas) {
      events.on('run.started', () => {
        void holding(store).then((n) => (peak = Math.max(peak, n)));
      });
      events.on('run.finished', () => finished++);
    }
    for (const { worker } of replicas) await worker.start();

    const submitted = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => (replicas[i % 2] as Replica).runs.submit('limited')),
    );
    expect(submitted.filter((run) => run.state === 'queued').length).toBeGreaterThanOrEqual(997);
    expect(await holding(store)).toBe(3);

    for (let step = 0; finished < 1000 && step < 5000; step++) await clock.advance(50);
    expect(finished).toBe(1000);
    expect(peak).toBe(3);
    const page = await store.listRuns({ states: ['succeeded'] }, { limit: 500 });
    expect(page.items).toHaveLength(500);
    for (const { worker, runs } of replicas) {
      await worker.stop();
      await runs.close();
    }
  }, 120_000);

  it('starts queued runs by priority, then in submit order, and cancels a queued run without starting it', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const { runs, worker, events } = replica(store, clock, 'w1');
    await runs.registerDag({ ...LIMITED, maxActiveRuns: 1, priority: 5 });
    const started: string[] = [];
    events.on('run.started', ({ run }) => started.push(run.id));
    await worker.start();

    const first = await runs.submit('limited');
    const second = await runs.submit('limited');
    await clock.advance(1);
    const third = await runs.submit('limited');
    const urgent = await runs.submit('limited', undefined, { priority: 9 });
    const dropped = await runs.submit('limited');
    const tied = await runs.submit('limited');
    expect([first.priority, urgent.priority]).toEqual([5, 9]);
    expect([first.state, second.state, urgent.state]).toEqual(['running', 'queued', 'queued']);
    const positions = await store.queuePositions([second.id, third.id, urgent.id, dropped.id]);
    expect(Object.fromEntries(positions)).toEqual({
      [urgent.id]: 1,
      [second.id]: 2,
      [third.id]: 3,
      [dropped.id]: 4,
    });
    expect((await store.queuePositions([tied.id])).get(tied.id)).toBe(5);

    const canceled = await runs.cancel(dropped.id);
    expect(canceled.state).toBe('canceled');
    for (let step = 0; started.length < 5 && step < 100; step++) await clock.advance(50);
    expect(started).toEqual([first.id, urgent.id, second.id, third.id, tied.id]);
    const snapshot = await runs.getRun(dropped.id);
    expect(snapshot?.run.startedAt).toBeNull();
    expect(snapshot?.attempts.map((a) => a.state)).toEqual(['canceled']);
    await worker.stop();
    await runs.close();
  });

  // A retry (or a task rerun) of a finished run took a slot past maxActiveRuns instead of queueing.
  it('puts a retried run and a rerun task of a finished run back through admission when the DAG is at its limit', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const runs = createRunService({ store, clock });
    await runs.registerDag({ ...LIMITED, maxActiveRuns: 1 });
    const failed = await runs.submit('limited');
    expect(failed.state).toBe('running');
    await runs.cancel(failed.id);
    const holder = await runs.submit('limited');
    expect(holder.state).toBe('running');

    const retried = await runs.retry(failed.id);
    expect([retried.state, retried.startedAt, retried.finishedAt]).toEqual(['queued', null, null]);
    expect(await holding(store)).toBe(1);
    expect((await store.queuePositions([failed.id])).get(failed.id)).toBe(1);
    // Its new attempts wait with it: nothing is claimable while it is queued.
    expect((await runs.getRun(failed.id))?.attempts.filter((a) => a.round === 2).map((a) => a.state)).toEqual(
      ['waiting'],
    );

    // The slot frees: admission starts the retried run, as it would a new one.
    await runs.cancel(holder.id);
    await runs.admitQueued('default'); // waits for the admission the cancel started
    expect((await runs.getRun(failed.id))?.run).toMatchObject({
      state: 'running',
      round: 2,
      startedAt: clock.now(),
    });
    expect(await holding(store)).toBe(1);

    // A task rerun that reopens a finished run waits the same way.
    await runs.cancel(failed.id);
    const busy = await runs.submit('limited');
    const rerun = await runs.rerunTask(holder.id, 'work');
    expect(rerun.run.state).toBe('queued');
    await runs.cancel(busy.id);
    await runs.admitQueued('default');
    expect((await runs.getRun(holder.id))?.run.state).toBe('running');

    // Without a limit a retry starts at once, as before.
    await runs.registerDag({ ...LIMITED, maxActiveRuns: undefined });
    await runs.cancel(holder.id);
    expect((await runs.retry(holder.id)).state).toBe('running');
    await runs.close();
  });

  it('admits queued runs when an admin lifts the namespace limit', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const runs = createRunService({ store, clock });
    await runs.registerDag({ name: 'open', tasks: [{ name: 'work', image: 'busybox', command: ['true'] }] });
    await store.setNamespaceLimits({ namespace: 'default', maxActiveRuns: 1, now: 0, updatedBy: 'admin' });
    const a = await runs.submit('open');
    const b = await runs.submit('open');
    expect([a.state, b.state]).toEqual(['running', 'queued']);
    await store.setNamespaceLimits({ namespace: 'default', maxActiveRuns: null, now: 0, updatedBy: 'admin' });
    await runs.admitQueued('default');
    expect((await runs.getRun(b.id))?.run.state).toBe('running');
    await runs.close();
  });
});

/** A gate a store call waits at until the test opens it. */
function gate(): { wait: () => Promise<void>; open: () => void; reached: Promise<void> } {
  let open = (): void => undefined;
  let reach = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  return {
    wait: () => {
      reach();
      return opened;
    },
    open,
    reached,
  };
}

describe('closing the run service', () => {
  // A commit in flight when close() began ended a run holding a slot, and requested admission after close
  // had waited for admission: the pass then ran on after close resolved, against a store its owner had
  // closed by then ("Cannot use a pool after calling end on the pool").
  it('starts no admission once closing, even for a commit in flight that ends a run, and resolves with nothing in flight', async () => {
    const clock = new FakeClock();
    const memory = createMemoryStore();
    const commitGate = gate();
    let gateNextCommit = false;
    let admissionsInFlight = 0;
    let admissionsStarted = 0;
    const store = new Proxy(memory, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key === 'commitRun') {
          return async (...args: Parameters<MemoryStore['commitRun']>) => {
            if (gateNextCommit) {
              gateNextCommit = false;
              await commitGate.wait();
            }
            return target.commitRun(...args);
          };
        }
        if (key === 'admitQueuedRuns') {
          return async (...args: Parameters<MemoryStore['admitQueuedRuns']>) => {
            admissionsStarted++;
            admissionsInFlight++;
            try {
              // Long enough for close() to resolve first, were it not waiting.
              await new Promise((resolve) => setTimeout(resolve, 50));
              return await target.admitQueuedRuns(...args);
            } finally {
              admissionsInFlight--;
            }
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const events = new EngineEventBus();
    const plugins = setUpPlugins({ events, runtimes: [new FakeRuntime({ clock })] });
    const runs = createRunService({ store, clock, events, notifiers: plugins.notifiers });
    await runs.registerDag({ ...LIMITED, maxActiveRuns: 1 });
    const holder = await runs.submit('limited');
    const waiting = await runs.submit('limited');
    expect([holder.state, waiting.state]).toEqual(['running', 'queued']);
    const startedBefore = admissionsStarted;

    gateNextCommit = true;
    const cancel = runs.cancel(holder.id);
    await commitGate.reached;
    const closing = runs.close();
    commitGate.open();
    expect((await cancel).state).toBe('canceled');
    await closing;

    expect(admissionsInFlight).toBe(0);
    expect(admissionsStarted).toBe(startedBefore);
    // Nothing is lost: the queued run waits for the next sweep (any worker's poll, or this one's restart).
    expect((await memory.getRun(waiting.id))?.state).toBe('queued');
    const next = createRunService({ store: memory, clock, events, notifiers: plugins.notifiers });
    await next.admitQueued();
    expect((await memory.getRun(waiting.id))?.state).toBe('running');
    await next.close();
  });
});
