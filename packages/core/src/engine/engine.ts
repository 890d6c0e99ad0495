/**
 * `createEngine`: a run service and a worker over one store, in one process. The run service registers
 * DAGs and creates, cancels and retries runs; the worker claims and executes what they make ready. Both
 * write every run change through `writeRun` (run-writer.ts). The parts are built by the container
 * (`registerEngineParts`), as the apps' composition roots build them; hosts that need only one half
 * resolve only it (an API beside a controller hosts the run service alone).
 */
import { randomUUID } from 'node:crypto';
import type { DependencyContainer } from 'tsyringe';
import { createChildContainer, registerCore, TOKENS } from '../di/index.js';
import type { EngineEventBus } from '../events/engine-events.js';
import { systemClock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import { registerEngineParts } from './compose.js';
import type { RunService } from './run-service.js';
import type { Engine, EngineOptions } from './types.js';
import type { Worker } from './worker.js';

export function createEngine(options: EngineOptions): Engine {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const workerId = options.workerId ?? `engine-${randomUUID()}`;
  const logger = (options.logger ?? silentLogger).child({ workerId });
  const container: DependencyContainer = options.container ?? createChildContainer();
  registerCore(container, { store, clock, logger });
  container.register(TOKENS.Runtimes, { useValue: options.runtimes ?? [] });
  container.register(TOKENS.Notifiers, { useValue: options.notifiers ?? [] });
  container.register(TOKENS.Plugins, { useValue: options.plugins ?? [] });
  registerEngineParts(container, {
    runs: pick(options, ['timing', 'newId']),
    worker: {
      workerId,
      ...pick(options, [
        'defaultRuntime',
        'concurrency',
        'leaseMs',
        'pollIntervalMs',
        'scheduler',
        'abortGraceMs',
        'logFlushMs',
      ]),
    },
  });
  const runs = container.resolve<RunService>(TOKENS.RunService);
  const worker = container.resolve<Worker>(TOKENS.Worker);
  const engine = composeEngine(runs, worker, container.resolve<EngineEventBus>(TOKENS.EventBus));
  container.register(TOKENS.Engine, { useValue: engine });
  return engine;
}

/** The `Engine` interface over a run service and a worker of the same process. */
export function composeEngine(runs: RunService, worker: Worker, events: EngineEventBus): Engine {
  let stopping: Promise<void> | null = null;
  const stop: Engine['stop'] = (opts) => {
    // Commands are refused from the first moment of stopping; changes in flight still complete.
    stopping ??= Promise.all([runs.close(), worker.stop(opts)]).then(() => undefined);
    return stopping;
  };
  return {
    workerId: worker.workerId,
    events,
    scheduler: worker.scheduler,
    promise: worker.promise,
    start: () => worker.start(),
    stop,
    registerDag: (doc, opts) => runs.registerDag(doc, opts),
    submit: (dag, parameters, opts) => runs.submit(dag, parameters, opts),
    getRun: (runId) => runs.getRun(runId),
    listRuns: (filter, page) => runs.listRuns(filter, page),
    cancel: (runId) => runs.cancel(runId),
    retry: (runId, opts) => runs.retry(runId, opts),
    rerunTask: (runId, task, opts) => runs.rerunTask(runId, task, opts),
    markTask: (runId, task, opts) => runs.markTask(runId, task, opts),
    decideApproval: (runId, task, decision) => runs.decideApproval(runId, task, decision),
    admitQueued: (namespace) => runs.admitQueued(namespace),
    [Symbol.asyncDispose]: () => stop(),
  };
}

/** The options that are set, so defaults stay with the module that documents them. */
function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (from[key] !== undefined) picked[key] = from[key];
  return picked;
}
