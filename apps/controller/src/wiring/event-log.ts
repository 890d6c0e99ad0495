/** Structured log lines for what the engine does, with run and task ids as bindings. */
import type { EngineEventBus, EngineEvents, Logger } from '@kontroler/core';

interface RunLike {
  readonly id: string;
  readonly namespace: string;
  readonly dagName: string;
}
interface AttemptLike {
  readonly id: string;
  readonly taskName: string;
  readonly attempt: number;
}

export function logEngineEvents(events: EngineEventBus, logger: Logger): () => void {
  const forRun = (run: RunLike) =>
    logger.child({ runId: run.id, namespace: run.namespace, dag: run.dagName });
  const forAttempt = (run: RunLike, attempt: AttemptLike) =>
    forRun(run).child({ task: attempt.taskName, attemptId: attempt.id, attempt: attempt.attempt });
  const offs: Array<() => void> = [];
  const on = <K extends keyof EngineEvents>(name: K, handler: EngineEvents[K]): void => {
    events.on(name, handler as never);
    offs.push(() => events.off(name, handler as never));
  };

  on('run.started', ({ run }) => forRun(run).info({}, 'run started'));
  on('run.finished', ({ run }) => forRun(run).info({ state: run.state, reason: run.reason }, 'run finished'));
  on('run.retried', ({ run }) => forRun(run).info({ round: run.round }, 'run retried'));
  on('task.started', ({ run, attempt }) => forAttempt(run, attempt).debug({}, 'task started'));
  on('task.succeeded', ({ run, attempt }) => forAttempt(run, attempt).info({}, 'task succeeded'));
  on('task.failed', ({ run, attempt, willRetry }) =>
    forAttempt(run, attempt).warn(
      { exitCode: attempt.exitCode, reason: attempt.reason, willRetry },
      'task failed',
    ),
  );
  on('schedule.fired', ({ namespace, dagName, tick, run }) =>
    logger.info(
      { namespace, dag: dagName, tick: new Date(tick).toISOString(), runId: run.id },
      'schedule fired',
    ),
  );
  return () => {
    for (const off of offs.splice(0)) off();
  };
}
