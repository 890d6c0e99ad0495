/**
 * Composition helpers. Core never resolves from tsyringe's global container: hosts pass their own, and
 * `createEngine` makes a child container when given none.
 */
import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Store } from '../ports/store.js';
import { TOKENS } from './tokens.js';

export interface CoreServices {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Binds the store, clock and logger to their tokens in `container` and returns it. */
export function registerCore(container: DependencyContainer, services: CoreServices): DependencyContainer {
  container.register(TOKENS.Store, { useValue: services.store });
  container.register(TOKENS.Clock, { useValue: services.clock });
  container.register(TOKENS.Logger, { useValue: services.logger });
  return container;
}

/** The names of `TOKENS` that `container` cannot resolve; a composition root checks it is empty at start-up. */
export function unboundTokens(container: DependencyContainer): string[] {
  return Object.entries(TOKENS)
    .filter(([, token]) => !container.isRegistered(token, true))
    .map(([name]) => name);
}
