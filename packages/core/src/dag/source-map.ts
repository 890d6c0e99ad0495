/**
 * Where each part of a DagSpec came from in the document the user sent. Loaders rename and move things
 * (Kontroler's `spec.task` becomes `tasks`, `metadata.name` becomes `name`, a DSL becomes tasks), so an
 * issue's model `path` is not what the user can find in their text; a source map translates it.
 */
import type { DagIssue } from './issues.js';
import { tokens } from './pointer.js';

/** A place in the user's document: a JSON Pointer and, for text formats, the 1-based line and column. */
export interface SourceLocation {
  readonly pointer: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * Translates a model path (`/tasks/0/colour`) into a place in the user's document; with `key`, the place
 * of the field's name rather than its value (for an unknown field).
 */
export type DagSourceMap = (path: string, options?: { readonly key?: boolean }) => SourceLocation;

/** For a document that is the DagSpec itself (JSON): every path points at itself. */
export const identitySourceMap: DagSourceMap = (path) => ({ pointer: path });

/** 1-based line and column. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/**
 * A source map from a table of model paths to positions: a path resolves to its own entry or its
 * nearest ancestor's (`/tasks/0/command/1` → `/tasks/0/command` → `/tasks/0`); `pointer` is given.
 */
export function tableSourceMap(table: ReadonlyMap<string, TextPosition>, pointer: string): DagSourceMap {
  return (path) => {
    const parts = tokens(path);
    for (let n = parts.length; n >= 0; n--) {
      const key = n === parts.length ? path : ancestor(path, n);
      const at = table.get(key);
      if (at) return { pointer, line: at.line, column: at.column };
    }
    return { pointer };
  };
}

/** The pointer made of the first `n` tokens of `path` (kept escaped, as the table's keys are). */
function ancestor(path: string, n: number): string {
  if (n === 0) return '';
  let end = 0;
  for (let i = 0; i < n; i++) {
    end = path.indexOf('/', end + 1);
    if (end === -1) return path;
  }
  return path.slice(0, end);
}

/**
 * The issues with `pointer`, `line` and `column` filled in from `source` where they are missing (issues
 * from a parser already know their position and keep it).
 */
export function locateIssues(issues: readonly DagIssue[], source: DagSourceMap): DagIssue[] {
  return issues.map((issue) => {
    if (issue.pointer !== undefined && issue.line !== undefined) return issue;
    const at = source(issue.path, { key: issue.code === 'UNKNOWN_FIELD' });
    const located: DagIssue = { ...issue, pointer: issue.pointer ?? at.pointer };
    if (issue.line !== undefined || at.line === undefined) return located;
    return { ...located, line: at.line, ...(at.column !== undefined ? { column: at.column } : {}) };
  });
}
