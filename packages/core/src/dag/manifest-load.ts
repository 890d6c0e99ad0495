/**
 * `loadManifest`: reads one or many YAML documents — Kontroler's CRDs (`kind: DAG` with `spec.task` or
 * `spec.dsl`, `DagRun`, `DagTask`), `kind: DAG` with `spec.tasks`, or a bare DagSpec — into DagSpecs and
 * run requests. It checks what it needs to build them; callers run `validateDag` for the rest.
 */
import { LineCounter, parseAllDocuments, isScalar, type Document } from 'yaml';
import type { DagIssue } from './issues.js';
import type { DagSpec, TaskSpec } from './schema.js';
import { parseDsl } from './dsl-parse.js';
import { isObject, own, type PlainObject } from './guards.js';
import { MAX_MANIFEST_BYTES, utf8Length } from './limits.js';
import { escapeToken } from './pointer.js';
import type {
  DagRunParameter,
  ManifestDocument,
  ManifestMetadata,
  ManifestResult,
} from './manifest-types.js';

/** Kinds we read but do nothing with (Kontroler defines the CRD but never used it). */
const IGNORED_KINDS = new Set(['WorkerPool']);

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

  /** 1-based line and column of the node at `path`, else of the nearest ancestor that exists. */
  position(path: readonly (string | number)[]): { line: number; column: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) {
        const { line, col } = this.lines.linePos(range[0]);
        return { line, column: col };
      }
    }
    return { line: 1, column: 1 };
  }

  issue(
    list: 'errors' | 'warnings',
    code: DagIssue['code'],
    path: readonly (string | number)[],
    message: string,
  ): void {
    const pointer = path.map((p) => `/${escapeToken(p)}`).join('');
    this[list].push({ code, path: pointer, message: `${this.prefix}${message}`, ...this.position(path) });
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
function dslPosition(ctx: DocumentContext, line: number, column: number): { line: number; column: number } {
  const node = ctx.doc.getIn(['spec', 'dsl'], true);
  if (!isScalar(node) || !node.range) return ctx.position(['spec', 'dsl']);
  const start = ctx.lines.linePos(node.range[0]);
  if (node.type !== 'BLOCK_LITERAL') return { line: start.line, column: start.col };
  // The content starts on the line after the `|` header, indented by its first non-blank line's indent.
  const headerEnd = ctx.text.indexOf('\n', node.range[0]);
  const body = ctx.text.slice(headerEnd + 1, node.range[1]);
  const indent = /^( *)\S/m.exec(body)?.[1]?.length ?? 0;
  return { line: start.line + line, column: indent + column };
}

/** Expands `spec.dsl`, then lays `spec.task` entries over DSL tasks of the same name (or appends them). */
function expandDsl(
  ctx: DocumentContext,
  spec: PlainObject,
  dsl: string,
  name: string,
): Partial<DagSpec> | undefined {
  for (const field of ['schedule', 'parameters'] as const) {
    const value = own(spec, field);
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0))
      continue;
    ctx.error('SCHEMA', ['spec', field], `spec.${field} cannot be combined with spec.dsl; set it in the DSL`);
  }
  const parsed = parseDsl(dsl, { name });
  if (!parsed.ok) {
    for (const e of parsed.errors) {
      const position = dslPosition(ctx, e.line ?? 1, e.column ?? 1);
      ctx.errors.push({ ...e, path: '/spec/dsl', message: `spec.dsl: ${e.message}`, ...position });
    }
    return undefined;
  }
  for (const w of parsed.warnings) {
    ctx.warnings.push({ ...w, path: '/spec/dsl', ...dslPosition(ctx, w.line ?? 1, w.column ?? 1) });
  }
  const tasks: TaskSpec[] = [...parsed.dag.tasks];
  const overlay = own(spec, 'task') ?? own(spec, 'tasks');
  if (Array.isArray(overlay)) {
    for (const extra of overlay as unknown[]) {
      if (!isObject(extra)) continue;
      const at = tasks.findIndex((t) => t.name === own(extra, 'name'));
      if (at === -1) tasks.push(extra as TaskSpec);
      else tasks[at] = { ...(tasks[at] as TaskSpec), ...(extra as Partial<TaskSpec>) };
    }
  }
  const out: Partial<DagSpec> = { tasks };
  if (parsed.dag.schedule !== undefined) out.schedule = parsed.dag.schedule;
  if (parsed.dag.parameters !== undefined) out.parameters = parsed.dag.parameters;
  return out;
}

