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
} as const;

export type TokenName = keyof typeof TOKENS;
