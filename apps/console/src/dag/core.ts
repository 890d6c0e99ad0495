/**
 * The console's one door into `@kontroler/core/dag`: the browser validates, prints and parses with
 * exactly the server's code. Everything the editor needs from core goes through these few functions,
 * so a change in core's signatures is absorbed here.
 */
import {
  canonicalJson,
  checkDagDocument,
  DEFAULT_BACKOFF_LIMIT,
  DEFAULT_TRIGGER_RULE,
  loadManifest,
  parseDsl,
  printDsl,
  runtimeWarnings,
  TRIGGER_RULES,
  toManifest,
  validateDag,
  type DagIssue,
  type DagSpec,
} from '@kontroler/core/dag';

export { canonicalJson, DEFAULT_BACKOFF_LIMIT, DEFAULT_TRIGGER_RULE, runtimeWarnings, TRIGGER_RULES };
export type { RuntimeCapabilities } from '@kontroler/core/dag';
export type {
  DagIssue,
  DagSpec,
  TaskSpec,
  ParameterSpec,
  PodTemplate,
  OutputSpec,
  TriggerRule,
  ForEachSpec,
} from '@kontroler/core/dag';

export type TextResult = { ok: true; spec: DagSpec } | { ok: false; errors: DagIssue[] };

/** Every problem of a document (empty when it is valid). Never throws. */
export function validate(spec: DagSpec): DagIssue[] {
  const result = validateDag(spec);
  return result.ok ? [] : [...result.errors];
}

export function specToYaml(spec: DagSpec): string {
  return toManifest(spec);
}

export function specToDsl(spec: DagSpec): string {
  return printDsl(spec);
}

/** Reads a YAML manifest (Kontroler's `kind: DAG` or a plain document); the first DAG wins. */
export function yamlToSpec(text: string): TextResult {
  const result = loadManifest(text);
  if (!result.ok) return { ok: false, errors: [...result.errors] };
  for (const d of result.documents) {
    if (d.kind === 'DAG') {
      const spec = { ...d.dag };
      if (spec.namespace === undefined && d.metadata.namespace !== undefined)
        spec.namespace = d.metadata.namespace;
      return { ok: true, spec };
    }
  }
  return {
    ok: false,
    errors: [{ code: 'UNKNOWN_KIND', path: '', message: 'The YAML holds no DAG document' }],
  };
}

/** Reads the Kontroler DSL; a DSL file has no name, so the editor's current one is kept. */
export function dslToSpec(text: string, name: string): TextResult {
  const result = parseDsl(text, { name: name || 'dag' });
  if (!result.ok) return { ok: false, errors: [...result.errors] };
  return { ok: true, spec: result.dag };
}

/**
 * Every problem of YAML or DSL text as the server would report it (core's `checkDagDocument`), each
 * with the line and column in that text: what the text editors mark.
 */
export function checkText(
  format: 'yaml' | 'dsl',
  text: string,
  name: string,
): { errors: DagIssue[]; warnings: DagIssue[] } {
  const input = format === 'yaml' ? { format, text } : { format, text, name: name || 'dag' };
  const result = checkDagDocument(input);
  return { errors: [...result.errors], warnings: [...result.warnings] };
}
