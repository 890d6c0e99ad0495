/**
 * Layer one of validation: the document's shape, checked by ajv against `dagSchema` and turned into
 * DagIssues that name the path and the task.
 */
import type { ErrorObject } from 'ajv';
import { validate as generatedValidator } from './shape-validator.generated.js';
import type { DagIssue } from './issues.js';
import { isObject, own } from './guards.js';
import { escapeToken, tokens } from './pointer.js';

// Compiled ahead of time from dagSchema (scripts/shape-validator-source.ts; a test fails when it is stale):
// compiling at run time means `new Function`, which the console's Content-Security-Policy forbids.
const validateShape = generatedValidator as unknown as ((doc: unknown) => boolean) & {
  errors?: ErrorObject[] | null;
};

/** The task name at `/tasks/N`, when the document has one there. */
export function taskAt(doc: unknown, path: string): string | undefined {
  const parts = tokens(path);
  if (parts[0] !== 'tasks' || parts[1] === undefined || !isObject(doc)) return undefined;
  const tasks = own(doc, 'tasks');
  if (!Array.isArray(tasks)) return undefined;
  const task: unknown = tasks[Number(parts[1])];
  if (!isObject(task)) return undefined;
  const name = own(task, 'name');
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** "task \"load\"", "task \"load\" podTemplate", "DAG", "webhook": who owns the value at `path`. */
export function ownerOf(doc: unknown, path: string): string {
  const parts = tokens(path);
  if (parts.length === 0) return 'DAG';
  if (parts[0] === 'tasks' && parts.length >= 2) {
    const name = taskAt(doc, path);
    const task = name === undefined ? `task #${parts[1]}` : `task "${name}"`;
    const rest = parts.slice(2);
    return rest.length === 0 ? task : `${task} ${rest.join('.')}`;
  }
  return parts.join('.');
}

function toIssue(doc: unknown, error: ErrorObject): DagIssue {
  const at = error.instancePath;
  const owner = ownerOf(doc, at);
  if (error.keyword === 'additionalProperties') {
    const field = String((error.params as { additionalProperty: string }).additionalProperty);
    const path = `${at}/${escapeToken(field)}`;
    return withTask(doc, { code: 'UNKNOWN_FIELD', path, message: `${owner} has unknown field "${field}"` });
  }
  if (error.keyword === 'required') {
    const field = String((error.params as { missingProperty: string }).missingProperty);
    const path = `${at}/${escapeToken(field)}`;
    return withTask(doc, { code: 'SCHEMA', path, message: `${owner} is missing required field "${field}"` });
  }
  return withTask(doc, { code: 'SCHEMA', path: at, message: `${owner} ${error.message ?? 'is invalid'}` });
}

function withTask(doc: unknown, issue: DagIssue): DagIssue {
  const task = taskAt(doc, issue.path);
  return task === undefined ? issue : { ...issue, task };
}

/**
 * Shape errors of `doc`, or `[]`. The branches of a union (`const` or `type` alternatives) are folded
 * into one issue ("must be one of …") instead of one per branch plus the `anyOf` itself.
 */
export function checkShape(doc: unknown): DagIssue[] {
  if (validateShape(doc)) return [];
  const errors = validateShape.errors ?? [];
  const unions = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const alternatives = new Map<string, string[]>();
  const issues: DagIssue[] = [];
  for (const error of errors) {
    const path = error.instancePath;
    if (unions.has(path) && (error.keyword === 'const' || error.keyword === 'type')) {
      const list = alternatives.get(path) ?? [];
      const params = error.params as { allowedValue?: unknown; type?: string };
      list.push(error.keyword === 'const' ? JSON.stringify(params.allowedValue) : String(params.type));
      alternatives.set(path, list);
      continue;
    }
    if (error.keyword === 'anyOf' && alternatives.has(path)) {
      const list = alternatives.get(path) ?? [];
      const what = list.every((a) => a.startsWith('"')) ? `one of ${list.join(', ')}` : list.join(' or ');
      issues.push(withTask(doc, { code: 'SCHEMA', path, message: `${ownerOf(doc, path)} must be ${what}` }));
      continue;
    }
    issues.push(toIssue(doc, error));
  }
  return issues;
}
