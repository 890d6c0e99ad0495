/**
 * Composition helpers. Core never resolves from tsyringe's global container: hosts pass their own, and
 * `createEngine` makes a child container when given none.
 */
import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { Errors } from '../errors/kontroler-error.js';
import type { Store } from '../ports/store.js';
import { TOKENS, type TokenName } from './tokens.js';

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

/**
 * The start-up check of a composition root: throws `DI_UNBOUND` naming every token of `declared` that
 * `container` (or an ancestor) has no binding for, so a missing registration fails at start, not at the
 * first request that needs it.
 */
export function requireBound(container: DependencyContainer, declared: readonly TokenName[]): void {
  const missing = declared.filter((name) => !container.isRegistered(TOKENS[name], true));
  if (missing.length > 0) throw Errors.diUnbound(missing);
}
