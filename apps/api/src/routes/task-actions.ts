/**
 * Task-level actions of a run (docs/task-actions.md): rerun a task, with or without its downstream
 * tasks, and mark a task succeeded or failed. Each is one command of the run service (a guarded commit
 * with its run events) followed by an audit row naming the user.
 */
import type { TaskActionResult } from '@kontroler/core';
import { param, principal, type ApiContext, type Handlers } from './context.js';
import { attemptDto, runDto } from './dto.js';
import { namespacedRun } from './runs.js';

const resultDto = (result: TaskActionResult) => ({
  run: runDto(result.run),
  attempts: result.attempts.map((a) => attemptDto(a)),
});

export function taskActionHandlers(ctx: ApiContext): Handlers {
  const { engine, auditor } = ctx;
  return {
    async rerunTask(req, res) {
      const { run } = await namespacedRun(ctx, req, 'editor');
      const task = param(req, 'task');
      const downstream = (req.body as { downstream?: boolean } | undefined)?.downstream === true;
      const result = await engine.rerunTask(run.id, task, { downstream });
      await auditor.record(req, 'run.task.rerun', run.id, {
        namespace: run.namespace,
        dag: run.dagName,
        task,
        downstream,
        attempts: result.attempts.map((a) => a.id),
      });
      res.json(resultDto(result));
    },

    async markTask(req, res) {
      const { run } = await namespacedRun(ctx, req, 'editor');
      const task = param(req, 'task');
      const body = req.body as { state: string; reason?: string };
      const state = body.state.toLowerCase() === 'succeeded' ? 'succeeded' : 'failed';
      const who = principal(req).username;
      const message = `marked ${state} by ${who}${body.reason === undefined ? '' : `: ${body.reason}`}`;
      const result = await engine.markTask(run.id, task, { state, message });
      await auditor.record(req, 'run.task.mark', run.id, {
        namespace: run.namespace,
        dag: run.dagName,
        task,
        state,
        ...(body.reason === undefined ? {} : { reason: body.reason }),
        attempt: result.attempts[0]?.id ?? null,
      });
      res.json(resultDto(result));
    },
  };
}
