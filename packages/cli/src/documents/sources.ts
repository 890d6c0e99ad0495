/**
 * Splits a file into the Kontroler documents it holds. A YAML stream may mix DAGs, DagRuns, DagTasks and
 * other Kubernetes objects (a Service next to a DAG); each document is checked on its own, with its text
 * padded so that lines and columns stay those of the whole file.
 */
import { basename, extname } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The formats `kontroler` reads, by file extension. */
export type FileFormat = 'yaml' | 'json' | 'dsl';

const FORMATS: Readonly<Record<string, FileFormat>> = {
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.json': 'json',
  '.dsl': 'dsl',
  '.kdsl': 'dsl',
};

/** The format of a file by its extension, or undefined for files `kontroler` does not read. */
export function formatOf(file: string): FileFormat | undefined {
  return FORMATS[extname(file).toLowerCase()];
}

/** A DSL file has no name of its own: it is named after the file (`etl.dsl` → `etl`). */
export function nameFromFile(file: string): string {
  const stem = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return stem === '' ? 'dag' : stem;
}

/** One document of a file. */
export type Source =
  | { readonly kind: 'dsl'; readonly text: string }
  /** A DAG manifest or a plain YAML/JSON DagSpec; `text` keeps the file's line numbers. */
  | { readonly kind: 'DAG'; readonly text: string }
  | { readonly kind: 'DagRun' | 'DagTask'; readonly text: string }
  /** A JSON document that YAML cannot read (tabs): checked as a value, without positions. */
  | { readonly kind: 'json-value'; readonly value: unknown };

const KONTROLER_GROUP = 'kontroler.greedykomodo/';

function kindOf(value: unknown): Source['kind'] | 'foreign' | 'empty' {
  if (value === null || value === undefined) return 'empty';
  if (typeof value !== 'object' || Array.isArray(value)) return 'DAG';
  const { apiVersion, kind } = value as { apiVersion?: unknown; kind?: unknown };
  // Another group's object (a Service, a ConfigMap) is not ours to lint.
  if (typeof apiVersion === 'string' && !apiVersion.startsWith(KONTROLER_GROUP)) return 'foreign';
  if (kind === 'DagRun' || kind === 'DagTask') return kind;
  return 'DAG';
}

/** The document's text, padded with blank lines and spaces so positions match the whole file. */
function padded(text: string, start: number, end: number): string {
  const before = text.slice(0, start);
  const lines = before.split('\n');
  const column = (lines[lines.length - 1] ?? '').length;
  return `${'\n'.repeat(lines.length - 1)}${' '.repeat(column)}${text.slice(start, end)}`;
}

/** The Kontroler documents of a YAML (or JSON) text; foreign and empty documents are left out. */
function yamlSources(text: string): Source[] {
  const documents = parseAllDocuments(text);
  // A stream the YAML parser rejects as a whole is handed over as it is, so core reports the parse error.
  if (!Array.isArray(documents)) return [{ kind: 'DAG', text }];
  if (documents.length <= 1) {
    const only = documents[0];
    const kind = only === undefined || only.errors.length > 0 ? 'DAG' : kindOf(safeJs(only));
    return kind === 'foreign' || kind === 'empty' ? [] : [{ kind, text } as Source];
  }
  const sources: Source[] = [];
  for (const doc of documents) {
    const [start, , end] = doc.range;
    const kind = doc.errors.length > 0 ? 'DAG' : kindOf(safeJs(doc));
    if (kind === 'foreign' || kind === 'empty') continue;
    sources.push({ kind, text: padded(text, start, end) } as Source);
  }
  return sources;
}

function safeJs(doc: { toJS(): unknown }): unknown {
  try {
    return doc.toJS();
  } catch {
    return {};
  }
}

/** The documents of a file; a DSL file is one document. */
export function sourcesOf(format: FileFormat, text: string): Source[] {
  if (format === 'dsl') return [{ kind: 'dsl', text }];
  if (format === 'json') {
    // JSON is YAML, which gives positions; JSON indented with tabs is not, and is read as a plain value.
    const documents = parseAllDocuments(text);
    const broken = !Array.isArray(documents) || documents.some((d) => d.errors.length > 0);
    if (broken) {
      try {
        return [{ kind: 'json-value', value: JSON.parse(text) as unknown }];
      } catch {
        // Neither JSON nor YAML: core's YAML reader reports where it broke.
      }
    }
  }
  return yamlSources(text);
}
