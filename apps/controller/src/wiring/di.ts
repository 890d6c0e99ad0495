/**
 * The controller's composition in its tsyringe container: the services it binds by core's tokens, the
 * tokens it declares, and the start-up check that each one is bound (DI_UNBOUND naming the missing ones)
 * before the run service and the worker are resolved. The controller hosts the worker, and the run service
 * for runs that DagRun resources trigger.
 */
import {
  KontrolerError,
  TOKENS,
  composeEngine,
  registerCore,
  registerEngineParts,
  requireBound,
  type Clock,
  type DependencyContainer,
  type Engine,
  type EngineEventBus,
  type Logger,
  type Notifier,
  type Plugin,
  type RunService,
  type Runtime,
  type Store,
  type TokenName,
  type Worker,
  type WorkerSettings,
} from '@kontroler/core';
import { ControllerStartError } from './errors.js';

/** Every token the controller's root declares. */
export const CONTROLLER_TOKENS: readonly TokenName[] = [
  'Store',
  'Clock',
  'Logger',
  'Runtimes',
  'Notifiers',
  'Plugins',
  'EventBus',
  'PluginSet',
  'RunService',
  'Worker',
];

export interface ControllerServices {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly runtime: Runtime;
  readonly notifiers: readonly Notifier[];
  readonly plugins: readonly Plugin[];
  readonly worker: WorkerSettings;
}

/** Binds the controller's services and the engine parts' factories in `container`. */
export function registerControllerServices(
  container: DependencyContainer,
  services: ControllerServices,
): void {
  registerCore(container, { store: services.store, clock: services.clock, logger: services.logger });
  container.register(TOKENS.Runtimes, { useValue: [services.runtime] });
  container.register(TOKENS.Notifiers, { useValue: services.notifiers });
  container.register(TOKENS.Plugins, { useValue: services.plugins });
  registerEngineParts(container, { worker: services.worker });
}

/**
 * Checks every declared token is bound, then resolves the run service and the worker and composes them
 * into the `Engine` the controller's parts share.
 * @throws ControllerStartError `DI_UNBOUND` naming the tokens without a binding
 */
export function resolveControllerEngine(
  container: DependencyContainer,
  declared: readonly TokenName[] = CONTROLLER_TOKENS,
): Engine {
  try {
    requireBound(container, declared);
  } catch (error) {
    if (KontrolerError.is(error, 'DI_UNBOUND')) {
      throw new ControllerStartError('DI_UNBOUND', error.message, { cause: error });
    }
    throw error;
  }
  return composeEngine(
    container.resolve<RunService>(TOKENS.RunService),
    container.resolve<Worker>(TOKENS.Worker),
    container.resolve<EngineEventBus>(TOKENS.EventBus),
  );
}
