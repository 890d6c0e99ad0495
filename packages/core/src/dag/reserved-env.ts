/**
 * The environment variable names the engine sets for every task (docs: "Task environment"). A task's `env`
 * and the DAG's parameters (which become variables named as the parameter) may not use them: validation
 * refuses such a name at its field rather than letting either side win silently.
 */

/** Every variable the engine sets starts with this; the whole prefix is reserved, for variables to come. */
export const RESERVED_ENV_PREFIX = 'KONTROLER_';

/** Whether a task variable or parameter named `name` would collide with the engine's own variables. */
export function isReservedEnvName(name: string): boolean {
  return name.startsWith(RESERVED_ENV_PREFIX);
}
