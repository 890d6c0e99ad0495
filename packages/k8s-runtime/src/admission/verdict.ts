/**
 * Pure admission verdicts for DAG, DagTask and DagRun resources, from the same validators the API, the
 * console and the CRD sync use (`checkDagDocument`, `loadManifest`, `validateDag`). No I/O: a DagRun's DAG
 * is looked up by the caller and passed in.
 *
 * A resource is read the way the CRD sync reads it (name, namespace and spec only), so whatever the sync
 * would register is admitted, and whatever it would mark invalid is refused before it is stored.
 */
import { checkDagDocument, loadManifest, validateDag, type DagIssue, type DagSpec } from '@kontroler/core';
import { CRD_GROUP, CRD_VERSION } from '../rbac.js';
import { fieldPath } from './field-path.js';
import type { AdmissionCause } from './types.js';

/** The outcome for one object: admitted (with warnings for kubectl), or refused with every field at fault. */
export type Verdict =
  | { readonly allowed: true; readonly warnings: readonly string[] }
  | { readonly allowed: false; readonly message: string; readonly causes: readonly AdmissionCause[] };

/** What admission needs to know of the DAG a DagRun names. */
export interface KnownDag {
  /** Its declared parameters; undefined when the DAG cannot be read (its own status says why): not checked. */
  readonly parameters: NonNullable<DagSpec['parameters']> | undefined;
}

/** At most this many causes are spelled out in the message; the rest are counted. */
const MAX_LISTED = 20;
/** kubectl prints each warning on its own line; a handful is enough. */
const MAX_WARNINGS = 5;

const admitted: Verdict = { allowed: true, warnings: [] };

/** A resource as the CRD sync reads it (name, namespace and spec only), as manifest text for `loadManifest`. */
export function manifestText(kind: string, name: string, namespace: string, spec: unknown): string {
  return JSON.stringify({
    apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
    kind,
    metadata: { name, namespace },
    spec: spec ?? {},
  });
}

/** Where the DSL text starts in a DAG manifest: the `|` block's header line, and its content's indent. */
interface DslBlock {
  readonly headerLine: number;
  readonly indent: number;
}

/** Whether `text` holds a character a YAML block scalar cannot carry verbatim (then the JSON form is used). */
function notForBlock(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0x7f || c === 0xfeff) return true;
  }
  return false;
}

/**
 * The DAG manifest the sync would build, as YAML text in which `spec.dsl` is a `|` block (everything else
 * is JSON in flow style), so that a DSL error's line and column can be told in the DSL's own terms.
 */
function dagManifestText(name: string, namespace: string, spec: unknown): { text: string; dsl?: DslBlock } {
  const dsl = typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>).dsl : undefined;
  if (typeof dsl !== 'string' || dsl.trim() === '' || notForBlock(dsl)) {
    return { text: manifestText('DAG', name, namespace, spec) };
  }
  const head = [
    `apiVersion: ${CRD_GROUP}/${CRD_VERSION}`,
    'kind: DAG',
    `metadata: ${JSON.stringify({ name, namespace })}`,
    'spec:',
    // The indicator 2 is relative to the `dsl` key's own indent (2): content at 4. Keep chomping preserves the DSL's trailing newlines; strip when it has none.
    `  dsl: |2${dsl.endsWith('\n') ? '+' : '-'}`,
  ];
  const body = (dsl.endsWith('\n') ? dsl.slice(0, -1) : dsl)
    .split('\n')
    .map((line) => (line === '' ? '' : `    ${line}`));
  const rest = Object.entries(spec as Record<string, unknown>)
    .filter(([key]) => key !== 'dsl')
    .map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  // The content's indent as the manifest reader counts it: the first non-blank line's.
  const firstLine = body.find((line) => line.trim() !== '') ?? '';
  const indent = firstLine.length - firstLine.trimStart().length;
  return { text: [...head, ...body, ...rest, ''].join('\n'), dsl: { headerLine: head.length, indent } };
}

/** A cycle longer than this is shown by its ends: the apiserver and kubectl print the whole message. */
const MAX_CYCLE_SHOWN = 12;

/** The message of a long CYCLE issue, shortened to the cycle's first and last tasks and its length. */
function shortCycle(issue: DagIssue): string | undefined {
  const cycle = issue.cycle;
  if (issue.code !== 'CYCLE' || cycle === undefined || cycle.length <= MAX_CYCLE_SHOWN) return undefined;
  const head = cycle.slice(0, MAX_CYCLE_SHOWN - 2);
  const tail = cycle.slice(-2);
  return `cycle of ${cycle.length - 1} tasks: ${[...head, '…', ...tail].join(' → ')}`;
}

/** One issue as a cause: the field (inside the DSL text: with its line and column) and the task at fault. */
function causeOf(issue: DagIssue, pointer: string, dsl?: DslBlock): AdmissionCause {
  const inDsl = pointer.endsWith('/dsl') && issue.line !== undefined && dsl !== undefined;
  const where = inDsl
    ? ` (DSL line ${(issue.line ?? 0) - dsl.headerLine}, column ${Math.max(1, (issue.column ?? 1) - dsl.indent)})`
    : '';
  const named = issue.task !== undefined && !issue.message.includes(`"${issue.task}"`);
  return {
    field: fieldPath(pointer),
    message: `${named ? `task "${issue.task}": ` : ''}${shortCycle(issue) ?? issue.message}${where}`,
    reason: issue.code === 'UNKNOWN_DEPENDENCY' ? 'FieldValueNotFound' : 'FieldValueInvalid',
  };
}

