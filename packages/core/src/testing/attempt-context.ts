/**
 * Attempt contexts built by hand, so runtime tests need no engine: the context a runtime's `execute`
 * gets, with its log lines collected in memory and an AbortController standing in for the engine.
 */
import { randomUUID } from 'node:crypto';
import type { CompiledDag, CompiledTask } from '../dag/compiled.js';
import { compileTask } from '../dag/compile.js';
import type { DagSpec, TaskSpec } from '../dag/schema.js';
import type { LogLine, ParameterValue } from '../model/records.js';
import type { AttemptContext, LogResumePoint } from '../ports/runtime.js';

/**
 * Indexes a DAG document the way `compileDag` does, without validating it: tests may hand a runtime a
 * task that validation would refuse (no command, say) to pin down what the runtime does with it.
 */
export function compileUnchecked(spec: DagSpec): CompiledDag {
  const index = (list: readonly TaskSpec[]): Map<string, CompiledTask> => {
    const tasks = new Map<string, CompiledTask>();
    for (const task of list) {
      const children = list.filter((t) => t.runAfter?.includes(task.name)).map((t) => t.name);
      tasks.set(task.name, compileTask(task, task.runAfter ?? [], children));
    }
    return tasks;
  };
  const exits = spec.onExit ?? [];
  return {
    spec,
    name: spec.name,
    tasks: index(spec.tasks),
    order: spec.tasks.map((t) => t.name),
    onExit: index(exits),
    exitOrder: exits.map((t) => t.name),
    activeDeadlineSeconds: spec.activeDeadlineSeconds,
  };
}

export interface TestAttempt {
  readonly ctx: AttemptContext;
  /** Every line the runtime logged, in order. */
  readonly lines: LogLine[];
  /** Abort with `'Canceled'`, `'Timeout'` or `'Lost'` as the engine would. */
  readonly abort: AbortController;
  /** The stdout lines, in order. */
  stdout(): string[];
  stderr(): string[];
  system(): string[];
}

export interface TestAttemptOptions {
  /** The rest of the DAG; `task` comes first in its task list. */
  readonly dag?: Partial<DagSpec>;
  readonly runId?: string;
  readonly attempt?: number;
  readonly attemptId?: string;
  readonly parameters?: Record<string, ParameterValue>;
  readonly reclaimed?: boolean;
  readonly resumeLog?: LogResumePoint;
}

/** An attempt of `task` in a one-task DAG (plus `options.dag.tasks`), with fresh ids unless given. */
export function makeTestAttempt(task: TaskSpec, options: TestAttemptOptions = {}): TestAttempt {
  const dag = compileUnchecked({
    name: 'test-dag',
    ...options.dag,
    tasks: [task, ...(options.dag?.tasks ?? [])],
  });
  const compiledTask = dag.tasks.get(task.name);
  if (compiledTask === undefined) throw new Error(`task "${task.name}" is missing from its DAG`);
  const lines: LogLine[] = [];
  const abort = new AbortController();
  const ctx: AttemptContext = {
    attemptId: options.attemptId ?? randomUUID(),
    runId: options.runId ?? randomUUID(),
    dagName: dag.name,
    dagVersion: 1,
    namespace: 'default',
    taskName: task.name,
    attempt: options.attempt ?? 1,
    task: compiledTask,
    dag,
    parameters: options.parameters ?? {},
    reclaimed: options.reclaimed ?? false,
    ...(options.resumeLog ? { resumeLog: options.resumeLog } : {}),
    signal: abort.signal,
    log: (line) => lines.push({ ts: line.ts ?? Date.now(), stream: line.stream, line: line.line }),
  };
  const of = (stream: LogLine['stream']) => () => lines.filter((l) => l.stream === stream).map((l) => l.line);
  return { ctx, lines, abort, stdout: of('stdout'), stderr: of('stderr'), system: of('system') };
}
