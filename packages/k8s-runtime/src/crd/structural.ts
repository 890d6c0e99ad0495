/**
 * Turns core's JSON Schema (TypeBox output) into a Kubernetes *structural* OpenAPI v3 schema:
 * every node has a type, `Record<string, unknown>` (an open Kubernetes object such as a Volume) becomes
 * `x-kubernetes-preserve-unknown-fields`, `Record<string, T>` becomes `additionalProperties: T`, unions of
 * literals become enums, string|number unions become int-or-string, and keywords the apiserver rejects
 * (`$id`, `title`, `additionalProperties: false`, `const`) are dropped or rewritten. Pure.
 */

/** A JSON Schema node as plain data. */
export type JsonSchema = { [key: string]: unknown };

const DROPPED = new Set([
  '$id',
  '$schema',
  'title',
  'additionalProperties',
  'patternProperties',
  'anyOf',
  'const',
]);

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Type.Unknown()`: a schema that says nothing but maybe a description. */
function isUnconstrained(node: JsonSchema): boolean {
  return Object.keys(node).every((key) => key === 'description');
}

export function toStructural(node: JsonSchema, path = '#'): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (!DROPPED.has(key)) out[key] = value;
  }

  if (isObject(node.patternProperties)) {
    const values = Object.values(node.patternProperties);
    const value = values[0];
    if (values.length !== 1 || !isObject(value)) throw new Error(`${path}: one pattern property expected`);
    out.type = 'object';
    if (isUnconstrained(value)) out['x-kubernetes-preserve-unknown-fields'] = true;
    else out.additionalProperties = toStructural(value, `${path}/additionalProperties`);
    return out;
  }

  if (Array.isArray(node.anyOf)) {
    const options = node.anyOf.filter(isObject);
    if (options.every((o) => 'const' in o)) {
      const values = options.map((o) => o.const);
      out.type = typeof values[0] === 'number' ? 'number' : typeof values[0];
      out.enum = values;
      return out;
    }
    const types = new Set(options.map((o) => o.type));
    if (types.has('string') && (types.has('number') || types.has('integer')) && types.size === 2) {
      out['x-kubernetes-int-or-string'] = true;
      out.anyOf = [{ type: 'integer' }, { type: 'string' }];
      return out;
    }
    throw new Error(`${path}: unsupported union ${JSON.stringify(node.anyOf)}`);
  }

  if ('const' in node) {
    out.enum = [node.const];
    out.type ??= typeof node.const;
  }

  if (isObject(node.properties)) {
    const properties: JsonSchema = {};
    for (const [name, child] of Object.entries(node.properties)) {
      if (isObject(child)) properties[name] = toStructural(child, `${path}/properties/${name}`);
    }
    out.properties = properties;
    out.type = 'object';
  }

  if (isObject(node.items)) out.items = toStructural(node.items, `${path}/items`);

  if (out.type === undefined && isUnconstrained(node)) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
  } else if (out.type === undefined && !out['x-kubernetes-int-or-string']) {
    throw new Error(`${path}: a structural schema needs a type`);
  }
  return out;
}
