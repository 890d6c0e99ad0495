/**
 * The tsyringe tokens core registers. Explicit symbols, never types: type-based injection needs
 * `emitDecoratorMetadata`, which the project does not enable.
 *
 * ```ts
 * const store = host.container.resolve<Store>(TOKENS.Store);
 * ```
 */
export const TOKENS = {
  /** The `Store` port. */
  Store: Symbol.for('kontroler.Store'),
  /** The `Clock` port. */
  Clock: Symbol.for('kontroler.Clock'),
  /** The `Logger`. */
  Logger: Symbol.for('kontroler.Logger'),
  /** The running `Engine`. */
  Engine: Symbol.for('kontroler.Engine'),
  /** The engine's `EngineEventBus`. */
  EventBus: Symbol.for('kontroler.EventBus'),
  /** The `RunService`: DAG registration and run commands and queries. */
  RunService: Symbol.for('kontroler.RunService'),
  /** The `Worker`: claims and executes attempts. */
  Worker: Symbol.for('kontroler.Worker'),
  /** The `Runtime`s a worker executes on (`readonly Runtime[]`). */
  Runtimes: Symbol.for('kontroler.Runtimes'),
  /** The `Notifier`s whose outbox messages run changes carry (`readonly Notifier[]`). */
  Notifiers: Symbol.for('kontroler.Notifiers'),
  /** The `Plugin`s to set up (`readonly Plugin[]`). */
  Plugins: Symbol.for('kontroler.Plugins'),
  /** The `PluginSet` made of Runtimes, Notifiers and Plugins (each plugin set up once). */
  PluginSet: Symbol.for('kontroler.PluginSet'),
} as const;

export type TokenName = keyof typeof TOKENS;