/** A refusal naming the object and listing its causes (`field: message`), as kubectl will print it. */
export function refuse(kind: string, name: string, causes: readonly AdmissionCause[]): Verdict {
  const listed = causes
    .slice(0, MAX_LISTED)
    .map((c) => (c.field === '' ? c.message : `${c.field}: ${c.message}`));
  const more = causes.length > MAX_LISTED ? [`… and ${causes.length - MAX_LISTED} more`] : [];
  return {
    allowed: false,
    message: `${kind} "${name}" is invalid: ${[...listed, ...more].join('; ')}`,
    causes,
  };
}

const warningsOf = (issues: readonly DagIssue[]): string[] =>
  issues.slice(0, MAX_WARNINGS).map((w) => {
    const field = fieldPath(w.pointer ?? '');
    return field === '' ? w.message : `${field}: ${w.message}`;
  });

/** A DAG resource: `checkDagDocument` over the manifest the sync would build. */
export function dagVerdict(name: string, namespace: string, spec: unknown): Verdict {
  const { text, dsl } = dagManifestText(name, namespace, spec);
  const check = checkDagDocument({ format: 'yaml', text }, { namespace });
  if (check.ok) return { allowed: true, warnings: warningsOf(check.warnings) };
  return refuse(
    'DAG',
    name,
    check.errors.map((issue) => causeOf(issue, issue.pointer ?? '', dsl)),
  );
}

/**
 * A DagTask resource: read as the sync reads it, then its own fields validated as a one-task DAG (its
 * `runAfter` and `parameters` only mean something in the DAG that uses it, so they are left out).
 */
export function dagTaskVerdict(name: string, namespace: string, spec: unknown): Verdict {
  const loaded = loadManifest(manifestText('DagTask', name, namespace, spec));
  if (!loaded.ok)
    return refuse(
      'DagTask',
      name,
      loaded.errors.map((i) => causeOf(i, i.pointer ?? i.path)),
    );
  const document = loaded.documents[0];
  if (document?.kind !== 'DagTask') return admitted;
  const { runAfter: _r, parameters: _p, ...task } = document.task;
  const result = validateDag({ name, tasks: [task] });
  if (result.ok) return admitted;
  // Model paths of the one task (`/tasks/0/image`) are the resource's `/spec/image`.
  const causes = result.errors
    .filter((i) => i.code !== 'INVALID_NAME' || i.path.startsWith('/tasks/0'))
    .map((i) => causeOf(i, i.path.replace(/^\/tasks\/0(?=\/|$)/, '/spec')));
  return causes.length === 0 ? admitted : refuse('DagTask', name, causes);
}

/** The `dagName` and parameters of a DagRun resource, or the refusal of a malformed one. */
export function readDagRun(
  name: string,
  namespace: string,
  spec: unknown,
):
  | { readonly ok: true; readonly dagName: string; readonly parameters: ReadonlyArray<{ name: string }> }
  | { readonly ok: false; readonly verdict: Verdict } {
  const loaded = loadManifest(manifestText('DagRun', name, namespace, spec));
  if (!loaded.ok)
    return {
      ok: false,
      verdict: refuse(
        'DagRun',
        name,
        loaded.errors.map((i) => causeOf(i, i.pointer ?? i.path)),
      ),
    };
  const document = loaded.documents[0];
  if (document?.kind !== 'DagRun') return { ok: false, verdict: admitted };
  return { ok: true, dagName: document.run.dagName, parameters: document.run.parameters };
}

/**
 * A DagRun against the DAG it names (undefined: no such DAG in its namespace): every parameter must be
 * declared by the DAG, and every declared parameter without a default must be given — the rules the engine
 * applies at submit (`resolveParameters`), reported all at once.
 */
export function dagRunVerdict(
  name: string,
  namespace: string,
  run: { readonly dagName: string; readonly parameters: ReadonlyArray<{ name: string }> },
  dag: KnownDag | undefined,
): Verdict {
  if (dag === undefined) {
    return refuse('DagRun', name, [
      {
        field: 'spec.dagName',
        message: `no DAG named "${run.dagName}" in namespace ${namespace} (apply the DAG before its DagRuns)`,
        reason: 'FieldValueNotFound',
      },
    ]);
  }
  if (dag.parameters === undefined) return admitted;
  const declared = new Map(dag.parameters.map((p) => [p.name, p]));
  const causes: AdmissionCause[] = [];
  run.parameters.forEach((p, i) => {
    if (declared.has(p.name)) return;
    const known = [...declared.keys()].map((k) => `"${k}"`).join(', ') || 'none';
    causes.push({
      field: `spec.parameters[${i}].name`,
      message: `DAG "${run.dagName}" declares no parameter "${p.name}" (declared: ${known})`,
      reason: 'FieldValueNotFound',
    });
  });
  const given = new Set(run.parameters.map((p) => p.name));
  for (const p of dag.parameters) {
    if (given.has(p.name) || p.defaultValue !== undefined || p.defaultFromSecret !== undefined) continue;
    causes.push({
      field: 'spec.parameters',
      message: `parameter "${p.name}" of DAG "${run.dagName}" has no default and is not given`,
      reason: 'FieldValueRequired',
    });
  }
  return causes.length === 0 ? admitted : refuse('DagRun', name, causes);
}
