/**
 * `loadManifest`: reads one or many YAML documents — Kontroler's CRDs (`kind: DAG` with `spec.task` or
 * `spec.dsl`, `DagRun`, `DagTask`), `kind: DAG` with `spec.tasks`, or a bare DagSpec — into DagSpecs and
 * run requests. It checks what it needs to build them; callers run `validateDag` for the rest.
 */
import { LineCounter, parseAllDocuments, isMap, isScalar, isSeq, type Document } from 'yaml';
import type { DagIssue } from './issues.js';
import type { DagSpec, TaskSpec } from './schema.js';
import { parseDslWithPositions } from './dsl-parse.js';
import { isObject, own, type PlainObject } from './guards.js';
import { MAX_MANIFEST_BYTES, MAX_PRIORITY, MAX_RUN_DEADLINE_SECONDS, utf8Length } from './limits.js';
import { escapeToken, tokens } from './pointer.js';
import { tableSourceMap, type DagSourceMap, type SourceLocation } from './source-map.js';
import type {
  DagRunManifest,
  DagRunParameter,
  ManifestDocument,
  ManifestMetadata,
  ManifestResult,
} from './manifest-types.js';

/** Kinds we read but do nothing with (Kontroler defines the CRD but never used it). */
const IGNORED_KINDS = new Set(['WorkerPool']);

/** The top-level fields of a Kubernetes object; anything else is a typo, reported instead of dropped. */
const OBJECT_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

/** Kubernetes ObjectMeta's fields (what `kubectl get -o yaml` writes back); others are typos. */
const METADATA_FIELDS = new Set([
  'name',
  'namespace',
  'labels',
  'annotations',
  'generateName',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'ownerReferences',
  'finalizers',
  'managedFields',
  'selfLink',
]);

/** A DagRun's spec fields: Kontroler's CRD, plus this project's run options. */
const DAGRUN_SPEC_FIELDS = new Set(['dagName', 'parameters', 'priority', 'activeDeadlineSeconds']);

type Path = readonly (string | number)[];
const toPointer = (path: Path) => path.map((p) => `/${escapeToken(p)}`).join('');

/** Where a document's issues are placed: its text position and a message prefix for multi-document files. */
class DocumentContext {
  readonly errors: DagIssue[] = [];
  readonly warnings: DagIssue[] = [];
  constructor(
    readonly doc: Document,
    readonly lines: LineCounter,
    readonly text: string,
    private readonly prefix: string,
  ) {}

  /**
   * 1-based line and column of the node at `path`, else of the nearest ancestor that exists. A scalar's
   * position is its value's (a bad cron, a bad kind); a collection's, or with `key`, its key's (where a
   * misspelled field's name is, and the line a block starts on).
   */
  position(path: Path, key = false): { line: number; column: number } {
    for (let n = path.length; n >= 0; n--) {
      const start = this.start(path.slice(0, n), key && n === path.length);
      if (start !== undefined) {
        const { line, col } = this.lines.linePos(start);
        return { line, column: col };
      }
    }
    return { line: 1, column: 1 };
  }

