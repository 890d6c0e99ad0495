/**
 * The engine's parts as tsyringe factories, for composition roots (each app's `main.ts`). A root binds the
 * inputs (Store, Clock, Logger, Runtimes, Notifiers, Plugins) and calls `registerEngineParts`; resolving
 * `TOKENS.RunService` or `TOKENS.Worker` then builds what it needs, once: the event bus, the plugin set
 * (each plugin in a child container), the run service and, when asked for, the worker.
 */
import type { DependencyContainer } from 'tsyringe';
import { instanceCachingFactory } from 'tsyringe';
import { TOKENS } from '../di/tokens.js';
import { EngineEventBus } from '../events/engine-events.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Runtime } from '../ports/runtime.js';
import type { Store } from '../ports/store.js';
import type { Notifier, Plugin } from '../plugins/types.js';
import { setUpPlugins, type PluginSet } from './plugin-setup.js';
import { createRunService, type RunService, type RunServiceOptions } from './run-service.js';
import { createWorker, type WorkerOptions } from './worker.js';

/** The worker's settings that are not services. */
export type WorkerSettings = Omit<WorkerOptions, 'runs' | 'plugins' | 'clock' | 'logger'>;

/** The run service's settings that are not services. */
export type RunSettings = Pick<RunServiceOptions, 'timing' | 'newId'>;

export interface EnginePartsOptions {
  /** Settings of the run service. @default its defaults */
  readonly runs?: RunSettings;
  /** Register `TOKENS.Worker` with these settings; leave out for a host with no worker (an API). */
  readonly worker?: WorkerSettings;
}

/**
 * Registers EventBus, PluginSet, RunService and (with `options.worker`) Worker as cached factories over
 * the bindings of Store, Clock, Logger, Runtimes, Notifiers and Plugins.
 */
export function registerEngineParts(
  container: DependencyContainer,
  options: EnginePartsOptions = {},
): DependencyContainer {
  container.register(TOKENS.EventBus, { useFactory: instanceCachingFactory(() => new EngineEventBus()) });
  container.register(TOKENS.PluginSet, {
    useFactory: instanceCachingFactory<PluginSet>((c) =>
      setUpPlugins({
        events: c.resolve<EngineEventBus>(TOKENS.EventBus),
        container: c,
        logger: c.resolve<Logger>(TOKENS.Logger),
        runtimes: c.resolve<readonly Runtime[]>(TOKENS.Runtimes),
        notifiers: c.resolve<readonly Notifier[]>(TOKENS.Notifiers),
        plugins: c.resolve<readonly Plugin[]>(TOKENS.Plugins),
      }),
    ),
  });
  container.register(TOKENS.RunService, {
    useFactory: instanceCachingFactory<RunService>((c) => {
      const plugins = c.resolve<PluginSet>(TOKENS.PluginSet);
      return createRunService({
        ...options.runs,
        store: c.resolve<Store>(TOKENS.Store),
        clock: c.resolve<Clock>(TOKENS.Clock),
        logger: c.resolve<Logger>(TOKENS.Logger),
        events: c.resolve<EngineEventBus>(TOKENS.EventBus),
        notifiers: plugins.notifiers,
        ready: plugins.ready,
      });
    }),
  });
  const settings = options.worker;
  if (settings !== undefined) {
    container.register(TOKENS.Worker, {
      useFactory: instanceCachingFactory((c) =>
        createWorker({
          ...settings,
          runs: c.resolve<RunService>(TOKENS.RunService),
          plugins: c.resolve<PluginSet>(TOKENS.PluginSet),
          clock: c.resolve<Clock>(TOKENS.Clock),
          logger: c.resolve<Logger>(TOKENS.Logger),
        }),
      ),
    });
  }
  return container;
}