/** Builds a DagSpec from a DAG spec object (Kontroler's `task` or our `tasks`, optionally `dsl`). */
function readDag(
  ctx: DocumentContext,
  spec: PlainObject,
  metadata: ManifestMetadata,
  specPath: string[],
): DagSpec | undefined {
  const { task, tasks, dsl, podTemplate, ...rest } = spec;
  if (task !== undefined && tasks !== undefined) {
    ctx.error('SCHEMA', [...specPath, 'tasks'], 'use spec.task or spec.tasks, not both');
  }
  let dag: PlainObject = { ...rest, name: metadata.name, tasks: tasks ?? task ?? [] };
  if (metadata.namespace !== undefined) dag.namespace = metadata.namespace;
  if (typeof dsl === 'string') {
    const expanded = expandDsl(ctx, spec, dsl, metadata.name);
    if (expanded === undefined) return undefined;
    dag = { ...dag, ...expanded };
  } else if (dsl !== undefined) {
    ctx.error('SCHEMA', [...specPath, 'dsl'], 'spec.dsl must be a string');
  }
  // A spec-level podTemplate (next to `dsl`, which cannot express one) is the default of every task.
  if (isObject(podTemplate) && Array.isArray(dag.tasks)) {
    dag.tasks = (dag.tasks as unknown[]).map((t) =>
      isObject(t) && own(t, 'podTemplate') === undefined ? { ...t, podTemplate } : t,
    );
  }
  return dag as DagSpec;
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
  const run = {
    name: metadata.name,
    dagName,
    parameters,
    ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
  };
  return { kind: 'DagRun', run, metadata };
}

function readDocument(ctx: DocumentContext, value: unknown): ManifestDocument | undefined {
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
    const dag = metadata && readDag(ctx, value, metadata, []);
    return dag && metadata ? { kind: 'DAG', dag, metadata } : undefined;
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
  const spec = own(value, 'spec');
  const specOwn = isObject(spec) ? own(spec, 'name') : undefined;
  const metadata = readMetadata(ctx, value, specOwn);
  if (!isObject(spec)) {
    ctx.error('SCHEMA', ['spec'], `the ${kind} has no spec`);
    return undefined;
  }
  if (metadata === undefined) return undefined;
  if (kind === 'DagRun') return readRun(ctx, spec, metadata);
  if (kind === 'DagTask') return { kind, task: { ...spec, name: metadata.name } as TaskSpec, metadata };
  const dag = readDag(ctx, spec, metadata, ['spec']);
  return dag && { kind, dag, metadata };
}

/**
 * Reads a YAML manifest of one or many documents. Never throws; errors carry `line` and `column`.
 * Empty documents (`---` with nothing after) are skipped. Semantic rules are not checked here: pass
 * each DAG to `validateDag`.
 */
export function loadManifest(yamlText: string): ManifestResult {
  try {
    if (typeof yamlText !== 'string') {
      return {
        ok: false,
        errors: [{ code: 'PARSE_ERROR', path: '', message: 'the manifest must be text', line: 1, column: 1 }],
      };
    }
    if (utf8Length(yamlText) > MAX_MANIFEST_BYTES) {
      return {
        ok: false,
        errors: [
          {
            code: 'DOCUMENT_TOO_LARGE',
            path: '',
            message: `the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`,
            line: 1,
            column: 1,
          },
        ],
      };
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
      if (read && ctx.errors.length === 0) documents.push(read);
    });
    if (errors.length > 0) return { ok: false, errors };
    if (documents.length === 0 && warnings.length === 0) {
      return {
        ok: false,
        errors: [
          { code: 'PARSE_ERROR', path: '', message: 'the manifest has no documents', line: 1, column: 1 },
        ],
      };
    }
    return { ok: true, documents, warnings };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [{ code: 'PARSE_ERROR', path: '', message, line: 1, column: 1 }] };
  }
}
