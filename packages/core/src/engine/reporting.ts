/**
 * How the engine's halves tell the outside world: notifiable events go to the bus (only when someone
 * listens), errors are logged and emitted as `engine.error`. Listeners that throw are logged, never fatal.
 */
import { safeEmit, type EngineEventBus, type EngineEventName } from '../events/engine-events.js';
import type { Logger } from '../ports/logger.js';
import type { NotifiableEvent } from '../plugins/types.js';

export interface Reporting {
  /** Emits a notifiable event on the bus, when it has a listener for it. */
  readonly emit: (event: NotifiableEvent) => void;
  /** Logs the error and emits `engine.error` with `context` (what was being done). */
  readonly reportError: (error: unknown, context: string) => void;
}

export function createReporting(events: EngineEventBus, logger: Logger): Reporting {
  // A NotifiableEvent pairs each name with its payload, which TypeScript cannot see through a union.
  const emitUnsafe = safeEmit as (bus: EngineEventBus, l: Logger, n: EngineEventName, p: unknown) => void;
  return {
    emit: (event) => {
      if (events.listenerCount(event.name) > 0) emitUnsafe(events, logger, event.name, event.payload);
    },
    reportError: (error, context) => {
      logger.error({ err: error, context }, 'engine error');
      safeEmit(events, logger, 'engine.error', { error, context });
    },
  };
}
