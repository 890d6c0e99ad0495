/** Builds attempt contexts for driving the pod runtime directly, without an engine. */
import { randomUUID } from 'node:crypto';
import {
  compileDag,
  type AttemptContext,
  type CompiledDag,
  type DagSpec,
  type LogLine,
  type LogResumePoint,
  type ParameterValue,
} from '@kontroler/core';

export interface AttemptOverrides {
  readonly runId?: string;
  readonly attempt?: number;
  readonly attemptId?: string;
  readonly namespace: string;
  readonly signal?: AbortSignal;
  readonly parameters?: Record<string, ParameterValue>;
  readonly runLabels?: Record<string, string>;
  readonly reclaimed?: boolean;
  readonly resumeLog?: LogResumePoint;
}

export function compile(spec: DagSpec): CompiledDag {
  return compileDag(spec);
}

export function attemptContext(
  dag: CompiledDag,
  taskName: string,
  overrides: AttemptOverrides,
): AttemptContext & { lines: LogLine[] } {
  const task = dag.tasks.get(taskName);
  if (!task) throw new Error(`no task ${taskName}`);
  const lines: LogLine[] = [];
  const runId = overrides.runId ?? randomUUID();
  const attempt = overrides.attempt ?? 1;
  return {
    attemptId: overrides.attemptId ?? `${runId}:${taskName}:${attempt}`,
    runId,
    dagName: dag.name,
    dagVersion: 1,
    namespace: overrides.namespace,
    taskName,
    attempt,
    task,
    dag,
    parameters: overrides.parameters ?? {},
    ...(overrides.runLabels ? { runLabels: overrides.runLabels } : {}),
    reclaimed: overrides.reclaimed ?? false,
    ...(overrides.resumeLog ? { resumeLog: overrides.resumeLog } : {}),
    signal: overrides.signal ?? new AbortController().signal,
    log: (line) => lines.push({ ts: line.ts ?? Date.now(), stream: line.stream, line: line.line }),
    lines,
  };
}
