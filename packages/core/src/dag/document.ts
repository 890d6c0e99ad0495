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
import { DEFAULT_NAMESPACE } from '../model/dag-ref.js';

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

/** Options of `checkDagDocument`. */
export interface CheckDagDocumentOptions {
  /**
   * The namespace the DAG is saved in (an API path's). A document that names another namespace is refused
   * with `NAMESPACE_MISMATCH` at that field; otherwise the DAG is compiled in this namespace, where
   * `default` stays implicit so that the hashes of default-namespace documents do not change.
   */
  readonly namespace?: string;
}

interface Read {
  readonly doc: unknown;
  readonly namespace: string | undefined;
  /** Where the document names its namespace: `/metadata/namespace` in a manifest, else `/namespace`. */
  readonly namespacePointer: string;
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
      namespacePointer: '/namespace',
      warnings: [],
      source: identitySourceMap,
    };
  }
  if (input.format === 'dsl') {
    const { result, positions } = parseDslWithPositions(input.text, { name: input.name });
    if (!result.ok) return { errors: result.errors.map(whole) };
    const source = tableSourceMap(positions, '');
    return {
      doc: result.dag,
      namespace: undefined,
      namespacePointer: '/namespace',
      warnings: locateIssues(result.warnings, source),
      source,
    };
  }
  const { result, sources } = loadManifestWithSources(input.text);
  if (!result.ok) return { errors: result.errors.map(whole) };
  const dags = result.documents.flatMap((d, i) => (d.kind === 'DAG' ? [{ d, source: sources[i] }] : []));
  const [first] = dags;
  if (dags.length !== 1 || first === undefined || first.d.kind !== 'DAG' || first.source === undefined) {
    const message = `expected exactly one DAG document, found ${dags.length}`;
    return { errors: [{ code: 'UNKNOWN_KIND', path: '', pointer: '', message, line: 1, column: 1 }] };
  }
  const fromMetadata = first.d.metadata.namespace;
  return {
    doc: first.d.dag,
    namespace: fromMetadata ?? first.d.dag.namespace,
    namespacePointer: fromMetadata !== undefined ? '/metadata/namespace' : '/spec/namespace',
    warnings: result.warnings.map(whole),
    source: first.source,
  };
}

/**
 * Reads and validates a DAG document the way a user sent it; never throws. Issues keep their model
 * `path` (for tools that work on the DagSpec) and gain `pointer`, `line` and `column` into the document.
 */
export function checkDagDocument(
  input: DagDocumentInput,
  options: CheckDagDocumentOptions = {},
): DagDocumentCheck {
  const r = read(input);
  if ('errors' in r) return { ok: false, errors: r.errors, warnings: [] };
  const target = options.namespace;
  if (target !== undefined && r.namespace !== undefined && r.namespace !== target) {
    const mismatch: DagIssue = {
      code: 'NAMESPACE_MISMATCH',
      path: '/namespace',
      pointer: r.namespacePointer,
      message: `the document is in namespace "${r.namespace}", not "${target}"`,
    };
    return { ok: false, errors: [mismatch], warnings: r.warnings };
  }
  const doc =
    target === undefined || target === DEFAULT_NAMESPACE || !isObject(r.doc)
      ? r.doc
      : { ...r.doc, namespace: target };
  const result = validateDag(doc);
  const warnings = [...r.warnings, ...locateIssues(result.warnings, r.source)];
  if (!result.ok) return { ok: false, errors: locateIssues(result.errors, r.source), warnings };
  return { ok: true, dag: result.dag, namespace: target ?? r.namespace, errors: [], warnings };
}
