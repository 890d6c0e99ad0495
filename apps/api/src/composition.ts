/**
 * The tsyringe side of `main.ts`, the API's composition root: what it binds, the tokens it declares, and
 * the start-up check that each declared token is bound before anything is resolved. Without a runtime
 * (`KONTROLER_RUNTIME=none`, the API beside a controller) the container holds no worker at all: the API
 * depends on the run service only.
 */
import {
  TOKENS,
  registerCore,
  registerEngineParts,
  requireBound,
  systemClock,
  type Clock,
  type Logger,
  type Notifier,
  type Plugin,
  type RunService,
  type Runtime,
  type Store,
  type TokenName,
  type Worker,
  type DependencyContainer,
} from '@kontroler/core';

export interface ApiServices {
  readonly store: Store;
  readonly logger: Logger;
  /** @default systemClock */
  readonly clock?: Clock;
  /** The runtime this process executes tasks with; none means no worker here (a controller executes). */
  readonly runtime?: Runtime;
  /** @default [] */
  readonly notifiers?: readonly Notifier[];
  /** @default [] */
  readonly plugins?: readonly Plugin[];
}

export interface ApiParts {
  readonly runs: RunService;
  /** Present when this process executes tasks (`npm start` with a runtime). */
  readonly worker: Worker | undefined;
}

/** The tokens the API's root declares; `Worker` only when it hosts one. */
export function declaredTokens(hostsWorker: boolean): TokenName[] {
  const tokens: TokenName[] = [
    'Store',
    'Clock',
    'Logger',
    'Runtimes',
    'Notifiers',
    'Plugins',
    'EventBus',
    'PluginSet',
    'RunService',
  ];
  return hostsWorker ? [...tokens, 'Worker'] : tokens;
}

/** Binds the services and the engine parts' factories in `container`. */
export function registerApiServices(container: DependencyContainer, services: ApiServices): void {
  registerCore(container, {
    store: services.store,
    clock: services.clock ?? systemClock,
    logger: services.logger,
  });
  container.register(TOKENS.Runtimes, { useValue: services.runtime ? [services.runtime] : [] });
  container.register(TOKENS.Notifiers, { useValue: services.notifiers ?? [] });
  container.register(TOKENS.Plugins, { useValue: services.plugins ?? [] });
  registerEngineParts(container, services.runtime ? { worker: {} } : {});
}

/**
 * Checks that every declared token is bound (`DI_UNBOUND` naming the missing ones), then resolves the run
 * service and, when hosted, the worker.
 */
export function resolveApiParts(container: DependencyContainer, hostsWorker: boolean): ApiParts {
  requireBound(container, declaredTokens(hostsWorker));
  return {
    runs: container.resolve<RunService>(TOKENS.RunService),
    worker: hostsWorker ? container.resolve<Worker>(TOKENS.Worker) : undefined,
  };
}
