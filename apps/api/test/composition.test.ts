/**
 * The API's composition root: it declares its tokens, checks them at start-up, and hosts a worker only
 * when it has a runtime (with KONTROLER_RUNTIME=none the container holds no worker at all).
 */
import { describe, expect, it } from 'vitest';
import { TOKENS, createChildContainer, silentLogger } from '@kontroler/core';
import { FakeClock, FakeRuntime, createMemoryStore } from '@kontroler/core/testing';
import { declaredTokens, registerApiServices, resolveApiParts } from '../src/composition.js';

const DAG = {
  name: 'pair',
  tasks: [
    { name: 'a', image: 'alpine', command: ['true'] },
    { name: 'b', image: 'alpine', command: ['true'], runAfter: ['a'] },
  ],
};

describe('API composition root', () => {
  it('without a runtime binds and resolves the run service only: no worker is registered', async () => {
    const container = createChildContainer();
    const store = createMemoryStore();
    registerApiServices(container, { store, logger: silentLogger, clock: new FakeClock() });
    const { runs, worker } = resolveApiParts(container, false);
    expect(worker).toBeUndefined();
    expect(container.isRegistered(TOKENS.Worker, true)).toBe(false);
    await runs.registerDag(DAG);
    const run = await runs.submit('pair');
    // Planned by the run service: the root task is ready, and nothing here claims it.
    const snapshot = await runs.getRun(run.id);
    expect(snapshot?.attempts.find((a) => a.taskName === 'a')?.state).toBe('ready');
    expect(snapshot?.attempts.every((a) => a.leaseOwner === null)).toBe(true);
    await runs.close();
  });

  it('refuses to start, naming the missing token, when a declared token is not bound', () => {
    const container = createChildContainer();
    registerApiServices(container, { store: createMemoryStore(), logger: silentLogger });
    // Declaring a worker the container does not bind (no runtime was given) fails before anything resolves.
    expect(() => resolveApiParts(container, true)).toThrow('DI tokens without a binding: Worker');
    const empty = createChildContainer();
    let thrown: unknown;
    try {
      resolveApiParts(empty, false);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'DI_UNBOUND', details: { tokens: declaredTokens(false) } });
  });

  it('with a runtime hosts a worker that executes what the run service submits (npm start)', async () => {
    const clock = new FakeClock();
    const store = createMemoryStore();
    const runtime = new FakeRuntime({ clock });
    const container = createChildContainer();
    registerApiServices(container, { store, logger: silentLogger, clock, runtime });
    const { runs, worker } = resolveApiParts(container, true);
    if (worker === undefined) throw new Error('expected a worker');
    const finished = new Promise((resolve) => runs.events.on('run.finished', resolve));
    await worker.start();
    await runs.registerDag(DAG);
    const run = await runs.submit('pair');
    await clock.advance(1000);
    await finished;
    expect((await runs.getRun(run.id))?.run.state).toBe('succeeded');
    expect(runtime.calls.map((c) => c.taskName)).toEqual(['a', 'b']);
    await worker.stop();
    await runs.close();
  });
});