  /** The text offset where the entry at `path` starts, or undefined when there is none. */
  private start(path: Path, key: boolean): number | undefined {
    const rangeOf = (node: unknown) => (node as { range?: [number, number, number] } | null)?.range?.[0];
    if (path.length === 0) return rangeOf(this.doc.contents);
    const parent = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(last));
      if (!pair) return undefined;
      const atKey = key || !isScalar(pair.value);
      return (atKey ? rangeOf(pair.key) : rangeOf(pair.value)) ?? rangeOf(pair.key);
    }
    if (isSeq(parent)) return rangeOf(parent.items[Number(last)]);
    return undefined;
  }

  /** The place in this document of the entry at `path`. */
  locate(path: Path, key = false): SourceLocation {
    return { pointer: toPointer(path), ...this.position(path, key) };
  }

  /** UNKNOWN_FIELD errors for the keys of `value` (at `path`) that are not in `known`. */
  unknownFields(value: PlainObject, path: Path, known: ReadonlySet<string>, owner: string): void {
    for (const key of Object.keys(value)) {
      if (known.has(key)) continue;
      const at = [...path, key];
      const pointer = toPointer(at);
      const message = `${this.prefix}${owner} has unknown field "${key}"`;
      this.errors.push({
        code: 'UNKNOWN_FIELD',
        path: pointer,
        pointer,
        message,
        ...this.position(at, true),
      });
    }
  }

  issue(
    list: 'errors' | 'warnings',
    code: DagIssue['code'],
    path: readonly (string | number)[],
    message: string,
  ): void {
    const pointer = toPointer(path);
    this[list].push({
      code,
      path: pointer,
      pointer,
      message: `${this.prefix}${message}`,
      ...this.position(path),
    });
  }

  error(code: DagIssue['code'], path: readonly (string | number)[], message: string): void {
    this.issue('errors', code, path, message);
  }
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (!isObject(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function readMetadata(
  ctx: DocumentContext,
  value: PlainObject,
  fallbackName?: unknown,
): ManifestMetadata | undefined {
  const raw = own(value, 'metadata');
  const metadata = isObject(raw) ? raw : {};
  const name = own(metadata, 'name') ?? fallbackName;
  if (typeof name !== 'string' || name === '') {
    ctx.error('SCHEMA', ['metadata', 'name'], 'the document has no metadata.name');
    return undefined;
  }
  const out: ManifestMetadata = { name };
  const namespace = own(metadata, 'namespace');
  if (typeof namespace === 'string') out.namespace = namespace;
  const labels = stringRecord(own(metadata, 'labels'));
  if (labels) out.labels = labels;
  const annotations = stringRecord(own(metadata, 'annotations'));
  if (annotations) out.annotations = annotations;
  return out;
}

/** Maps a position inside `spec.dsl` to the YAML text, exactly for `|` blocks, else to the scalar's start. */
function dslPosition(
  ctx: DocumentContext,
  dslPath: Path,
  line: number,
  column: number,
): { line: number; column: number } {
  const node = ctx.doc.getIn(dslPath, true);
  if (!isScalar(node) || !node.range) return ctx.position(dslPath);
  const start = ctx.lines.linePos(node.range[0]);
  if (node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED')
    return { line: start.line, column: start.col };
  // The content starts on the line after the `|` header, indented by its first non-blank line's indent.
  const headerEnd = ctx.text.indexOf('\n', node.range[0]);
  const body = ctx.text.slice(headerEnd + 1, node.range[1]);
  const indent = /^( *)\S/m.exec(body)?.[1]?.length ?? 0;
  return { line: start.line + line, column: indent + column };
}

/** What `expandDsl` made: the DSL's part of the DagSpec and where each piece came from. */
interface Expanded {
  readonly dag: Partial<DagSpec>;
  /** Model path → position in the DSL text. */
  readonly positions: ReadonlyMap<string, { line: number; column: number }>;
  /** How many tasks came from the DSL (they come first, in its order). */
  readonly dslTasks: number;
}

/** Expands `spec.dsl`, then lays `spec.task` entries over DSL tasks of the same name (or appends them). */
function expandDsl(
  ctx: DocumentContext,
  spec: PlainObject,
  specPath: Path,
  dsl: string,
  name: string,
  overlay: unknown,
  overlayAt: Map<number, number>,
): Expanded | undefined {
  const dslPath = [...specPath, 'dsl'];
  for (const field of ['schedule', 'parameters'] as const) {
    const value = own(spec, field);
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0))
      continue;
    ctx.error(
      'SCHEMA',
      [...specPath, field],
      `spec.${field} cannot be combined with spec.dsl; set it in the DSL`,
    );
  }
  const { result: parsed, positions } = parseDslWithPositions(dsl, { name });
  const pointer = toPointer(dslPath);
  if (!parsed.ok) {
    for (const e of parsed.errors) {
      const position = dslPosition(ctx, dslPath, e.line ?? 1, e.column ?? 1);
      ctx.errors.push({ ...e, path: pointer, pointer, message: `spec.dsl: ${e.message}`, ...position });
    }
    return undefined;
  }
  for (const w of parsed.warnings) {
    ctx.warnings.push({ ...w, pointer, ...dslPosition(ctx, dslPath, w.line ?? 1, w.column ?? 1) });
  }
  const tasks: TaskSpec[] = [...parsed.dag.tasks];
  if (Array.isArray(overlay)) {
    (overlay as unknown[]).forEach((extra, j) => {
      if (!isObject(extra)) return;
      const at = tasks.findIndex((t) => t.name === own(extra, 'name'));
      if (at === -1) {
        overlayAt.set(tasks.length, j);
        tasks.push(extra as TaskSpec);
      } else {
        overlayAt.set(at, j);
        tasks[at] = { ...(tasks[at] as TaskSpec), ...(extra as Partial<TaskSpec>) };
      }
    });
  }
  const dag: Partial<DagSpec> = { tasks };
  if (parsed.dag.schedule !== undefined) dag.schedule = parsed.dag.schedule;
  if (parsed.dag.parameters !== undefined) dag.parameters = parsed.dag.parameters;
  const mapped = new Map<string, { line: number; column: number }>();
  for (const [path, at] of positions) mapped.set(path, dslPosition(ctx, dslPath, at.line, at.column));
  return { dag, positions: mapped, dslTasks: parsed.dag.tasks.length };
}

/** Where a DagSpec read from a manifest came from: model paths → document paths and DSL positions. */
function manifestSourceMap(
  ctx: DocumentContext,
  origin: {
    readonly specPath: Path;
    readonly namePath: Path;
    readonly namespacePath: Path;
    readonly taskKey: string;
    readonly tasks: readonly unknown[];
    readonly hasPodTemplateDefault: boolean;
    readonly overlayAt: ReadonlyMap<number, number>;
    /** The `spec.task` entries laid over DSL tasks (when there is a DSL). */
    readonly overlay: unknown;
    readonly expanded?: Expanded;
  },
): DagSourceMap {
  const { specPath, taskKey, expanded } = origin;
  const inDsl = expanded && tableSourceMap(expanded.positions, toPointer([...specPath, 'dsl']));
  const ownField = (i: number, field: string | undefined) => {
    const task = origin.tasks[i];
    return field !== undefined && isObject(task) && own(task, field) !== undefined;
  };
  return (path, options) => {
    const key = options?.key ?? false;
    const locate = (at: Path) => ctx.locate(at, key);
    const [head, ...rest] = tokens(path);
    if (head === undefined) return locate(specPath);
    if (head === 'name' && rest.length === 0) return locate(origin.namePath);
    if (head === 'namespace' && rest.length === 0) return locate(origin.namespacePath);
    if ((head === 'schedule' || head === 'parameters') && inDsl) return inDsl(path);
    if (head !== 'tasks') return locate([...specPath, head, ...rest]);
    const [index, field, ...deeper] = rest;
    const i = Number(index);
    if (index === undefined || !Number.isInteger(i)) return locate([...specPath, taskKey, ...rest]);
    const overlay = origin.overlayAt.get(i);
    const fromDsl = expanded !== undefined && i < expanded.dslTasks;
    const overlayTask =
      overlay !== undefined && Array.isArray(origin.overlay) ? origin.overlay[overlay] : undefined;
    const overlaySets = isObject(overlayTask) && field !== undefined && own(overlayTask, field) !== undefined;
    if (overlay !== undefined && (!fromDsl || overlaySets || field === undefined)) {
      return locate([...specPath, taskKey, overlay, ...rest.slice(1)]);
    }
    if (field === 'podTemplate' && origin.hasPodTemplateDefault && !overlaySets && !ownField(i, field)) {
      return locate([...specPath, 'podTemplate', ...deeper]);
    }
    if (fromDsl && inDsl) return inDsl(path);
    return locate([...specPath, taskKey, i, ...rest.slice(1)]);
  };
}

/** Builds a DagSpec from a DAG spec object (Kontroler's `task` or our `tasks`, optionally `dsl`). */
function readDag(
  ctx: DocumentContext,
  spec: PlainObject,
  metadata: ManifestMetadata,
  specPath: string[],
  namePath: Path,
): { dag: DagSpec; source: DagSourceMap } | undefined {
  const { task, tasks, dsl, podTemplate, ...rest } = spec;
  if (task !== undefined && tasks !== undefined) {
    ctx.error('SCHEMA', [...specPath, 'tasks'], 'use spec.task or spec.tasks, not both');
  }
  const taskKey = tasks === undefined && task !== undefined ? 'task' : 'tasks';
  let dag: PlainObject = { ...rest, name: metadata.name, tasks: tasks ?? task ?? [] };
  const namespaceFromMetadata = metadata.namespace !== undefined && specPath.length > 0;
  if (metadata.namespace !== undefined) dag.namespace = metadata.namespace;
  const overlayAt = new Map<number, number>();
  let expanded: Expanded | undefined;
  if (typeof dsl === 'string') {
    expanded = expandDsl(ctx, spec, specPath, dsl, metadata.name, tasks ?? task, overlayAt);
    if (expanded === undefined) return undefined;
    dag = { ...dag, ...expanded.dag };
  } else if (dsl !== undefined) {
    ctx.error('SCHEMA', [...specPath, 'dsl'], 'spec.dsl must be a string');
  }
  const beforeDefaults = Array.isArray(dag.tasks) ? [...(dag.tasks as unknown[])] : [];
  // A spec-level podTemplate (next to `dsl`, which cannot express one) is the default of every task.
  if (isObject(podTemplate) && Array.isArray(dag.tasks)) {
    dag.tasks = (dag.tasks as unknown[]).map((t) =>
      isObject(t) && own(t, 'podTemplate') === undefined ? { ...t, podTemplate } : t,
    );
  }
  const source = manifestSourceMap(ctx, {
    specPath,
    namePath,
    namespacePath: namespaceFromMetadata ? ['metadata', 'namespace'] : [...specPath, 'namespace'],
    taskKey,
    tasks: beforeDefaults,
    hasPodTemplateDefault: isObject(podTemplate),
    overlayAt,
    overlay: tasks ?? task,
    ...(expanded ? { expanded } : {}),
  });
  return { dag: dag as DagSpec, source };
}

function readRun(
  ctx: DocumentContext,
  spec: PlainObject,
  metadata: ManifestMetadata,
): ManifestDocument | undefined {
  const dagName = own(spec, 'dagName');
  if (typeof dagName !== 'string' || dagName === '') {
    ctx.error('SCHEMA', ['spec', 'dagName'], 'the DagRun has no spec.dagName');
    return undefined;
  }
  ctx.unknownFields(spec, ['spec'], DAGRUN_SPEC_FIELDS, 'the DagRun spec');
  const parameters: DagRunParameter[] = [];
  const list = own(spec, 'parameters');
  if (list !== undefined && list !== null && !Array.isArray(list)) {
    ctx.error('SCHEMA', ['spec', 'parameters'], 'spec.parameters must be a list');
  }
  (Array.isArray(list) ? (list as unknown[]) : []).forEach((p, i) => {
    const name = isObject(p) ? own(p, 'name') : undefined;
    if (!isObject(p) || typeof name !== 'string' || name === '') {
      ctx.error('SCHEMA', ['spec', 'parameters', i], 'a DagRun parameter needs a name');
      return;
    }
    const scalar = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);
    const value = scalar(own(p, 'value'));
    const fromSecret = own(p, 'fromSecret');
    if ((value === undefined) === (fromSecret === undefined)) {
      ctx.error(
        'INVALID_PARAMETER',
        ['spec', 'parameters', i],
        `parameter "${name}" needs exactly one of value and fromSecret`,
      );
      return;
    }
    if (value !== undefined && typeof value !== 'string') {
      ctx.error('SCHEMA', ['spec', 'parameters', i, 'value'], `parameter "${name}" value must be a string`);
    } else if (fromSecret !== undefined && typeof fromSecret !== 'string') {
      ctx.error(
        'SCHEMA',
        ['spec', 'parameters', i, 'fromSecret'],
        `parameter "${name}" fromSecret must be a string`,
      );
    } else {
      parameters.push(value !== undefined ? { name, value } : { name, fromSecret: fromSecret as string });
    }
  });
  const priority = own(spec, 'priority');
  if (
    priority !== undefined &&
    (!Number.isSafeInteger(priority) || Math.abs(priority as number) > MAX_PRIORITY)
  ) {
    ctx.error(
      'SCHEMA',
      ['spec', 'priority'],
      `spec.priority must be an integer from -${MAX_PRIORITY} to ${MAX_PRIORITY}`,
    );
  }
  const deadline = own(spec, 'activeDeadlineSeconds');
  if (
    deadline !== undefined &&
    (!Number.isSafeInteger(deadline) ||
      (deadline as number) < 1 ||
      (deadline as number) > MAX_RUN_DEADLINE_SECONDS)
  ) {
    ctx.error(
      'SCHEMA',
      ['spec', 'activeDeadlineSeconds'],
      `spec.activeDeadlineSeconds must be an integer from 1 to ${MAX_RUN_DEADLINE_SECONDS}`,
    );
  }
  const run: DagRunManifest = {
    name: metadata.name,
    dagName,
    parameters,
    ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
    ...(typeof priority === 'number' ? { priority } : {}),
    ...(typeof deadline === 'number' ? { activeDeadlineSeconds: deadline } : {}),
  };
  return { kind: 'DagRun', run, metadata };
}

