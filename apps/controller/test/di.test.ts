/** The controller's composition root: declared tokens are checked at start-up, then the parts resolve. */
import { describe, expect, it } from 'vitest';
import { TOKENS, createChildContainer, silentLogger, systemClock } from '@kontroler/core';
import { FakeRuntime, createMemoryStore } from '@kontroler/core/testing';
import { CONTROLLER_TOKENS, registerControllerServices, resolveControllerEngine } from '../src/wiring/di.js';
import { ControllerStartError } from '../src/wiring/errors.js';

function services() {
  return {
    store: createMemoryStore(),
    clock: systemClock,
    logger: silentLogger,
    runtime: new FakeRuntime(),
    notifiers: [],
    plugins: [],
    worker: { workerId: 'ctl-1', scheduler: false as const },
  };
}

describe('controller composition root', () => {
  it('binds every token it declares and resolves one worker and one run service', async () => {
    const container = createChildContainer();
    registerControllerServices(container, services());
    const engine = resolveControllerEngine(container);
    expect(engine.workerId).toBe('ctl-1');
    expect(CONTROLLER_TOKENS.filter((name) => !container.isRegistered(TOKENS[name], true))).toEqual([]);
    expect(container.resolve(TOKENS.Worker)).toBe(container.resolve(TOKENS.Worker));
    await engine.stop();
  });

  it('refuses to start with DI_UNBOUND naming the tokens that have no binding', () => {
    const container = createChildContainer();
    container.register(TOKENS.Store, { useValue: createMemoryStore() });
    let thrown: unknown;
    try {
      resolveControllerEngine(container);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ControllerStartError);
    expect(thrown).toMatchObject({ code: 'DI_UNBOUND' });
    expect((thrown as Error).message).toBe(
      'DI tokens without a binding: Clock, Logger, Runtimes, Notifiers, Plugins, EventBus, PluginSet, RunService, Worker',
    );
  });
});
