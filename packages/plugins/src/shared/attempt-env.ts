import type { AttemptContext } from '@kontroler/core';

/**
 * The `KONTROLER_*` variables every task gets, whichever runtime starts it (a host process or a container),
 * so that a script can name its run and attempt the same way everywhere.
 */
export function attemptEnv(ctx: AttemptContext): Record<string, string> {
  return {
    KONTROLER_NAMESPACE: ctx.namespace,
    KONTROLER_DAG: ctx.dagName,
    KONTROLER_DAG_VERSION: String(ctx.dagVersion),
    KONTROLER_RUN_ID: ctx.runId,
    KONTROLER_TASK: ctx.taskName,
    KONTROLER_ATTEMPT: String(ctx.attempt),
    KONTROLER_ATTEMPT_ID: ctx.attemptId,
  };
}