/** One document read: a DAG comes with the source map of its DagSpec. */
type Read = { document: ManifestDocument; source?: DagSourceMap };

function readDocument(ctx: DocumentContext, value: unknown): Read | undefined {
  if (!isObject(value)) {
    ctx.error('PARSE_ERROR', [], 'the document is not a mapping');
    return undefined;
  }
  const kind = own(value, 'kind');
  if (kind === undefined) {
    if (own(value, 'tasks') === undefined && own(value, 'task') === undefined) {
      ctx.error('UNKNOWN_KIND', [], 'the document has no kind and no tasks');
      return undefined;
    }
    // A bare DagSpec.
    const name = own(value, 'name');
    if (typeof name !== 'string' || name === '') {
      ctx.error('SCHEMA', ['name'], 'the DAG has no name');
      return undefined;
    }
    const metadata = readMetadata(ctx, {}, name);
    const read = metadata && readDag(ctx, value, metadata, [], ['name']);
    return read && metadata
      ? { document: { kind: 'DAG', dag: read.dag, metadata }, source: read.source }
      : undefined;
  }
  if (typeof kind === 'string' && IGNORED_KINDS.has(kind)) {
    ctx.issue('warnings', 'UNKNOWN_KIND', ['kind'], `kind ${kind} is not supported; the document is ignored`);
    return undefined;
  }
  if (kind !== 'DAG' && kind !== 'DagRun' && kind !== 'DagTask') {
    ctx.error(
      'UNKNOWN_KIND',
      ['kind'],
      `unknown kind ${JSON.stringify(kind)}; expected DAG, DagRun or DagTask`,
    );
    return undefined;
  }
  ctx.unknownFields(value, [], OBJECT_FIELDS, `the ${kind}`);
  const rawMetadata = own(value, 'metadata');
  if (isObject(rawMetadata)) ctx.unknownFields(rawMetadata, ['metadata'], METADATA_FIELDS, 'metadata');
  const spec = own(value, 'spec');
  const specOwn = isObject(spec) ? own(spec, 'name') : undefined;
  const metadata = readMetadata(ctx, value, specOwn);
  if (!isObject(spec)) {
    ctx.error('SCHEMA', ['spec'], `the ${kind} has no spec`);
    return undefined;
  }
  if (metadata === undefined) return undefined;
  if (kind === 'DagRun') {
    const run = readRun(ctx, spec, metadata);
    return run && { document: run };
  }
  if (kind === 'DagTask') {
    return { document: { kind, task: { ...spec, name: metadata.name } as TaskSpec, metadata } };
  }
  const namePath =
    isObject(rawMetadata) && own(rawMetadata, 'name') !== undefined ? ['metadata', 'name'] : ['spec', 'name'];
  const read = readDag(ctx, spec, metadata, ['spec'], namePath);
  return read && { document: { kind, dag: read.dag, metadata }, source: read.source };
}

