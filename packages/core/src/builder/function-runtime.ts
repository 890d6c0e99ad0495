/**
 * Runs the inline function tasks of builder workflows (`type: function`) in this process. Register it with
 * the engine beside the other runtimes; it is for engines that run in the same Node process as the
 * workflows' code (an embedding service, tests, `kontroler run`), not for a controller running pods.
 */
import { outcomeFromError } from '../engine/executor.js';
import type { AttemptContext, Runtime, TaskOutcome } from '../ports/runtime.js';
import { FUNCTION_TASK_TYPE, type TaskFunction, type Workflow } from './workflow.js';

function key(namespace: string, dag: string, task: string): string {
  return `${namespace}/${dag}/${task}`;
}

/** A runtime named `function` that runs the `run` functions of the given workflows' tasks. */
export function createFunctionRuntime(workflows: readonly Workflow<string>[]): Runtime {
  const functions = new Map<string, TaskFunction<string, string>>();
  for (const wf of workflows) {
    for (const [task, fn] of wf.functions) functions.set(key(wf.namespace, wf.name, task), fn);
  }
  return {
    name: FUNCTION_TASK_TYPE,
    async execute(context: AttemptContext): Promise<TaskOutcome> {
      // A forEach instance (`name[3]`) runs its task's function.
      const taskName = context.task.name.replace(/\[\d+\]$/, '');
      const fn = functions.get(key(context.namespace, context.dagName, taskName));
      if (!fn) {
        return {
          status: 'failed',
          exitCode: null,
          reason: 'FunctionNotFound',
          message: `no function is registered for task "${context.task.name}" of ${context.namespace}/${context.dagName}: pass its workflow to createFunctionRuntime`,
          nonRetryable: true,
        };
      }
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(context.parameters)) {
        if ('value' in value) params[name] = value.value;
      }
      const env: Record<string, string> = {};
      for (const variable of context.task.spec.env ?? []) env[variable.name] = variable.value;
      try {
        const result = await fn({
          runId: context.runId,
          taskName: context.taskName,
          attempt: context.attempt,
          params,
          args: [...(context.task.spec.args ?? [])],
          env,
          signal: context.signal,
          log: (text) => context.log({ stream: 'stdout', line: text }),
        });
        const outputs = Object.fromEntries(
          Object.entries(result ?? {}).filter(([, value]) => value !== undefined),
        );
        return { status: 'succeeded', exitCode: 0, reason: 'Completed', outputs };
      } catch (error) {
        return outcomeFromError(error);
      }
    },
  };
}
