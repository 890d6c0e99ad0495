/**
 * A trigger's payload mapping: run parameter name → JSON Pointer (RFC 6901) into the request body. Pure:
 * checked against the DAG's parameters when the trigger is saved, applied to each accepted body.
 */
import type { DagSpec } from '@kontroler/core';
import type { ProblemItem } from '../../problem.js';

export type PayloadMapping = Readonly<Record<string, string>>;

const POINTER = /^(\/([^~/]|~[01])*)*$/;

/**
 * Problems of a mapping for `spec` (empty: fine): every key must be a declared parameter and every value a
 * JSON Pointer. Parameters left out of the mapping keep their defaults (every DAG parameter has one).
 */
export function checkMapping(mapping: PayloadMapping, spec: DagSpec): ProblemItem[] {
  const problems: ProblemItem[] = [];
  const declared = new Map((spec.parameters ?? []).map((p) => [p.name, p]));
  for (const [name, pointer] of Object.entries(mapping)) {
    if (!declared.has(name)) {
      problems.push({
        path: `/mapping/${escape(name)}`,
        code: 'UNKNOWN_PARAMETER',
        message: `DAG "${spec.name}" has no parameter "${name}" (it has: ${[...declared.keys()].join(', ') || 'none'})`,
      });
    }
    if (!POINTER.test(pointer)) {
      problems.push({
        path: `/mapping/${escape(name)}`,
        code: 'INVALID_POINTER',
        message: `"${pointer}" is not a JSON Pointer (use "" for the whole body or "/a/b" for a field)`,
      });
    }
  }
  return problems;
}

/** A mapped value as a run parameter: strings as they are, numbers and booleans as JSON text. */
export type MappedParameters = Record<string, string>;

/**
 * The run parameters `mapping` takes from `body`, or the problems: a pointer that finds nothing (a mapped
 * field is one the sender promised), or finds an object, an array or null.
 */
export function applyMapping(
  mapping: PayloadMapping,
  body: unknown,
): { ok: true; parameters: MappedParameters } | { ok: false; problems: ProblemItem[] } {
  const parameters: MappedParameters = {};
  const problems: ProblemItem[] = [];
  for (const [name, pointer] of Object.entries(mapping)) {
    const found = resolvePointer(body, pointer);
    if (!found.found) {
      problems.push({
        path: pointer,
        pointer,
        code: 'PAYLOAD_FIELD_MISSING',
        message: `the body has nothing at "${pointer}" for parameter "${name}"`,
      });
      continue;
    }
    const value = found.value;
    if (typeof value === 'string') parameters[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean')
      parameters[name] = JSON.stringify(value);
    else {
      problems.push({
        path: pointer,
        pointer,
        code: 'PAYLOAD_FIELD_TYPE',
        message: `"${pointer}" for parameter "${name}" must be a string, number or boolean, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object'}`,
      });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, parameters };
}

/** RFC 6901 evaluation; `found: false` when any step is missing. */
export function resolvePointer(document: unknown, pointer: string): { found: boolean; value?: unknown } {
  if (pointer === '') return { found: true, value: document };
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= current.length) return { found: false };
      current = current[Number(token)];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

const escape = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');