/** `loadManifest`'s result, with the source map of each DAG document (same index as `documents`). */
export interface ManifestWithSources {
  readonly result: ManifestResult;
  readonly sources: readonly (DagSourceMap | undefined)[];
}

/**
 * Reads a YAML manifest of one or many documents. Never throws; errors carry `line` and `column`.
 * Empty documents (`---` with nothing after) are skipped. Semantic rules are not checked here: pass
 * each DAG to `validateDag`.
 */
export function loadManifest(yamlText: string): ManifestResult {
  return loadManifestWithSources(yamlText).result;
}

/** @internal `loadManifest` plus a source map per DAG document; `checkDagDocument` points issues with it. */
export function loadManifestWithSources(yamlText: string): ManifestWithSources {
  const sources: (DagSourceMap | undefined)[] = [];
  const failed = (errors: DagIssue[]): ManifestWithSources => ({
    result: { ok: false, errors },
    sources: [],
  });
  try {
    if (typeof yamlText !== 'string') {
      return failed([
        { code: 'PARSE_ERROR', path: '', message: 'the manifest must be text', line: 1, column: 1 },
      ]);
    }
    if (utf8Length(yamlText) > MAX_MANIFEST_BYTES) {
      return failed([
        {
          code: 'DOCUMENT_TOO_LARGE',
          path: '',
          message: `the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`,
          line: 1,
          column: 1,
        },
      ]);
    }
    const lines = new LineCounter();
    const docs = parseAllDocuments(yamlText, { lineCounter: lines, prettyErrors: false });
    const list = Array.isArray(docs) ? docs : [];
    const errors: DagIssue[] = [];
    const warnings: DagIssue[] = [];
    const documents: ManifestDocument[] = [];
    list.forEach((doc, n) => {
      const ctx = new DocumentContext(doc, lines, yamlText, list.length > 1 ? `document ${n + 1}: ` : '');
      for (const e of doc.errors) {
        const { line, col } = lines.linePos(e.pos[0]);
        errors.push({
          code: 'PARSE_ERROR',
          path: '',
          pointer: '',
          message: `${list.length > 1 ? `document ${n + 1}: ` : ''}${e.message}`,
          line,
          column: col,
        });
      }
      if (doc.errors.length > 0) return;
      let value: unknown;
      try {
        // Aliases are capped so a "billion laughs" document cannot blow up memory.
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (error) {
        ctx.error('PARSE_ERROR', [], error instanceof Error ? error.message : String(error));
        errors.push(...ctx.errors);
        return;
      }
      if (value === null || value === undefined) return;
      const read = readDocument(ctx, value);
      errors.push(...ctx.errors);
      warnings.push(...ctx.warnings);
      if (read && ctx.errors.length === 0) {
        documents.push(read.document);
        sources.push(read.source);
      }
    });
    if (errors.length > 0) return failed(errors);
    if (documents.length === 0 && warnings.length === 0) {
      return failed([
        { code: 'PARSE_ERROR', path: '', message: 'the manifest has no documents', line: 1, column: 1 },
      ]);
    }
    return { result: { ok: true, documents, warnings }, sources };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failed([{ code: 'PARSE_ERROR', path: '', message, line: 1, column: 1 }]);
  }
}
