/**
 * The run's parameters for a preview: given values over the DAG's defaults. Unlike a submit, which stops at
 * the first bad parameter, a preview reports every unknown one at once, so a user fixes them in one go.
 */
import type { CompiledDag } from '../dag/compiled.js';
import type { ParameterValue } from '../model/records.js';

/** A resolved parameter and where its value came from. */
export interface PreviewParameter {
  readonly name: string;
  readonly value: ParameterValue;
  readonly source: 'given' | 'default';
}

/** A parameter the preview could not resolve. */
export interface PreviewParameterProblem {
  readonly name: string;
  /** Given but not declared (a validated DAG gives every declared parameter a default). */
  readonly reason: 'unknown';
  readonly message: string;
}

/** Given values override defaults; every unknown parameter is reported. */
export function resolvePreviewParameters(
  dag: CompiledDag,
  given: Readonly<Record<string, string>>,
): { parameters: PreviewParameter[]; problems: PreviewParameterProblem[] } {
  const declared = dag.spec.parameters ?? [];
  const names = new Set(declared.map((p) => p.name));
  const problems: PreviewParameterProblem[] = Object.keys(given)
    .filter((name) => !names.has(name))
    .map((name) => ({
      name,
      reason: 'unknown' as const,
      message: `DAG ${dag.name} declares no parameter "${name}"`,
    }));
  const parameters: PreviewParameter[] = [];
  for (const p of declared) {
    const value = Object.hasOwn(given, p.name) ? given[p.name] : undefined;
    if (value !== undefined) parameters.push({ name: p.name, value: { value }, source: 'given' });
    else if (p.defaultValue !== undefined) {
      parameters.push({ name: p.name, value: { value: p.defaultValue }, source: 'default' });
    } else if (p.defaultFromSecret !== undefined) {
      parameters.push({ name: p.name, value: { fromSecret: p.defaultFromSecret }, source: 'default' });
    }
  }
  return { parameters, problems };
}
