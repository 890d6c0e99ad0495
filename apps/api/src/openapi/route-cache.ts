/**
 * express-openapi-validator (5.6.x) finds the operation of every request by compiling, with
 * `pathToRegexp`, each documented route in turn until one matches: a few hundred microseconds of CPU per
 * request, the largest single cost of a cheap GET. The compilation is a pure function of the route and
 * two flags, so the compiled patterns are memoized on the copy of path-to-regexp the validator uses. The
 * returned regexps have no `g`/`y` flag (no `lastIndex` state), so sharing them is safe.
 *
 * A stopgap for a known upstream issue: cdimascio/express-openapi-validator#1217 ("perf: cache route
 * matchers") caches the matchers inside the validator. Delete this module once a release with it is pinned.
 */
import { createRequire } from 'node:module';

interface PathToRegexpModule {
  pathToRegexp: (path: unknown, options?: Record<string, unknown>) => unknown;
}

const MAX_ENTRIES = 2000;

/** `sensitive`/`strict` (what the validator passes) cheaply; anything else through JSON. */
function optionsKey(options: Record<string, unknown> | undefined): string {
  if (options === undefined) return '';
  const keys = Object.keys(options);
  if (keys.every((k) => k === 'sensitive' || k === 'strict')) {
    return `s${options.sensitive === true ? 1 : 0}${options.strict === true ? 1 : 0}`;
  }
  return JSON.stringify(options);
}
let installed = false;

export function memoizeValidatorRouteMatching(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  let mod: PathToRegexpModule;
  try {
    const validatorEntry = require.resolve('express-openapi-validator');
    mod = createRequire(validatorEntry)('path-to-regexp') as PathToRegexpModule;
  } catch {
    return;
  }
  const original = mod.pathToRegexp;
  if (typeof original !== 'function') return;
  const cache = new Map<string, unknown>();
  const memoized = (path: unknown, options?: Record<string, unknown>): unknown => {
    if (typeof path !== 'string') return original(path, options);
    const key = `${optionsKey(options)}\u0000${path}`;
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = original(path, options);
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(key, hit);
    }
    return hit;
  };
  try {
    mod.pathToRegexp = memoized;
  } catch {
    // A frozen or getter-only export: leave the validator as it is.
  }
}
