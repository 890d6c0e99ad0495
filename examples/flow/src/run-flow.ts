/**
 * Runs the example pipeline in this process: the memory store and the process runtime (each task is an
 * `sh` script on this host; the image is not used). What `npm start` and the example's test use.
 */
import {
  createEngine,
  createMemoryStore,
  type Engine,
  type EngineOptions,
  type RunSnapshot,
} from '@kontroler/core';
import { createProcessRuntime, type ProcessRuntime } from '@kontroler/plugins';
import { flow } from './flow-workflow.js';

/** An engine with the example DAG registered. */
export interface FlowEngine {
  readonly engine: Engine;
  readonly runtime: ProcessRuntime;
  stop(): Promise<void>;
}

export async function startFlowEngine(
  options: { workDir?: string; timing?: EngineOptions['timing'] } = {},
): Promise<FlowEngine> {
  const runtime = createProcessRuntime({
    ...(options.workDir ? { workDir: options.workDir } : {}),
    concurrency: 4,
  });
  const engine = createEngine({
    store: createMemoryStore(),
    runtimes: [runtime],
    scheduler: false,
    pollIntervalMs: 100,
    ...(options.timing ? { timing: options.timing } : {}),
  });
  await engine.registerDag(flow.toDocument());
  await engine.start();
  return {
    engine,
    runtime,
    async stop() {
      await engine.stop();
      await runtime.close();
    },
  };
}

/** Submits a run of `flow` and resolves with its snapshot once it has finished. */
export async function runFlow(engine: Engine, params: Record<string, string> = {}): Promise<RunSnapshot> {
  const finished = new Map<string, true>();
  let wake: (() => void) | undefined;
  const onFinished = ({ run }: { run: { id: string } }) => {
    finished.set(run.id, true);
    wake?.();
  };
  engine.events.on('run.finished', onFinished);
  try {
    const run = await engine.submit('flow', params);
    // The engine's retry timers do not keep a process alive (they are unref'd): this one does.
    const alive = setInterval(() => undefined, 60_000);
    try {
      while (!finished.has(run.id)) await new Promise<void>((resolve) => (wake = resolve));
    } finally {
      clearInterval(alive);
    }
    const snapshot = await engine.getRun(run.id);
    if (snapshot === undefined) throw new Error(`run ${run.id} is gone`);
    return snapshot;
  } finally {
    engine.events.off('run.finished', onFinished);
  }
}

/** The latest attempt of each task (a retried task has several), in the order they were first made. */
export function latestAttempts(snapshot: RunSnapshot): Map<string, RunSnapshot['attempts'][number]> {
  const latest = new Map<string, RunSnapshot['attempts'][number]>();
  for (const a of snapshot.attempts) {
    const current = latest.get(a.taskName);
    if (current === undefined || a.attempt > current.attempt) latest.set(a.taskName, a);
  }
  return latest;
}

/** One line per task (latest attempt): its state, reason and outputs. */
export function describeRun(snapshot: RunSnapshot): string[] {
  return [
    `run ${snapshot.run.id}: ${snapshot.run.state}${snapshot.run.reason ? ` (${snapshot.run.reason})` : ''}`,
    ...[...latestAttempts(snapshot).values()].map((a) =>
      `  ${a.taskName.padEnd(13)} ${a.state.padEnd(9)} ${(a.reason ?? '').padEnd(15)} ${
        a.outputs ? JSON.stringify(a.outputs) : ''
      }`.trimEnd(),
    ),
  ];
}
