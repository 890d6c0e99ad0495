import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  createEngine,
  registerCore,
  TOKENS,
  systemClock,
  silentLogger,
  definePlugin,
  KontrolerError,
  registerEngineParts,
  requireBound,
  type Engine,
  type EngineEventBus,
  type RunService,
  type Worker,
} from '../../src/index.js';
import { unboundTokens } from '../../src/di/index.js';
import { createMemoryStore } from '../../src/testing/index.js';

describe('dependency injection at the edge', () => {
  it('registers the engine services in the container it is given, never the root one', async () => {
    const container = rootContainer.createChildContainer();
    const store = createMemoryStore();
    expect(unboundTokens(container)).toEqual(Object.keys(TOKENS));
    const engine = createEngine({ store, container, scheduler: false });
    expect(container.resolve<Engine>(TOKENS.Engine)).toBe(engine);
    expect(container.resolve<EngineEventBus>(TOKENS.EventBus)).toBe(engine.events);
    expect(container.resolve<RunService>(TOKENS.RunService).events).toBe(engine.events);
    expect(container.resolve<Worker>(TOKENS.Worker).workerId).toBe(engine.workerId);
    expect(unboundTokens(container)).toEqual([]);
    expect(rootContainer.isRegistered(TOKENS.Engine, true)).toBe(false);
    await engine.stop();
  });

  it('registerCore binds store, clock and logger', () => {
    const container = rootContainer.createChildContainer();
    const store = createMemoryStore();
    registerCore(container, { store, clock: systemClock, logger: silentLogger });
    expect(container.resolve(TOKENS.Store)).toBe(store);
    expect(container.resolve(TOKENS.Clock)).toBe(systemClock);
    expect(unboundTokens(container)).toEqual(
      Object.keys(TOKENS).filter((name) => !['Store', 'Clock', 'Logger'].includes(name)),
    );
  });

  it('requireBound names every declared token without a binding (DI_UNBOUND), and passes once all are bound', () => {
    const container = rootContainer.createChildContainer();
    registerCore(container, { store: createMemoryStore(), clock: systemClock, logger: silentLogger });
    let thrown: unknown;
    try {
      requireBound(container, ['Store', 'RunService', 'Runtimes']);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KontrolerError);
    expect(thrown).toMatchObject({ code: 'DI_UNBOUND', details: { tokens: ['RunService', 'Runtimes'] } });
    expect((thrown as Error).message).toBe('DI tokens without a binding: RunService, Runtimes');
    const child = container.createChildContainer();
    child.register(TOKENS.Runtimes, { useValue: [] });
    registerEngineParts(child);
    expect(() => requireBound(child, ['Store', 'RunService', 'Runtimes'])).not.toThrow();
  });

  it('registerEngineParts without a worker: the run service resolves, once, and no Worker is bound (the API)', async () => {
    const container = rootContainer.createChildContainer();
    const store = createMemoryStore();
    registerCore(container, { store, clock: systemClock, logger: silentLogger });
    container.register(TOKENS.Runtimes, { useValue: [] });
    container.register(TOKENS.Notifiers, { useValue: [] });
    container.register(TOKENS.Plugins, { useValue: [] });
    registerEngineParts(container);
    const runs = container.resolve<RunService>(TOKENS.RunService);
    expect(container.resolve<RunService>(TOKENS.RunService)).toBe(runs);
    expect(runs.events).toBe(container.resolve(TOKENS.EventBus));
    expect(container.isRegistered(TOKENS.Worker, true)).toBe(false);
    await runs.close();
  });

  it('gives each plugin a child container: it resolves the engine services, and what it registers stays its own', async () => {
    const container = rootContainer.createChildContainer();
    const store = createMemoryStore();
    const mine = Symbol('mine');
    const seen: Array<{ store: unknown; ownFromOther: boolean }> = [];
    const engine = createEngine({
      store,
      container,
      scheduler: false,
      plugins: [
        definePlugin({
          name: 'first',
          setup(host) {
            host.container.register(mine, { useValue: 'first' });
            seen.push({ store: host.container.resolve(TOKENS.Store), ownFromOther: false });
          },
        }),
        definePlugin({
          name: 'second',
          setup(host) {
            seen.push({
              store: host.container.resolve(TOKENS.Store),
              ownFromOther: host.container.isRegistered(mine, true),
            });
          },
        }),
      ],
    });
    await engine.start();
    expect(seen).toEqual([
      { store, ownFromOther: false },
      { store, ownFromOther: false },
    ]);
    expect(container.isRegistered(mine, true)).toBe(false);
    await engine.stop();
  });
});
