/** Builds attempt contexts by hand, so runtime tests need no engine. */
import { randomUUID } from 'node:crypto';
import type {
  AttemptContext,
  CompiledDag,
  CompiledTask,
  DagSpec,
  LogLine,
  ParameterValue,
  TaskSpec,
} from '@kontroler/core';

export function compile(spec: DagSpec): CompiledDag {
  const tasks = new Map<string, CompiledTask>();
  for (const task of spec.tasks) {
    tasks.set(task.name, {
      name: task.name,
      spec: task,
      runAfter: task.runAfter ?? [],
      children: spec.tasks.filter((t) => t.runAfter?.includes(task.name)).map((t) => t.name),
      backoffLimit: task.backoff?.limit ?? 3,
      retryCodes: task.conditional?.enabled ? new Set(task.conditional.retryCodes) : null,
      timeoutSeconds: task.timeoutSeconds ?? task.podTemplate?.activeDeadlineSeconds,
    });
  }
  return { spec, name: spec.name, tasks, order: spec.tasks.map((t) => t.name) };
}

export interface TestAttempt {
  readonly ctx: AttemptContext;
  readonly lines: LogLine[];
  readonly abort: AbortController;
  /** The stdout lines, in order. */
  stdout(): string[];
  stderr(): string[];
  system(): string[];
}

export function attemptOf(
  task: TaskSpec,
  options: {
    dag?: Partial<DagSpec>;
    runId?: string;
    attempt?: number;
    attemptId?: string;
    parameters?: Record<string, ParameterValue>;
    reclaimed?: boolean;
  } = {},
): TestAttempt {
  const dag = compile({ name: 'test-dag', ...options.dag, tasks: [task, ...(options.dag?.tasks ?? [])] });
  const compiledTask = dag.tasks.get(task.name)!;
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
    signal: abort.signal,
    log: (line) => lines.push({ ts: line.ts ?? Date.now(), stream: line.stream, line: line.line }),
  };
  const of = (stream: LogLine['stream']) => () => lines.filter((l) => l.stream === stream).map((l) => l.line);
  return { ctx, lines, abort, stdout: of('stdout'), stderr: of('stderr'), system: of('system') };
}
