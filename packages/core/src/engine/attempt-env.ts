/**
 * The `KONTROLER_*` variables every task gets, whichever runtime starts it (a host process, a container or
 * a pod): one definition, so that a script names its run and attempt the same way everywhere. Pure.
 */
import type { AttemptContext } from '../ports/runtime.js';

/** What the variables are computed from (a subset of `AttemptContext`). */
export type AttemptEnvInput = Pick<
  AttemptContext,
  'namespace' | 'dagName' | 'dagVersion' | 'runId' | 'taskName' | 'attempt' | 'attemptId'
>;

/** The variable naming the run's workspace directory, set when the DAG enables a workspace. */
export const WORKSPACE_ENV = 'KONTROLER_WORKSPACE';

/**
 * The identity variables of one attempt: namespace, DAG and version, run, task, attempt number and id.
 * Runtimes add `KONTROLER_WORKSPACE` (with a workspace) and `KONTROLER_OUTPUTS_DIR` (with outputs), whose
 * values depend on where the task runs, and put all of them after the task's own variables and parameters.
 */
export function attemptEnv(input: AttemptEnvInput): Record<string, string> {
  return {
    KONTROLER_NAMESPACE: input.namespace,
    KONTROLER_DAG: input.dagName,
    KONTROLER_DAG_VERSION: String(input.dagVersion),
    KONTROLER_RUN_ID: input.runId,
    KONTROLER_TASK: input.taskName,
    KONTROLER_ATTEMPT: String(input.attempt),
    KONTROLER_ATTEMPT_ID: input.attemptId,
  };
}
