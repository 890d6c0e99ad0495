/**
 * Reads and validates the Kontroler documents of one file with core's `checkDagDocument` (DAGs) and
 * `loadManifest` (DagRuns, DagTasks): the same code the API, the controller and the console run.
 */
import { readFile } from 'node:fs/promises';
import { checkDagDocument, loadManifest, type CompiledDag, type DagIssue } from '@kontroler/core';
import { CliError } from '../cli-error.js';
import { formatIssue, place, type PlacedIssue } from './issue-format.js';
import { formatOf, nameFromFile, sourcesOf, type FileFormat, type Source } from './sources.js';

/** One checked document. */
export interface CheckedDocument {
  readonly kind: 'DAG' | 'DagRun' | 'DagTask';
  readonly errors: readonly PlacedIssue[];
  readonly warnings: readonly PlacedIssue[];
  /** The compiled DAG, for a valid DAG document. */
  readonly dag?: CompiledDag;
  /** The namespace the document names. */
  readonly namespace?: string;
}

/** Options of `checkText`. */
export interface CheckOptions {
  /** The name of a DSL DAG. @default the file's name */
  readonly name?: string;
}

function checkSource(file: string, source: Source, options: CheckOptions): CheckedDocument {
  const errors = (issues: readonly DagIssue[]) => issues.map((i) => place(file, 'error', i));
  const warnings = (issues: readonly DagIssue[]) => issues.map((i) => place(file, 'warning', i));
  if (source.kind === 'DagRun' || source.kind === 'DagTask') {
    const result = loadManifest(source.text);
    return result.ok
      ? { kind: source.kind, errors: [], warnings: warnings(result.warnings) }
      : { kind: source.kind, errors: errors(result.errors), warnings: [] };
  }
  const check = checkDagDocument(
    source.kind === 'dsl'
      ? { format: 'dsl', text: source.text, name: options.name ?? nameFromFile(file) }
      : source.kind === 'json-value'
        ? { format: 'json', value: source.value }
        : { format: 'yaml', text: source.text },
  );
  if (!check.ok) return { kind: 'DAG', errors: errors(check.errors), warnings: warnings(check.warnings) };
  return {
    kind: 'DAG',
    errors: [],
    warnings: warnings(check.warnings),
    dag: check.dag,
    ...(check.namespace !== undefined ? { namespace: check.namespace } : {}),
  };
}

/** Checks every Kontroler document of a file's text. */
export function checkText(
  file: string,
  format: FileFormat,
  text: string,
  options: CheckOptions = {},
): CheckedDocument[] {
  return sourcesOf(format, text).map((source) => checkSource(file, source, options));
}

/** Reads a file, refusing unknown extensions and unreadable files with exit 2. */
export async function readDocumentFile(file: string): Promise<{ format: FileFormat; text: string }> {
  const format = formatOf(file);
  if (format === undefined) {
    throw CliError.usage(`${file}: not a DAG file (expected .yaml, .yml, .json, .dsl or .kdsl)`);
  }
  try {
    return { format, text: await readFile(file, 'utf8') };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw CliError.usage(`${file}: ${reason}`);
  }
}

/** The one valid DAG a file holds (what `convert`, `plan` and `run` work on); its issues end the command. */
export async function loadOneDag(
  file: string,
  display: string,
  options: CheckOptions = {},
): Promise<{ dag: CompiledDag; format: FileFormat; warnings: readonly PlacedIssue[] }> {
  const { format, text } = await readDocumentFile(file);
  const documents = checkText(display, format, text, options).filter((d) => d.kind === 'DAG');
  const [only] = documents;
  if (documents.length !== 1 || only === undefined) {
    throw new CliError(`${display}: expected exactly one DAG, found ${documents.length}`);
  }
  if (only.dag === undefined) {
    throw new CliError(
      `${display}: the DAG is invalid (${only.errors.length} error${only.errors.length === 1 ? '' : 's'})`,
      undefined,
      only.errors.map(formatIssue),
    );
  }
  return { dag: only.dag, format, warnings: only.warnings };
}
