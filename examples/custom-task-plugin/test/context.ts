/** A hand-built AttemptContext: enough to test a task type without an engine. */
import { randomUUID } from 'node:crypto';
import type { AttemptContext, CompiledDag, LogLine, ParameterValue, TaskSpec } from '@kontroler/core';

export function attempt(task: TaskSpec, parameters: Record<string, ParameterValue> = {}) {
  const dag: CompiledDag = {
    name: 'example',
    spec: { name: 'example', tasks: [task] },
    order: [task.name],
    tasks: new Map([
      [
        task.name,
        {
          name: task.name,
          spec: task,
          runAfter: [],
          children: [],
          backoffLimit: 3,
          retryCodes: null,
          timeoutSeconds: task.timeoutSeconds,
        },
      ],
    ]),
  };
  const lines: LogLine[] = [];
  const abort = new AbortController();
  const ctx: AttemptContext = {
    attemptId: randomUUID(),
    runId: randomUUID(),
    dagName: dag.name,
    dagVersion: 1,
    namespace: 'default',
    taskName: task.name,
    attempt: 1,
    task: dag.tasks.get(task.name)!,
    dag,
    parameters,
    reclaimed: false,
    signal: abort.signal,
    log: (line) => lines.push({ ts: line.ts ?? Date.now(), stream: line.stream, line: line.line }),
  };
  return { ctx, lines, abort, stdout: () => lines.filter((l) => l.stream === 'stdout').map((l) => l.line) };
}
