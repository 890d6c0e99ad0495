/** Dependency injection at the edge: tokens and the registration helpers (tsyringe needs its polyfill). */
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';

export { TOKENS, type TokenName } from './tokens.js';
export { registerCore, requireBound, unboundTokens, type CoreServices } from './register.js';

/** A fresh child of tsyringe's root container: what an engine uses when its host passes none. */
export function createChildContainer(): DependencyContainer {
  return rootContainer.createChildContainer();
}
