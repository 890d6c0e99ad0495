/**
 * Small builders of OpenAPI fragments shared by the operation files. A leaf module (it imports types only),
 * so files that schemas.ts or operations.ts import can use it without an import cycle.
 */
import type { ParameterDef } from './operations.js';
import type { JsonSchema } from './schemas.js';

/** A reference to a component schema. */
export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
/** A JSON answer. */
export const ok = (schema: JsonSchema, description = 'OK') => ({ description, content: json(schema) });
/** A problem+json answer. */
export const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
/** A required path parameter. */
export const path = (name: string, schema: JsonSchema): ParameterDef => ({
  name,
  in: 'path',
  required: true,
  schema,
});
/** A Kubernetes-style name (namespaces, shared tasks, triggers). */
export const K8S_NAME: JsonSchema = { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' };
/** The `{namespace}` path parameter. */
export const namespaceParam = path('namespace', K8S_NAME);
/** `{namespace}` and `{name}` of a DAG. */
export const dagPathParams = [namespaceParam, path('name', { type: 'string', minLength: 1, maxLength: 253 })];
