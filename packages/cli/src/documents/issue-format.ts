/**
 * A DAG issue as a terminal line: `file:line:col  task.field  message`, the shape compilers and linters use
 * so that editors and CI annotate the right place.
 */
import type { DagIssue } from '@kontroler/core';

/** One reported problem, placed in a file. */
export interface PlacedIssue {
  readonly file: string;
  readonly severity: 'error' | 'warning';
  readonly code: string;
  /** `task.field`, `field` (a DAG-level field), `task`, or `-`. */
  readonly where: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
  /** JSON Pointer into the document as written. */
  readonly pointer?: string;
  readonly task?: string;
}

const unescape = (segment: string): string => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/** `/tasks/2/runAfter/0` → `runAfter[0]`; `/parameters/1/defaultValue` → `parameters[1].defaultValue`. */
function dotted(segments: readonly string[]): string {
  return segments
    .map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`))
    .join('')
    .replace(/^\./, '');
}

/** The `task.field` column of an issue, from its task and its model path. */
export function whereOf(issue: DagIssue): string {
  const segments = issue.path.split('/').slice(1).map(unescape);
  if (segments[0] === 'tasks' && segments[1] !== undefined && /^\d+$/.test(segments[1])) {
    const task = issue.task ?? `tasks[${segments[1]}]`;
    const field = dotted(segments.slice(2));
    return field === '' ? task : `${task}.${field}`;
  }
  const field = dotted(segments);
  if (issue.task !== undefined)
    return field === '' || field === 'tasks' ? issue.task : `${issue.task}.${field}`;
  return field === '' ? '-' : field;
}

/** Places a core issue in `file`. */
export function place(file: string, severity: PlacedIssue['severity'], issue: DagIssue): PlacedIssue {
  return {
    file,
    severity,
    code: issue.code,
    where: whereOf(issue),
    message: issue.message,
    ...(issue.line !== undefined ? { line: issue.line } : {}),
    ...(issue.column !== undefined ? { column: issue.column } : {}),
    ...(issue.pointer !== undefined ? { pointer: issue.pointer } : {}),
    ...(issue.task !== undefined ? { task: issue.task } : {}),
  };
}

/** `file:line:col  where  message` (warnings say so). */
export function formatIssue(issue: PlacedIssue): string {
  const at = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  const message = issue.severity === 'warning' ? `warning: ${issue.message}` : issue.message;
  return `${at}  ${issue.where}  ${message}`;
}
