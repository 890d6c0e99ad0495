/**
 * The composition root's check that every service core names by token can be resolved. The engine's
 * container is reached the way any plugin reaches it (`host.container`), so the controller needs no direct
 * tsyringe dependency.
 */
import { TOKENS, definePlugin, type Plugin } from '@kontroler/core';
import { ControllerStartError } from './errors.js';

interface TokenRegistry {
  isRegistered(token: symbol, recursive?: boolean): boolean;
}

/** The names of core's TOKENS that `container` cannot resolve. */
export function unboundTokenNames(container: TokenRegistry): string[] {
  return Object.entries(TOKENS)
    .filter(([, token]) => !container.isRegistered(token, true))
    .map(([name]) => name);
}

/** A plugin that captures the engine's container; `check()` throws DI_UNBOUND naming what is missing. */
export function tokenCheck(): { plugin: Plugin; check(): void } {
  let container: TokenRegistry | undefined;
  return {
    plugin: definePlugin({
      name: 'controller-di-check',
      setup(host) {
        container = host.container;
      },
    }),
    check() {
      if (container === undefined) {
        throw new ControllerStartError('DI_UNBOUND', 'the engine never set up its plugins (no container)');
      }
      const missing = unboundTokenNames(container);
      if (missing.length > 0) {
        throw new ControllerStartError('DI_UNBOUND', `DI tokens without a binding: ${missing.join(', ')}`);
      }
    },
  };
}
