/** Submitted run parameters checked against the DAG's declared ones, with defaults filled in. */
import type { CompiledDag } from '../dag/compiled.js';
import { Errors } from '../errors/kontroler-error.js';
import type { ParameterValue } from '../model/records.js';
import type { SubmitParameter } from './types.js';

/** Checks submitted parameters against the DAG's declared ones and fills in the defaults. */
export function resolveParameters(
  dag: CompiledDag,
  given: Readonly<Record<string, SubmitParameter>> = {},
): Record<string, ParameterValue> {
  const declared = new Map((dag.spec.parameters ?? []).map((p) => [p.name, p]));
  const resolved: Record<string, ParameterValue> = {};
  for (const [name, value] of Object.entries(given)) {
    if (!declared.has(name)) {
      throw Errors.parameterInvalid(name, 'unknown', `DAG ${dag.name} declares no parameter "${name}"`);
    }
    if (typeof value === 'string') resolved[name] = { value };
    else if (typeof value === 'object' && value !== null && typeof value.fromSecret === 'string') {
      resolved[name] = { fromSecret: value.fromSecret };
    } else {
      throw Errors.parameterInvalid(name, 'type', `parameter "${name}" must be a string or {fromSecret}`);
    }
  }
  for (const [name, spec] of declared) {
    if (name in resolved) continue;
    if (spec.defaultValue !== undefined) resolved[name] = { value: spec.defaultValue };
    else if (spec.defaultFromSecret !== undefined) resolved[name] = { fromSecret: spec.defaultFromSecret };
    else
      throw Errors.parameterInvalid(name, 'required', `parameter "${name}" has no default and was not given`);
  }
  return resolved;
}
