import type { Diagnostic } from '@codemirror/lint';
import type { DagIssue } from '../dag/core';

/** The part of CodeMirror's document (`Text`) this needs. */
export interface EditorText {
  readonly lines: number;
  line(n: number): { readonly from: number; readonly to: number };
  sliceString(from: number, to: number): string;
}

/** A problem at a 1-based line (and column) of the text being edited. */
export interface EditorDiagnostic {
  readonly line: number;
  readonly column?: number;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/**
 * CodeMirror diagnostics for `items` in `doc`: each underlines the word at its position (or the rest of
 * its line), so the marker sits on the line the problem is on. Positions past the end are clamped.
 */
export function toCodeMirror(doc: EditorText, items: readonly EditorDiagnostic[]): Diagnostic[] {
  return items.map((item) => {
    const line = doc.line(Math.min(Math.max(1, item.line), doc.lines));
    const from = Math.min(line.from + Math.max(0, (item.column ?? 1) - 1), line.to);
    const word = /^[^\s:,{}[\]]+/.exec(doc.sliceString(from, line.to))?.[0].length ?? 0;
    const to = word > 0 ? from + word : line.to;
    return { from, to, severity: item.severity, message: item.message };
  });
}

/** The issues that know their line, as editor diagnostics (errors first, then warnings). */
export function issueDiagnostics(
  errors: readonly DagIssue[],
  warnings: readonly DagIssue[] = [],
): EditorDiagnostic[] {
  const of = (issue: DagIssue, severity: EditorDiagnostic['severity']): EditorDiagnostic[] =>
    issue.line === undefined
      ? []
      : [
          {
            line: issue.line,
            ...(issue.column !== undefined ? { column: issue.column } : {}),
            message: `${issue.code}: ${issue.message}`,
            severity,
          },
        ];
  return [...errors.flatMap((e) => of(e, 'error')), ...warnings.flatMap((w) => of(w, 'warning'))];
}
