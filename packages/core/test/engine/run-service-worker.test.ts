/**
 * The engine's two halves composed by hand, as a host that embeds them does, and the one write path both
 * use: `writeRun` refuses an illegal move before anything reaches the store.
 */
import { describe, expect, it } from 'vitest';
import {
  EngineEventBus,
  KontrolerError,
  createRunService,
  createWorker,
  setUpPlugins,
  silentLogger,
  validateDag,
  type RunSnapshot,
} from '../../src/index.js';
import { RunCache } from '../../src/engine/run-cache.js';
import { writeRun } from '../../src/engine/run-writer.js';
import { FakeClock, FakeRuntime, createMemoryStore } from '../../src/testing/index.js';
import { counterIds, DIAMOND } from './harness.js';

function compiled(doc: unknown) {
  const result = validateDag(doc);
  if (!result.ok) throw new Error('fixture DAG is invalid');
  return result.dag;
}

describe('run service and worker', () => {
  it('a run service alone plans runs and executes nothing; a worker composed beside it runs them', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const events = new EngineEventBus();
    const runtime = new FakeRuntime({ clock });
    const plugins = setUpPlugins({ events, runtimes: [runtime] });
    const runs = createRunService({
      store,
      clock,
      events,
      notifiers: plugins.notifiers,
      newId: counterIds('r'),
    });
    const worker = createWorker({ runs, plugins, clock, scheduler: false, workerId: 'w1' });

    await runs.registerDag(DIAMOND);
    const run = await runs.submit('diamond');
    await clock.advance(1000);
    const planned = await runs.getRun(run.id);
    expect(planned?.run.state).toBe('running');
    expect(planned?.attempts.find((a) => a.taskName === 'a')?.state).toBe('ready');
    expect(runtime.calls).toEqual([]);

    const finished = new Promise((resolve) => events.on('run.finished', resolve));
    await worker.start();
    await clock.advance(1000);
    await finished;
    const done = await runs.getRun(run.id);
    expect(done?.run.state).toBe('succeeded');
    expect(runtime.calls.map((c) => c.taskName).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(done?.attempts.every((a) => a.leaseOwner === 'w1' || a.leaseOwner === null)).toBe(true);
    await worker.stop();
    await runs.close();
  });

  it('a closed run service refuses commands with ENGINE_STOPPED', async () => {
    const store = createMemoryStore();
    const runs = createRunService({ store, clock: new FakeClock() });
    await runs.registerDag(DIAMOND);
    await runs.close();
    await expect(runs.submit('diamond')).rejects.toMatchObject({ code: 'ENGINE_STOPPED' });
  });
});

describe('writeRun: the one write path of a run', () => {
  const deps = (store: ReturnType<typeof createMemoryStore>) => ({
    store,
    cache: new RunCache(store),
    logger: silentLogger,
    notifiers: () => [],
    newId: counterIds('o'),
    emit: () => undefined,
  });

  it('refuses a new run that does not start pending, and writes nothing', async () => {
    const store = createMemoryStore();
    const dag = compiled(DIAMOND);
    const run = {
      id: 'run-1',
      dagName: 'diamond',
      namespace: 'default',
      dagVersion: 1,
      state: 'running' as const,
      parameters: {},
      trigger: 'manual' as const,
      revision: 0,
      round: 1,
      cancelRequested: false,
      createdAt: 0,
      startedAt: null,
      finishedAt: null,
      reason: null,
      idempotencyKey: null,
      scheduledFor: null,
      labels: {},
      priority: 0,
    };
    const write = writeRun(deps(store), { kind: 'create', run, attempts: [], dag, now: 0, events: () => [] });
    await expect(write).rejects.toBeInstanceOf(KontrolerError);
    await expect(write).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
    expect(await store.getRun('run-1')).toBeUndefined();
  });

  it('refuses a commit that moves a finished run back to pending, and writes nothing', async () => {
    const store = createMemoryStore();
    const clock = new FakeClock();
    const runs = createRunService({ store, clock });
    await runs.registerDag(DIAMOND);
    const run = await runs.submit('diamond');
    await runs.cancel(run.id);
    const before = (await store.getRunSnapshot(run.id)) as RunSnapshot;
    expect(before.run.state).toBe('canceled');
    const write = writeRun(deps(store), {
      kind: 'commit',
      before,
      commit: { runId: run.id, expectRevision: before.run.revision, run: { state: 'pending' } },
      dag: compiled(DIAMOND),
      now: clock.now(),
      events: () => [],
    });
    await expect(write).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
    expect((await store.getRun(run.id))?.revision).toBe(before.run.revision);
  });
});
