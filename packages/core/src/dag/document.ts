/**
 * `checkDagDocument`: reads a DAG in any of the forms a user sends (a YAML manifest or plain YAML, the
 * DSL, a parsed JSON DagSpec) and validates it, with every issue pointing into that document: `pointer`
 * is a JSON Pointer into what the user sent (`/spec/task/0/colour`, not the model's `/tasks/0/colour`)
 * and `line`/`column` say where it is in YAML and DSL text.
 */
import type { CompiledDag } from './compiled.js';
import { parseDslWithPositions } from './dsl-parse.js';
import { isObject, own } from './guards.js';
import type { DagIssue } from './issues.js';
import { loadManifestWithSources } from './manifest-load.js';
import { identitySourceMap, locateIssues, tableSourceMap, type DagSourceMap } from './source-map.js';
import { validateDag } from './validate.js';

/** A DAG document as the user sent it. */
export type DagDocumentInput =
  /** A Kontroler manifest (`kind: DAG`, with `spec.task`, `spec.tasks` or `spec.dsl`) or a plain YAML DagSpec; exactly one DAG. */
  | { readonly format: 'yaml'; readonly text: string }
  /** Kontroler DSL text; a DSL file has no name of its own. */
  | { readonly format: 'dsl'; readonly text: string; readonly name: string }
  /** A DagSpec already parsed from JSON: pointers are model paths, there are no lines. */
  | { readonly format: 'json'; readonly value: unknown };

/** The outcome of `checkDagDocument`; every issue has `pointer` (and `line`/`column` for text). */
export type DagDocumentCheck =
  | {
      readonly ok: true;
      readonly dag: CompiledDag;
      /** The namespace the document names (`metadata.namespace` or `namespace`), if any. */
      readonly namespace: string | undefined;
      readonly errors: [];
      readonly warnings: DagIssue[];
    }
  | { readonly ok: false; readonly errors: DagIssue[]; readonly warnings: DagIssue[] };

interface Read {
  readonly doc: unknown;
  readonly namespace: string | undefined;
  readonly warnings: DagIssue[];
  readonly source: DagSourceMap;
}

const whole = (issue: DagIssue): DagIssue =>
  issue.pointer === undefined ? { ...issue, pointer: '' } : issue;

function read(input: DagDocumentInput): Read | { errors: DagIssue[] } {
  if (input.format === 'json') {
    const namespace = isObject(input.value) ? own(input.value, 'namespace') : undefined;
    return {
      doc: input.value,
      namespace: typeof namespace === 'string' ? namespace : undefined,
      warnings: [],
      source: identitySourceMap,
    };
  }
  if (input.format === 'dsl') {
    const { result, positions } = parseDslWithPositions(input.text, { name: input.name });
    if (!result.ok) return { errors: result.errors.map(whole) };
    const source = tableSourceMap(positions, '');
    return { doc: result.dag, namespace: undefined, warnings: locateIssues(result.warnings, source), source };
  }
  const { result, sources } = loadManifestWithSources(input.text);
  if (!result.ok) return { errors: result.errors.map(whole) };
  const dags = result.documents.flatMap((d, i) => (d.kind === 'DAG' ? [{ d, source: sources[i] }] : []));
  const [first] = dags;
  if (dags.length !== 1 || first === undefined || first.d.kind !== 'DAG' || first.source === undefined) {
    const message = `expected exactly one DAG document, found ${dags.length}`;
    return { errors: [{ code: 'UNKNOWN_KIND', path: '', pointer: '', message, line: 1, column: 1 }] };
  }
  return {
    doc: first.d.dag,
    namespace: first.d.metadata.namespace ?? first.d.dag.namespace,
    warnings: result.warnings.map(whole),
    source: first.source,
  };
}

/**
 * Reads and validates a DAG document the way a user sent it; never throws. Issues keep their model
 * `path` (for tools that work on the DagSpec) and gain `pointer`, `line` and `column` into the document.
 */
export function checkDagDocument(input: DagDocumentInput): DagDocumentCheck {
  const r = read(input);
  if ('errors' in r) return { ok: false, errors: r.errors, warnings: [] };
  const result = validateDag(r.doc);
  const warnings = [...r.warnings, ...locateIssues(result.warnings, r.source)];
  if (!result.ok) return { ok: false, errors: locateIssues(result.errors, r.source), warnings };
  return { ok: true, dag: result.dag, namespace: r.namespace, errors: [], warnings };
}
