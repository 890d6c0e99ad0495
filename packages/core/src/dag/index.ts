/**
 * `@kontroler/core/dag`: the browser-safe part of core (schema, validation, ordering, DSL, manifests).
 * Nothing here imports a Node module, so the console validates with exactly the server's code.
 */
export {
  dagSchema,
  DagSpecSchema,
  TaskSchema,
  ParameterSchema,
  PodTemplateSchema,
  WebhookSchema,
  WorkspaceSchema,
  K8S_NAME_PATTERN,
  type DagSpec,
  type TaskSpec,
  type ParameterSpec,
  type PodTemplate,
  type WebhookSpec,
  type WorkspaceSpec,
  type ConcurrencyPolicy,
} from './schema.js';
export type { CompiledDag, CompiledTask } from './compiled.js';
export { DEFAULT_BACKOFF_LIMIT } from './compiled.js';
export type { DagIssue, DagIssueCode, DagResult } from './issues.js';
