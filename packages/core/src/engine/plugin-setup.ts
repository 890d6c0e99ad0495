/**
 * The plugins of an engine: the runtimes and notifiers passed as options, registered under the host's own
 * name, then every plugin's `setup`, in order. The run service reads the notifiers, the worker the
 * runtimes, task types, hooks and notifiers; both wait on `ready`.
 */
import type { DependencyContainer } from 'tsyringe';
import { createChildContainer } from '../di/index.js';
import type { EngineEventBus } from '../events/engine-events.js';
import { silentLogger, type Logger } from '../ports/logger.js';
import type { Runtime } from '../ports/runtime.js';
import { PluginRegistry } from '../plugins/host.js';
import type { Notifier, Plugin } from '../plugins/types.js';

export interface PluginSetupOptions {
  readonly events: EngineEventBus;
  /**
   * Each plugin gets a child of it, so what one plugin registers stays its own.
   * @default a child of tsyringe's root container
   */
  readonly container?: DependencyContainer;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** @default [] */
  readonly runtimes?: readonly Runtime[];
  /** @default [] */
  readonly notifiers?: readonly Notifier[];
  /** @default [] */
  readonly plugins?: readonly Plugin[];
}

export interface PluginSet {
  readonly registry: PluginRegistry;
  /** Settles when every plugin is set up; rejects with the first setup error. */
  readonly ready: Promise<void>;
  /** The notifiers registered so far (options and plugins). */
  readonly notifiers: () => Iterable<Notifier>;
}

export function setUpPlugins(options: PluginSetupOptions): PluginSet {
  const logger = options.logger ?? silentLogger;
  const registry = new PluginRegistry(options.events, options.container ?? createChildContainer(), logger);
  const own = registry.hostFor('engine');
  for (const runtime of options.runtimes ?? []) own.registerRuntime(runtime);
  for (const notifier of options.notifiers ?? []) own.registerNotifier(notifier);
  const ready = registry.install(options.plugins ?? []);
  ready.catch((error: unknown) => logger.error({ err: error }, 'plugin setup failed'));
  return { registry, ready, notifiers: () => registry.notifiers.values() };
}
