/**
 * The plugin host: what `createEngine` hands each plugin's `setup`, and the registry the engine reads.
 * Names are unique: a second task type, runtime, notifier (or notifier topic) with a taken name is a
 * `PLUGIN_INVALID` error naming the plugin that tried.
 */
import type { DependencyContainer } from 'tsyringe';
import { Errors } from '../errors/kontroler-error.js';
import type { EngineEventBus } from '../events/engine-events.js';
import type { Logger } from '../ports/logger.js';
import type { Runtime } from '../ports/runtime.js';
import type { Notifier, Plugin, PluginHost, TaskHooks } from './types.js';

/** Everything plugins (and engine options) registered. */
export class PluginRegistry {
  readonly taskTypes = new Map<string, Runtime>();
  readonly runtimes = new Map<string, Runtime>();
  readonly notifiers = new Map<string, Notifier>();
  readonly hooks: TaskHooks[] = [];

  constructor(
    readonly events: EngineEventBus,
    readonly container: DependencyContainer,
    readonly logger: Logger,
  ) {}

  /**
   * The host one plugin sees: errors name `owner`, its logger is tagged with it, and its container is a
   * child of the engine's (it resolves every engine service; what it registers stays its own).
   */
  hostFor(owner: string): PluginHost {
    const logger = this.logger.child({ plugin: owner });
    const container = this.container.createChildContainer();
    return {
      registerTaskType: (type, runtime) => {
        if (!type) throw Errors.pluginInvalid(owner, `plugin ${owner} registered a task type without a name`);
        if (this.taskTypes.has(type)) {
          throw Errors.pluginInvalid(owner, `plugin ${owner}: task type "${type}" is already registered`);
        }
        this.taskTypes.set(type, runtime);
      },
      registerRuntime: (runtime) => {
        if (this.runtimes.has(runtime.name)) {
          throw Errors.pluginInvalid(
            owner,
            `plugin ${owner}: runtime "${runtime.name}" is already registered`,
          );
        }
        this.runtimes.set(runtime.name, runtime);
      },
      registerNotifier: (notifier) => {
        if (this.notifiers.has(notifier.name)) {
          throw Errors.pluginInvalid(
            owner,
            `plugin ${owner}: notifier "${notifier.name}" is already registered`,
          );
        }
        const sameTopic = [...this.notifiers.values()].find((n) => n.topic === notifier.topic);
        if (sameTopic !== undefined) {
          throw Errors.pluginInvalid(
            owner,
            `plugin ${owner}: outbox topic "${notifier.topic}" is already consumed by notifier "${sameTopic.name}"`,
          );
        }
        this.notifiers.set(notifier.name, notifier);
      },
      registerHooks: (hooks) => {
        this.hooks.push(hooks);
      },
      events: this.events,
      container,
      logger,
    };
  }

  /** Runs every plugin's `setup` in order; duplicate plugin names are refused. */
  async install(plugins: readonly Plugin[]): Promise<void> {
    const seen = new Set<string>();
    for (const plugin of plugins) {
      if (seen.has(plugin.name))
        throw Errors.pluginInvalid(plugin.name, `plugin ${plugin.name} is listed twice`);
      seen.add(plugin.name);
      await plugin.setup(this.hostFor(plugin.name));
    }
  }

  /** Every runtime the engine may call (task types and named runtimes), each once. */
  allRuntimes(): Runtime[] {
    return [...new Set([...this.runtimes.values(), ...this.taskTypes.values()])];
  }
}
