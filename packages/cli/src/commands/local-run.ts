/**
 * Runs a DAG on this machine: the engine with the memory store and the process runtime (no server, no
 * database), each log line teed to the live view with its task. Airflow's `dags test`, for Kontroler.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEngine,
  createMemoryStore,
  levels,
  type AttemptContext,
  type AttemptRecord,
  type CompiledDag,
  type RunRecord,
  type Runtime,
} from '@kontroler/core';
import { createProcessRuntime, envSecretSource } from '@kontroler/plugins';
import type { LiveView } from '../render/live-view.js';
import type { TaskViewState } from '../render/task-tree.js';

/** A runtime that hands each log line to `onLine` as well as to the engine. */
export function teeLogs(runtime: Runtime, onLine: (task: string, line: string) => void): Runtime {
  return {
    name: runtime.name,
    execute(context) {
      // The engine's context keeps `signal` on its prototype: extend it, never spread it.
      const teed: AttemptContext = Object.create(context, {
        log: {
          value: (line: Parameters<AttemptContext['log']>[0]) => {
            onLine(context.taskName, line.line);
            context.log(line);
          },
        },
      }) as AttemptContext;
      return runtime.execute(teed);
    },
    ...(runtime.outcomeRecorded ? { outcomeRecorded: runtime.outcomeRecorded.bind(runtime) } : {}),
    ...(runtime.cleanupRun ? { cleanupRun: runtime.cleanupRun.bind(runtime) } : {}),
    ...(runtime.close ? { close: runtime.close.bind(runtime) } : {}),
  };
}

/** The tasks of a DAG with their levels, in topological order: the rows of the live tree. */
export function treeRows(dag: CompiledDag): { name: string; level: number }[] {
  const levelOf = new Map<string, number>();
  levels(dag).forEach((names, level) => names.forEach((n) => levelOf.set(n, level)));
  return dag.order.map((name) => ({ name, level: levelOf.get(name) ?? 0 }));
}

/** An attempt record as a change of the view. */
export function attemptChange(attempt: AttemptRecord, state: TaskViewState = attempt.state) {
  return {
    task: attempt.taskName,
    state,
    attempt: attempt.attempt,
    startedAt: attempt.startedAt,
    finishedAt: attempt.finishedAt,
    exitCode: attempt.exitCode,
    reason: attempt.reason,
  };
}

export interface LocalRunOptions {
  readonly parameters: Readonly<Record<string, string>>;
  readonly view: LiveView;
  /** Aborting cancels the run (Ctrl-C); the promise still resolves with the canceled run. */
  readonly signal?: AbortSignal;
  /** Where `{fromSecret}` parameters are looked up. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The finished run and its attempts. */
export interface LocalRunResult {
  readonly run: RunRecord;
  readonly attempts: readonly AttemptRecord[];
}

/** Runs `dag` to its end and resolves with the finished run. */
export async function runLocally(dag: CompiledDag, options: LocalRunOptions): Promise<LocalRunResult> {
  const { view } = options;
  const process = createProcessRuntime({
    workDir: join(tmpdir(), 'kontroler-cli-runs'),
    // `{fromSecret: token}` reads KONTROLER_SECRET_token, as the one-process server does.
    secretSource: envSecretSource({ prefix: 'KONTROLER_SECRET_', env: { ...options.env }, upperCase: true }),
  });
  const engine = createEngine({
    store: createMemoryStore(),
    runtimes: [teeLogs(process, (task, line) => view.log(task, line))],
    scheduler: false,
    logFlushMs: 50,
    pollIntervalMs: 200,
  });
  // The engine is private to this run, so every event is about it; listening before the submit catches
  // the first tasks, which the submit itself makes ready.
  const finished = new Promise<RunRecord>((resolve) =>
    engine.events.once('run.finished', ({ run }) => resolve(run)),
  );
  const show = (attempt: AttemptRecord, state?: TaskViewState) => view.task(attemptChange(attempt, state));
  engine.events.on('task.ready', ({ attempt }) => show(attempt));
  engine.events.on('task.started', ({ attempt }) => show(attempt));
  engine.events.on('task.succeeded', ({ attempt }) => show(attempt));
  // A failure that will be retried is shown by the `retrying` that follows it.
  engine.events.on('task.failed', ({ attempt, willRetry }) => willRetry || show(attempt));
  engine.events.on('task.retrying', ({ attempt }) => show(attempt, 'retrying'));
  engine.events.on('task.skipped', ({ attempt }) => show(attempt));
  engine.events.on('task.canceled', ({ attempt }) => show(attempt));

  await engine.registerDag(dag);
  await engine.start();
  try {
    const ref = { namespace: dag.spec.namespace ?? 'default', name: dag.name };
    const created = await engine.submit(ref, options.parameters);
    const onAbort = () => void engine.cancel(created.id).catch(() => undefined);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted === true) onAbort();
    const run = await finished;
    options.signal?.removeEventListener('abort', onAbort);
    const final = await engine.getRun(run.id);
    return { run, attempts: final?.attempts ?? [] };
  } finally {
    await engine.stop();
    await process.close?.();
  }
}
