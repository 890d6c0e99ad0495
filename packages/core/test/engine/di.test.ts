import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  createEngine,
  registerCore,
  TOKENS,
  systemClock,
  silentLogger,
  type Engine,
  type EngineEventBus,
} from '../../src/index.js';
import { unboundTokens } from '../../src/di/index.js';
import { createMemoryStore } from '../../src/testing/index.js';

describe('dependency injection at the edge', () => {
  it('registers the engine services in the container it is given, never the root one', async () => {
    const container = rootContainer.createChildContainer();
    const store = createMemoryStore();
    expect(unboundTokens(container)).toEqual(['Store', 'Clock', 'Logger', 'Engine', 'EventBus']);
    const engine = createEngine({ store, container, scheduler: false });
    expect(container.resolve<Engine>(TOKENS.Engine)).toBe(engine);
    expect(container.resolve<EngineEventBus>(TOKENS.EventBus)).toBe(engine.events);
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
    expect(unboundTokens(container)).toEqual(['Engine', 'EventBus']);
  });
});
